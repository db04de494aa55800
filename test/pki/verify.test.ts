import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.js';
import { openssl, opensslOk } from './helpers.js';
import {
  buildCrl,
  certificateChain,
  createCa,
  issueCertificate,
  revokeCertificate,
  tlsMaterial,
  verifyCertificate,
  type VerifyOptions,
} from '../../src-main/core/pki/index.js';
import {
  buildCertificate,
  keyIdentifier,
  publicKeyBitsOf,
} from '../../src-main/core/pki/certificate-builder.js';
import { readCertificate } from '../../src-main/core/pki/certificate.js';
import { commonNameOnly } from '../../src-main/core/pki/distinguished-name.js';
import { generatePrivateKey, publicSpki, readKey } from '../../src-main/core/pki/keys.js';
import { OID } from '../../src-main/core/pki/oids.js';
import { toPem } from '../../src-main/core/pki/pem.js';
import { crlPath, keyPath } from '../../src-main/core/pki/store.js';
import { Workspace } from '../../src-main/core/workspace/workspace.js';
import type { ProblemCode } from '../../src-main/core/problems.js';

/** OpenSSL's X509_V_ERR numbers and the problem code each one is. */
const OPENSSL_CODES: Record<number, ProblemCode[]> = {
  2: ['MISSING_INTERMEDIATE', 'UNTRUSTED_ROOT'],
  20: ['MISSING_INTERMEDIATE', 'UNTRUSTED_ROOT'],
  3: ['CRL_MISSING'],
  7: ['BAD_SIGNATURE'],
  9: ['NOT_YET_VALID'],
  10: ['EXPIRED'],
  11: ['CRL_NOT_YET_VALID'],
  12: ['CRL_EXPIRED'],
  18: ['SELF_SIGNED_LEAF'],
  19: ['UNTRUSTED_ROOT'],
  23: ['REVOKED'],
  24: ['NOT_A_CA'],
  79: ['NOT_A_CA'], // OpenSSL 3.0: "invalid CA certificate"
  25: ['PATH_LENGTH_EXCEEDED'],
  26: ['WRONG_PURPOSE'],
  62: ['HOSTNAME_MISMATCH'],
  64: ['HOSTNAME_MISMATCH'],
};

const DAY = 86_400_000;

/** `openssl ca -crl_lastupdate/-crl_nextupdate` time: YYYYMMDDHHMMSSZ. */
const caTime = (date: Date) => date.toISOString().replace(/[-:T]|\.\d+/g, '');

/**
 * A CRL signed by openssl (`openssl ca -gencrl`) with the workspace CA's key and real times, listing
 * `revoked` (serial hex) when given — no faked clock anywhere.
 */
async function opensslCrl(
  dir: string,
  name: string,
  ca: { cert: string; key: string },
  times: { thisUpdate: Date; nextUpdate: Date },
  revoked?: { serial: string; subject: string },
): Promise<string> {
  const db = join(dir, `${name}.index.txt`);
  const yymmdd = (date: Date) => caTime(date).slice(2);
  writeFileSync(
    db,
    revoked
      ? `R\t${yymmdd(new Date(Date.now() + 365 * DAY))}\t${yymmdd(new Date(Date.now() - 20 * DAY))},keyCompromise\t${revoked.serial}\tunknown\t${revoked.subject}\n`
      : '',
  );
  writeFileSync(join(dir, `${name}.crlnumber`), '07\n');
  const config = join(dir, `${name}.cnf`);
  writeFileSync(
    config,
    `[ca]\ndefault_ca = d\n[d]\ndatabase = ${db}\ncrlnumber = ${join(dir, `${name}.crlnumber`)}\ndefault_md = sha256\n`,
  );
  const out = join(dir, `${name}.crl`);
  await opensslOk([
    'ca',
    '-config',
    config,
    '-gencrl',
    '-keyfile',
    ca.key,
    '-cert',
    ca.cert,
    '-crl_lastupdate',
    caTime(times.thisUpdate),
    '-crl_nextupdate',
    caTime(times.nextUpdate),
    '-out',
    out,
  ]);
  return out;
}

interface Files {
  cert: string;
  ca: string;
  untrusted?: string;
  crl?: string;
}

