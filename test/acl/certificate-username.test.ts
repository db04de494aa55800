/**
 * usernameFromCertificate against Debian's Mosquitto: client certificates (a subject with a multi-valued
 * RDN, escaped characters and UTF-8; one without a CN) connect to listeners with use_identity_as_username
 * and use_subject_as_username, and what they may publish under the ACL must be what our evaluator says
 * for the username usernameFromCertificate derives. The subject string is OpenSSL's own RFC 2253 print.
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  evaluateAcl,
  parseAcl,
  usernameFromCertificate,
  type CertificateNames,
} from '../../src-main/core/acl/index.js';
import { startMosquitto, type RunningMosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { run } from '../helpers/run.js';
import { sharedTempDir } from '../helpers/tmp.js';
import { barrier, connect, withTimeout } from './mqtt-test-client.js';

const dir = sharedTempDir('acl-cert-');
const file = (name: string) => join(dir, name);

async function openssl(args: string[]): Promise<string> {
  const r = await run('openssl', args, { cwd: dir });
  if (r.code !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function issue(name: string, subj: string, extensions: string): Promise<void> {
  writeFileSync(file(`${name}.ext`), extensions);
  await openssl([
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-utf8',
    '-multivalue-rdn',
    '-subj',
    subj,
    '-keyout',
    file(`${name}.key`),
    '-out',
    file(`${name}.csr`),
  ]);
  await openssl([
    'x509',
    '-req',
    '-in',
    file(`${name}.csr`),
    '-CA',
    file('ca.crt'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    file(`${name}.ext`),
    '-out',
    file(`${name}.crt`),
  ]);
  chmodSync(file(`${name}.key`), 0o644);
}

async function names(name: string, cn: string | undefined): Promise<CertificateNames> {
  const printed = await openssl([
    'x509',
    '-in',
    file(`${name}.crt`),
    '-noout',
    '-subject',
    '-nameopt',
    'RFC2253',
  ]);
  const subject = printed.replace(/^subject=/, '').replace(/\n$/, '');
  return cn === undefined ? { subject } : { cn, subject };
}

const CN = 'dev, 1 ü <x>';
let withCn: CertificateNames;
let withoutCn: CertificateNames;
let broker: RunningMosquitto;
const ports = { plain: 0, subject: 0, identity: 0 };
let aclText = '';

beforeAll(async () => {
  await openssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-subj',
    '/CN=ACL Test CA',
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.crt'),
    '-days',
    '1',
  ]);
  await issue('server', '/CN=localhost', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  await issue('a', `/C=DE/O=ACME, Inc./OU=Plant 3+L=Hall/CN=${CN}`, 'extendedKeyUsage=clientAuth\n');
  await issue('b', '/O=No CN Org', 'extendedKeyUsage=clientAuth\n');
  withCn = await names('a', CN);
  withoutCn = await names('b', undefined);
  // OpenSSL's RFC 2253 print: reversed, escaped, UTF-8 as \XX, and a '+' between the values of one RDN.
  expect(withCn.subject).toMatch(
    /^CN=dev\\, 1 \\C3\\BC \\<x\\>,(OU=Plant 3\+L=Hall|L=Hall\+OU=Plant 3),O=ACME\\, Inc\.,C=DE$/,
  );

  aclText = [
    `user ${withCn.subject}`,
    'topic readwrite subject/#',
    `user ${CN}`,
    'topic readwrite cn/#',
    'pattern write pattern/%c',
    'user __judge',
    'topic readwrite #',
    '',
  ].join('\n');
  writeFileSync(file('acl'), aclText);
  ports.plain = await freePort();
  ports.subject = await freePort();
  ports.identity = await freePort();
  const tls = [
    `cafile ${file('ca.crt')}`,
    `certfile ${file('server.crt')}`,
    `keyfile ${file('server.key')}`,
    'require_certificate true',
  ];
  const conf = [
    'allow_anonymous true',
    `acl_file ${file('acl')}`,
    'persistence false',
    'log_dest stderr',
    'log_type all',
    `listener ${ports.plain} 127.0.0.1`,
    `listener ${ports.subject} 127.0.0.1`,
    ...tls,
    'use_subject_as_username true',
    `listener ${ports.identity} 127.0.0.1`,
    ...tls,
    'use_identity_as_username true',
    '',
  ].join('\n');
  broker = await startMosquitto(dir, conf, ports.plain);
});
afterAll(async () => broker?.stop());

const tlsOf = (name: string) => ({
  ca: readFileSync(file('ca.crt'), 'utf8'),
  cert: readFileSync(file(`${name}.crt`), 'utf8'),
  key: readFileSync(file(`${name}.key`), 'utf8'),
});

/** Publish each topic as the certificate's client and report which ones the judge received. */
async function mosquittoWrites(
  port: number,
  cert: string,
  clientId: string,
  topics: string[],
): Promise<boolean[]> {
  const judge = await connect(ports.plain, `judge-${clientId}`, '__judge');
  await withTimeout(judge.client.subscribeAsync('#', { qos: 0 }), 'judge subscribe');
  const device = await connect(port, clientId, 'ignored-user', tlsOf(cert));
  for (const [i, t] of topics.entries())
    await withTimeout(device.client.publishAsync(t, `${clientId}:${i}`, { qos: 1 }), t);
  await device.client.endAsync();
  await barrier(judge.client);
  await judge.client.endAsync();
  return topics.map((t, i) => judge.got.some((g) => g.topic === t && g.payload === `${clientId}:${i}`));
}

