import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.js';
import { opensslEcKey, opensslOk } from './helpers.js';
import {
  certificateUsernames,
  createCa,
  describeCertificate,
  issueCertificate,
} from '../../src-main/core/pki/index.js';
import { certPath } from '../../src-main/core/pki/store.js';
import { Workspace } from '../../src-main/core/workspace/workspace.js';

/**
 * Mosquitto's use_subject_as_username is X509_NAME_print_ex(XN_FLAG_RFC2253). The judge is
 * `openssl x509 -noout -subject -nameopt RFC2253` on certificates made by openssl itself.
 */
const SUBJECTS: Array<{ subj: string; multivalue?: boolean }> = [
  { subj: '/C=GB/ST=Nottinghamshire/L=Nottingham/O=Server/OU=Production/CN=test client' },
  { subj: '/CN=a,b\\+c;d<e>f"g\\\\h' },
  { subj: '/CN= leading and trailing ' },
  { subj: '/CN=#hash' },
  { subj: '/CN=#' },
  { subj: '/CN=x=y' },
  { subj: '/CN=M\u00fcller/O=Caf\u00e9 \u65e5\u672c' },
  { subj: '/CN=device-1/emailAddress=ops@example.com' },
  { subj: '/O=Org/CN=x+UID=42', multivalue: true },
  { subj: '/DC=com/DC=example/CN=host.example.com' },
  { subj: '/1.2.3.4=custom/CN=x' },
  { subj: '/serialNumber=1234/CN=x/title=boss/GN=Ada/SN=Lovelace' },
  { subj: '/CN=back\\\\slash end' },
];

describe('certificateUsernames: the subject string Mosquitto uses, byte for byte as OpenSSL prints it', () => {
  const dir = tempDir('pki-dn-');
  beforeAll(async () => {
    await opensslEcKey(join(dir, 'k.pem'));
  });

  for (const [i, { subj, multivalue }] of SUBJECTS.entries()) {
    it(`matches openssl for ${JSON.stringify(subj)}`, async () => {
      const file = join(dir, `c${i}.pem`);
      await opensslOk([
        'req',
        '-x509',
        '-new',
        '-key',
        join(dir, 'k.pem'),
        '-utf8',
        '-subj',
        subj,
        '-days',
        '1',
        '-out',
        file,
        ...(multivalue ? ['-multivalue-rdn'] : []),
      ]);
      const expected = (await opensslOk(['x509', '-in', file, '-noout', '-subject', '-nameopt', 'RFC2253']))
        .replace(/^subject=/, '')
        .replace(/\n$/, '');
      const pem = readFileSync(file, 'utf8');
      expect(certificateUsernames(pem).subject).toBe(expected);
      // DER gives the same answer.
      const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
      expect(certificateUsernames(der).subject).toBe(expected);
    });
  }

  it('gives the CN (use_identity_as_username) as the raw UTF-8 value', async () => {
    const file = join(dir, 'cn.pem');
    await opensslOk([
      'req',
      '-x509',
      '-new',
      '-key',
      join(dir, 'k.pem'),
      '-utf8',
      '-subj',
      '/O=x/CN=D\u00e9vice 7',
      '-days',
      '1',
      '-out',
      file,
    ]);
    expect(certificateUsernames(readFileSync(file)).cn).toBe('D\u00e9vice 7');
  });

  it('prints the names we issue exactly as openssl does (escaped CN, UTF-8)', async () => {
    const ws = new Workspace(join(dir, 'ws'));
    await createCa(ws, { name: 'root', cn: 'Root, "Quoted" + Co' });
    await issueCertificate(ws, { ca: 'root', profile: 'client', name: 'c', cn: ' s\u00f8ren;<x> ' });
    for (const name of ['root', 'c']) {
      const file = ws.path(certPath(name));
      const expected = (await opensslOk(['x509', '-in', file, '-noout', '-subject', '-nameopt', 'RFC2253']))
        .replace(/^subject=/, '')
        .replace(/\n$/, '');
      const issuerExpected = (
        await opensslOk(['x509', '-in', file, '-noout', '-issuer', '-nameopt', 'RFC2253'])
      )
        .replace(/^issuer=/, '')
        .replace(/\n$/, '');
      const detail = describeCertificate(readFileSync(file));
      expect(detail.subject.rfc2253).toBe(expected);
      expect(detail.issuer.rfc2253).toBe(issuerExpected);
    }
  });
});