describe('verifyCertificate agrees with openssl verify', () => {
  const dir = tempDir('pki-verify-');
  const ws = new Workspace(join(dir, 'ws'));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const p: Record<string, string> = {};

  beforeAll(async () => {
    await createCa(ws, { name: 'root', cn: 'Verify Root' });
    await createCa(ws, { name: 'int', cn: 'Verify Int', parent: 'root' });
    await createCa(ws, { name: 'other', cn: 'Other Root' });
    await issueCertificate(ws, {
      ca: 'int',
      profile: 'server',
      name: 'server',
      cn: 'broker.test',
      san: ['dns:broker.test', 'dns:*.edge.test', 'ip:10.1.2.3'],
    });
    await issueCertificate(ws, { ca: 'int', profile: 'client', name: 'client', cn: 'device-1' });
    await issueCertificate(ws, { ca: 'int', profile: 'client', name: 'revoked', cn: 'device-2' });
    revokeCertificate(ws, 'revoked', 'superseded');
    const server = tlsMaterial(ws, 'server');
    p.root = file('root.crt', server.ca);
    p.int = file('int.crt', server.intermediates);
    p.other = file('other.crt', certificateChain(ws, 'other').cert);
    p.server = file('server.crt', server.cert);
    p.client = file('client.crt', certificateChain(ws, 'client').cert);
    p.revoked = file('revoked.crt', certificateChain(ws, 'revoked').cert);
    p.intCrl = file('int.crl', ws.readText(crlPath('int'))!);
    p.rootCrl = file('root.crl', buildCrl(ws, 'root'));
    p.bothCrls = file('both.crl', ws.readText(crlPath('int'))! + ws.readText(crlPath('root'))!);
    p.fullChain = file('full.crt', server.cert + server.intermediates + server.ca);

    // CRLs openssl signs with the workspace CAs' keys: expired, not yet valid, expired beside a current one.
    const intCa = { cert: p.int, key: ws.path(keyPath('int')) };
    const rootCa = { cert: p.root, key: ws.path(keyPath('root')) };
    const past = { thisUpdate: new Date(Date.now() - 10 * DAY), nextUpdate: new Date(Date.now() - DAY) };
    const future = { thisUpdate: new Date(Date.now() + DAY), nextUpdate: new Date(Date.now() + 30 * DAY) };
    p.expiredCrl = await opensslCrl(dir, 'expired', intCa, past);
    p.futureCrl = await opensslCrl(dir, 'future', intCa, future);
    p.expiredRevokingCrl = await opensslCrl(dir, 'expired-revoking', intCa, past, {
      serial: readCertificate(readFile(p.revoked)).serial.toString('hex').toUpperCase(),
      subject: '/CN=device-2',
    });
    p.expiredAndCurrentCrl = file('expired-current.crl', readFile(p.expiredCrl) + readFile(p.intCrl));
    p.expiredRootCrl = file(
      'expired-root-and-int.crl',
      readFile(await opensslCrl(dir, 'expired-root', rootCa, past)) + readFile(p.intCrl),
    );

    // Forged material the workshop itself refuses to make.
    const intCert = readCertificate(server.intermediates);
    const intKey = readKey(ws.readText(keyPath('int'))!);
    const rootCert = readCertificate(server.ca);
    const rootKey = readKey(ws.readText(keyPath('root'))!);
    const now = Date.now();
    const leaf = async (opts: {
      issuerCert: typeof intCert;
      issuerKey: typeof intKey;
      cn: string;
      ca?: { pathLen?: number };
      keyUsage?: Parameters<typeof buildCertificate>[0]['keyUsage'];
      eku?: string[];
      san?: string[];
    }) => {
      const key = await generatePrivateKey('ec-p256');
      const der = buildCertificate({
        subject: commonNameOnly(opts.cn),
        issuer: opts.issuerCert.subjectDer,
        spki: publicSpki(key),
        signingKey: opts.issuerKey,
        issuerKeyId: opts.issuerCert.ext.subjectKeyId!,
        notBefore: new Date(now - DAY),
        notAfter: new Date(now + 30 * DAY),
        keyUsage: opts.keyUsage ?? ['digitalSignature'],
        ...(opts.ca ? { ca: opts.ca } : {}),
        ...(opts.eku ? { extKeyUsage: opts.eku } : {}),
        ...(opts.san ? { san: opts.san } : {}),
      });
      return { der, key, cert: readCertificate(der) };
    };
    // A self-signed leaf.
    const selfKey = await generatePrivateKey('ec-p256');
    const selfSpki = publicSpki(selfKey);
    p.selfSigned = file(
      'self.crt',
      toPem(
        buildCertificate({
          subject: commonNameOnly('broker.test'),
          issuer: commonNameOnly('broker.test'),
          spki: selfSpki,
          signingKey: selfKey,
          issuerKeyId: keyIdentifier(publicKeyBitsOf(selfSpki)),
          notBefore: new Date(now - DAY),
          notAfter: new Date(now + DAY),
          keyUsage: ['digitalSignature'],
          extKeyUsage: [OID.serverAuth],
          san: ['dns:broker.test'],
        }),
        'CERTIFICATE',
      ),
    );
    // A leaf with a damaged signature.
    const good = await leaf({
      issuerCert: intCert,
      issuerKey: intKey,
      cn: 'tampered',
      eku: [OID.serverAuth],
    });
    const tampered = Buffer.from(good.der);
    tampered[tampered.length - 5] ^= 0x55;
    p.tampered = file('tampered.crt', toPem(tampered, 'CERTIFICATE'));
    // A certificate issued by a non-CA (CA:FALSE) that nevertheless claims keyCertSign.
    const notCa = await leaf({
      issuerCert: intCert,
      issuerKey: intKey,
      cn: 'not-a-ca',
      keyUsage: ['digitalSignature', 'keyCertSign'],
    });
    p.notCa = file('not-ca.crt', toPem(notCa.der, 'CERTIFICATE'));
    p.underNotCa = file(
      'under-not-ca.crt',
      toPem((await leaf({ issuerCert: notCa.cert, issuerKey: notCa.key, cn: 'victim' })).der, 'CERTIFICATE'),
    );
    // root → int0 (pathlen 0) → sub-CA → leaf: the sub-CA exceeds int0's path length.
    const int0 = await leaf({
      issuerCert: rootCert,
      issuerKey: rootKey,
      cn: 'Int pathlen 0',
      ca: { pathLen: 0 },
      keyUsage: ['keyCertSign', 'cRLSign'],
    });
    const sub = await leaf({
      issuerCert: int0.cert,
      issuerKey: int0.key,
      cn: 'Sub CA',
      ca: {},
      keyUsage: ['keyCertSign', 'cRLSign'],
    });
    p.pathChain = file('path-chain.crt', toPem(int0.der, 'CERTIFICATE') + toPem(sub.der, 'CERTIFICATE'));
    p.pathLeaf = file(
      'path-leaf.crt',
      toPem((await leaf({ issuerCert: sub.cert, issuerKey: sub.key, cn: 'deep' })).der, 'CERTIFICATE'),
    );
  }, 60_000);

  async function judge(
    files: Files,
    extra: { purpose?: 'server' | 'client'; host?: string; at?: Date; crlCheckAll?: boolean } = {},
  ): Promise<{ ok: boolean; error?: number }> {
    const args = ['verify', '-CAfile', files.ca];
    if (files.untrusted) args.push('-untrusted', files.untrusted);
    if (files.crl) args.push('-CRLfile', files.crl, extra.crlCheckAll ? '-crl_check_all' : '-crl_check');
    if (extra.purpose) args.push('-purpose', extra.purpose === 'server' ? 'sslserver' : 'sslclient');
    if (extra.host) args.push(/^[\d.]+$|:/.test(extra.host) ? '-verify_ip' : '-verify_hostname', extra.host);
    if (extra.at) args.push('-attime', String(Math.floor(extra.at.getTime() / 1000)));
    args.push(files.cert);
    const result = await openssl(args);
    const first = /error (\d+) at \d+ depth/.exec(result.stdout + result.stderr);
    if (process.env.SHOW_OPENSSL) console.log(result.stdout + result.stderr);
    return { ok: result.code === 0, ...(first ? { error: Number(first[1]) } : {}) };
  }

  const ours = (files: Files, extra: Omit<VerifyOptions, 'certPem' | 'caPem'> = {}) =>
    verifyCertificate({
      certPem: readFile(files.cert),
      caPem: readFile(files.ca),
      ...(files.untrusted ? { untrustedPem: readFile(files.untrusted) } : {}),
      ...(files.crl ? { crlPem: readFile(files.crl) } : {}),
      ...extra,
    });

  const cases: Array<{
    title: string;
    files: () => Files;
    extra?: { purpose?: 'server' | 'client'; host?: string; at?: Date; crlCheckAll?: boolean };
    code?: ProblemCode;
  }> = [
    {
      title: 'a good server chain, purpose and name',
      files: () => ({ cert: p.server!, ca: p.root!, untrusted: p.int! }),
      extra: { purpose: 'server', host: 'broker.test' },
    },
    {
      title: 'a wildcard SAN',
      files: () => ({ cert: p.server!, ca: p.root!, untrusted: p.int! }),
      extra: { host: 'a.edge.test' },
    },
    {
      title: 'an IP SAN',
      files: () => ({ cert: p.server!, ca: p.root!, untrusted: p.int! }),
      extra: { host: '10.1.2.3' },
    },
    {
      title: 'a good client with the CRL',
      files: () => ({ cert: p.client!, ca: p.root!, untrusted: p.int!, crl: p.intCrl! }),
      extra: { purpose: 'client' },
    },
    {
      title: 'the full chain file as untrusted',
      files: () => ({ cert: p.server!, ca: p.root!, untrusted: p.fullChain! }),
    },
    {
      title: 'a missing intermediate',
      files: () => ({ cert: p.server!, ca: p.root! }),
      code: 'MISSING_INTERMEDIATE',
    },
    {
      title: 'another root trusted',
      files: () => ({ cert: p.server!, ca: p.other!, untrusted: p.int! }),
      code: 'UNTRUSTED_ROOT',
    },
    {
      title: 'an untrusted root sent along',
      files: () => ({ cert: p.server!, ca: p.other!, untrusted: p.fullChain! }),
      code: 'UNTRUSTED_ROOT',
    },
    {
      title: 'a self-signed leaf',
      files: () => ({ cert: p.selfSigned!, ca: p.root! }),
      code: 'SELF_SIGNED_LEAF',
    },
    {
      title: 'an expired chain',
      files: () => ({ cert: p.server!, ca: p.root!, untrusted: p.int! }),
      extra: { at: new Date(Date.now() + 400 * DAY) },
      code: 'EXPIRED',
    },
    {
      title: 'a chain not yet valid',
      files: () => ({ cert: p.server!, ca: p.root!, untrusted: p.int! }),
      extra: { at: new Date(Date.now() - 10 * DAY) },
      code: 'NOT_YET_VALID',
    },
    {
      title: 'a client certificate used as a server',
      files: () => ({ cert: p.client!, ca: p.root!, untrusted: p.int! }),
      extra: { purpose: 'server' },
      code: 'WRONG_PURPOSE',
    },
    {
      title: 'a server certificate used as a client',
      files: () => ({ cert: p.server!, ca: p.root!, untrusted: p.int! }),
      extra: { purpose: 'client' },
      code: 'WRONG_PURPOSE',
    },
    {
      title: 'the wrong host name',
      files: () => ({ cert: p.server!, ca: p.root!, untrusted: p.int! }),
      extra: { host: 'evil.test' },
      code: 'HOSTNAME_MISMATCH',
    },
    {
      title: 'a wildcard one label too deep',
      files: () => ({ cert: p.server!, ca: p.root!, untrusted: p.int! }),
      extra: { host: 'a.b.edge.test' },
      code: 'HOSTNAME_MISMATCH',
    },
    {
      title: 'the wrong IP',
      files: () => ({ cert: p.server!, ca: p.root!, untrusted: p.int! }),
      extra: { host: '10.1.2.4' },
      code: 'HOSTNAME_MISMATCH',
    },
    {
      title: 'a revoked client',
      files: () => ({ cert: p.revoked!, ca: p.root!, untrusted: p.int!, crl: p.intCrl! }),
      code: 'REVOKED',
    },
    {
      title: "no CRL from the leaf's issuer",
      files: () => ({ cert: p.client!, ca: p.root!, untrusted: p.int!, crl: p.rootCrl! }),
      code: 'CRL_MISSING',
    },
    {
      title: 'an expired CRL (openssl ca, nextUpdate yesterday)',
      files: () => ({ cert: p.client!, ca: p.root!, untrusted: p.int!, crl: p.expiredCrl! }),
      code: 'CRL_EXPIRED',
    },
    {
      title: 'a CRL not yet valid (openssl ca, thisUpdate tomorrow)',
      files: () => ({ cert: p.client!, ca: p.root!, untrusted: p.int!, crl: p.futureCrl! }),
      code: 'CRL_NOT_YET_VALID',
    },
    {
      title: 'a revoked client on an expired CRL: the expiry is reported first',
      files: () => ({ cert: p.revoked!, ca: p.root!, untrusted: p.int!, crl: p.expiredRevokingCrl! }),
      code: 'CRL_EXPIRED',
    },
    {
      title: 'an expired CRL beside a current one of the same CA: the current one counts',
      files: () => ({ cert: p.client!, ca: p.root!, untrusted: p.int!, crl: p.expiredAndCurrentCrl! }),
    },
    {
      title: "the root's CRL expired (-crl_check_all)",
      files: () => ({ cert: p.client!, ca: p.root!, untrusted: p.int!, crl: p.expiredRootCrl! }),
      extra: { crlCheckAll: true },
      code: 'CRL_EXPIRED',
    },
    {
      title: 'a damaged signature',
      files: () => ({ cert: p.tampered!, ca: p.root!, untrusted: p.int! }),
      code: 'BAD_SIGNATURE',
    },
    {
      title: 'an issuer that is not a CA',
      files: () => ({ cert: p.underNotCa!, ca: p.root!, untrusted: `${p.notCa!}+${p.int!}` }),
      code: 'NOT_A_CA',
    },
    {
      title: 'a path length exceeded',
      files: () => ({ cert: p.pathLeaf!, ca: p.root!, untrusted: p.pathChain! }),
      code: 'PATH_LENGTH_EXCEEDED',
    },
    {
      title: 'every CRL of the chain (-crl_check_all)',
      files: () => ({ cert: p.client!, ca: p.root!, untrusted: p.int!, crl: p.bothCrls! }),
      extra: { crlCheckAll: true },
    },
    {
      title: 'no CRL from the root for the intermediate (-crl_check_all)',
      files: () => ({ cert: p.client!, ca: p.root!, untrusted: p.int!, crl: p.intCrl! }),
      extra: { crlCheckAll: true },
      code: 'CRL_MISSING',
    },
  ];

  for (const c of cases) {
    it(`${c.code ?? 'OK'}: ${c.title}`, async () => {
      let files = c.files();
      if (files.untrusted?.includes('+')) {
        const [a, b] = files.untrusted.split('+');
        files = { ...files, untrusted: file('joined.crt', readFile(a!) + readFile(b!)) };
      }
      const judged = await judge(files, c.extra);
      const result = ours(files, c.extra ?? {});
      expect(result.ok, JSON.stringify(result.problems)).toBe(judged.ok);
      expect(judged.ok).toBe(c.code === undefined);
      if (c.code) {
        expect(OPENSSL_CODES[judged.error!], `openssl error ${judged.error}`).toContain(c.code);
        expect(result.problems[0]!.code).toBe(c.code);
        expect(result.problems[0]!.message.length).toBeGreaterThan(10);
        expect(result.problems[0]!.fix.length).toBeGreaterThan(10);
        expect(result.steps.some((s) => !s.ok)).toBe(true);
      } else {
        expect(result.steps.every((s) => s.ok)).toBe(true);
      }
    });
  }

  it('an expired CRL still lists its revocations: openssl reports 12 then 23, we CRL_EXPIRED then REVOKED', async () => {
    const files = { cert: p.revoked!, ca: p.root!, untrusted: p.int!, crl: p.expiredRevokingCrl! };
    const judged = await openssl([
      'verify',
      '-CAfile',
      files.ca,
      '-untrusted',
      files.untrusted,
      '-CRLfile',
      files.crl,
      '-crl_check',
      files.cert,
    ]);
    const errors = [...(judged.stdout + judged.stderr).matchAll(/error (\d+) at \d+ depth/g)].map(
      (m) => m[1],
    );
    expect(errors).toEqual(['12', '23']);
    const result = ours(files);
    expect(result.problems.map((x) => x.code)).toEqual(['CRL_EXPIRED', 'REVOKED']);
    expect(result.problems[0]!.message).toMatch(/expired on .*nextUpdate/);
    expect(result.steps.find((x) => x.name === 'Revocation')?.detail).toMatch(
      /CRL #7 of CN=Verify Int has expired/,
    );
  });
});

function readFile(path: string): string {
  return readFileSync(path, 'utf8');
}
