/**
 * Every pairing of "chain the server sends" × "trust the probe is given", judged against `openssl
 * s_client`: a diagnosis names a missing intermediate only when the chain as sent lacks one, and an
 * untrusted root only when the root is what is missing. Known CAs (the workspace's) sharpen the
 * diagnosis but are never trusted.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe, type ProbeOptions } from '../../src-main/core/inspect/index.js';
import { tempDir } from '../helpers/tmp.js';
import { buildTestPki, type TestPki } from './openssl-pki.js';
import { sClient } from './s-client.js';

const dir = tempDir('mts-inspect-pairings-');
let pki: TestPki;
const servers: Server[] = [];
const ports: Record<'full' | 'leaf', number> = { full: 0, leaf: 0 };

async function serve(certfile: string): Promise<number> {
  const server = createServer(
    { cert: readFileSync(certfile), key: readFileSync(pki.key('server')) },
    (socket) => socket.end(),
  );
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  pki = buildTestPki(dir);
  ports.full = await serve(pki.serverChain);
  ports.leaf = await serve(pki.server);
});

afterAll(() => {
  for (const server of servers) server.close();
});

type Trust = 'system' | 'root' | 'intermediate' | 'wrong CA';
const trustFile = (trust: Trust): string | null =>
  trust === 'root'
    ? pki.root.cert
    : trust === 'intermediate'
      ? pki.inter.cert
      : trust === 'wrong CA'
        ? pki.rogue.cert
        : null;

function options(trust: Trust, known: boolean): ProbeOptions {
  const file = trustFile(trust);
  return {
    trust: file ? { caPem: readFileSync(file, 'utf8'), label: `${trust}.crt` } : 'system',
    ...(known ? { knownCasPem: readFileSync(pki.caBundle, 'utf8') } : {}),
  };
}

const TRUST_CODES = ['UNTRUSTED_ROOT', 'MISSING_INTERMEDIATE'];

/** What each pairing must say: without known CAs, and with the workspace knowing root and intermediate. */
const cases: Array<{
  sent: 'full' | 'leaf';
  trust: Trust;
  codes: string[];
  withKnown: string[];
  openssl: RegExp;
}> = [
  {
    sent: 'full',
    trust: 'system',
    codes: ['UNTRUSTED_ROOT'],
    withKnown: ['UNTRUSTED_ROOT'],
    openssl: /Verify return code: 20 /,
  },
  { sent: 'full', trust: 'root', codes: [], withKnown: [], openssl: /Verify return code: 0 \(ok\)/ },
  {
    sent: 'full',
    trust: 'intermediate',
    codes: ['UNTRUSTED_ROOT'],
    withKnown: ['UNTRUSTED_ROOT'],
    openssl: /Verify return code: 2 /,
  },
  {
    sent: 'full',
    trust: 'wrong CA',
    codes: ['UNTRUSTED_ROOT'],
    withKnown: ['UNTRUSTED_ROOT'],
    openssl: /Verify return code: 20 /,
  },
  // The leaf alone: its issuer unknown to anyone here could be an intermediate or a root; the wording says both.
  {
    sent: 'leaf',
    trust: 'system',
    codes: ['MISSING_INTERMEDIATE'],
    withKnown: ['MISSING_INTERMEDIATE', 'UNTRUSTED_ROOT'],
    openssl: /Verify return code: (20|21) /,
  },
  {
    sent: 'leaf',
    trust: 'root',
    codes: ['MISSING_INTERMEDIATE'],
    withKnown: ['MISSING_INTERMEDIATE'],
    openssl: /Verify return code: 21 /,
  },
  {
    sent: 'leaf',
    trust: 'intermediate',
    codes: ['MISSING_INTERMEDIATE', 'UNTRUSTED_ROOT'],
    withKnown: ['MISSING_INTERMEDIATE', 'UNTRUSTED_ROOT'],
    openssl: /Verify return code: 2 /,
  },
  {
    sent: 'leaf',
    trust: 'wrong CA',
    codes: ['MISSING_INTERMEDIATE'],
    withKnown: ['MISSING_INTERMEDIATE', 'UNTRUSTED_ROOT'],
    openssl: /Verify return code: (20|21) /,
  },
];

describe('chain sent × trust given', () => {
  for (const pairing of cases) {
    it(`${pairing.sent === 'full' ? 'full chain' : 'leaf only'} × ${pairing.trust}`, async () => {
      const port = ports[pairing.sent];
      const file = trustFile(pairing.trust);
      const judge = await sClient(port, ['-servername', 'localhost', ...(file ? ['-CAfile', file] : [])]);
      expect(judge.output).toMatch(pairing.openssl);

      const plain = await probe(`localhost:${port}`, options(pairing.trust, false));
      const informed = await probe(`localhost:${port}`, options(pairing.trust, true));
      for (const [report, expected] of [
        [plain, pairing.codes],
        [informed, pairing.withKnown],
      ] as const) {
        const codes = report.problems
          .map((problem) => problem.code)
          .filter((code) => TRUST_CODES.includes(code));
        expect(codes).toEqual(expected);
        // Never more than what OpenSSL refuses, never less.
        expect(report.validation.trusted).toBe(/Verify return code: 0 \(ok\)/.test(judge.output));
        expect(report.problems.every((problem) => TRUST_CODES.includes(problem.code))).toBe(true);
        const text = report.problems.map((problem) => `${problem.message} ${problem.fix}`).join('\n');
        // The evidence the server sent the intermediate rules out "without its intermediate".
        if (pairing.sent === 'full')
          expect(text).not.toMatch(/without (its|that) intermediate|does not send that intermediate/);
      }
      if (pairing.sent === 'leaf' && informed.problems[0]?.code === 'MISSING_INTERMEDIATE') {
        expect(informed.problems[0].message).toContain(
          'issued by the intermediate CA "Inspect Test Intermediate"',
        );
      }
      if (pairing.trust === 'intermediate') {
        expect(informed.problems.find((problem) => problem.code === 'UNTRUSTED_ROOT')!.message).toMatch(
          /holds the intermediate "Inspect Test Intermediate" but not the root "Inspect Test Root"/,
        );
      }
    });
  }
});