describe('usernameFromCertificate', () => {
  test('picks the CN, the RFC 2253 subject, or the CONNECT username, CN first', () => {
    const n = { cn: 'dev-1', subject: 'CN=dev-1,O=ACME' };
    expect(usernameFromCertificate(n, { useIdentityAsUsername: true })).toEqual({
      source: 'cn',
      username: 'dev-1',
    });
    expect(usernameFromCertificate(n, { useSubjectAsUsername: true })).toEqual({
      source: 'subject',
      username: 'CN=dev-1,O=ACME',
    });
    expect(
      usernameFromCertificate(n, { useIdentityAsUsername: true, useSubjectAsUsername: true }),
    ).toMatchObject({ source: 'cn' });
    expect(usernameFromCertificate(n, {})).toEqual({ source: 'connect' });
    expect(usernameFromCertificate({ subject: 'O=x' }, { useIdentityAsUsername: true })).toMatchObject({
      refused: expect.any(String),
    });
  });

  const topics = (clientId: string) => ['subject/1', 'cn/1', `pattern/${clientId}`, 'other'];

  test.each([
    ['use_subject_as_username', 'subject', 'a', 'ca-s'],
    ['use_identity_as_username', 'identity', 'a', 'ca-i'],
    ['use_subject_as_username, no CN', 'subject', 'b', 'cb-s'],
  ] as const)(
    '%s: Mosquitto lets the certificate publish exactly where our evaluator says',
    async (_n, listener, cert, clientId) => {
      const names = cert === 'a' ? withCn : withoutCn;
      const derived = usernameFromCertificate(
        names,
        listener === 'subject' ? { useSubjectAsUsername: true } : { useIdentityAsUsername: true },
      );
      if (!('username' in derived)) throw new Error('expected a username');
      const acl = parseAcl(aclText, 'acl');
      const ours = topics(clientId).map(
        (topic) => evaluateAcl(acl, { username: derived.username, clientId, topic, access: 'write' }).allow,
      );
      const theirs = await mosquittoWrites(ports[listener], cert, clientId, topics(clientId));
      expect(theirs).toEqual(ours);
      expect(ours.some((x) => x)).toBe(true);
    },
  );

  test('use_identity_as_username with a certificate without a CN: refused by both', async () => {
    expect(usernameFromCertificate(withoutCn, { useIdentityAsUsername: true })).toMatchObject({
      source: 'cn',
      refused: expect.any(String),
    });
    // The TLS handshake succeeds; Mosquitto refuses the CONNECT with CONNACK 4 (bad username or password).
    await expect(connect(ports.identity, 'cb-i', undefined, tlsOf('b'))).rejects.toMatchObject({
      code: 4,
      message: 'Connection refused: Bad username or password',
    });
  });
});
