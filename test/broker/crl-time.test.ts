import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki, publishCrlAt, type TestPki } from './openssl-pki.js';
import { sharedTempDir } from '../helpers/tmp.js';
import { opensslOk } from '../helpers/openssl.js';
import { pubOutcome, startPair, type BrokerPair } from './differential.js';

/**
 * A crlfile whose CRL is expired (nextUpdate passed) or not yet valid (thisUpdate ahead), signed by
 * `openssl ca -gencrl` with real times. Debian's Mosquitto 2.0.11 starts with such a crlfile (it reads
 * the file but does not look at its dates) and then refuses every client certificate of that CA inside
 * the TLS handshake: OpenSSL's check_crl_time fails (errors 12 "CRL has expired" / 11 "CRL is not yet
 * valid"), Mosquitto logs "certificate verify failed" and mosquitto_pub sees the connection lost. Our
 * broker refuses the same clients; as everywhere in the broker (see differential-auth.test.ts) it
 * completes the handshake and answers CONNECT with CONNACK 5, with CRL_EXPIRED / CRL_NOT_YET_VALID and a
 * reason saying what is wrong and how to fix it.
 */
const DAY = 86_400_000;
const dir = sharedTempDir('mts-crl-time-');
let pki: TestPki;
const pairs: BrokerPair[] = [];

beforeAll(async () => {
  pki = await makeTestPki(join(dir, 'pki'));
  const now = Date.now();
  await publishCrlAt(pki, pki.path('expired.crl'), {
    thisUpdate: new Date(now - 20 * DAY),
    nextUpdate: new Date(now - DAY),
  });
  await publishCrlAt(pki, pki.path('future.crl'), {
    thisUpdate: new Date(now + DAY),
    nextUpdate: new Date(now + 8 * DAY),
  });
  await publishCrlAt(pki, pki.path('current.crl'), {
    thisUpdate: new Date(now - DAY),
    nextUpdate: new Date(now + 7 * DAY),
  });
  // An outdated CRL left in crlfile before the current one.
  writeFileSync(
    pki.path('expired-then-current.crl'),
    readFileSync(pki.path('expired.crl'), 'utf8') + readFileSync(pki.path('current.crl'), 'utf8'),
  );
  chmodSync(pki.path('expired-then-current.crl'), 0o644);
}, 60_000);

afterAll(async () => {
  await Promise.all(pairs.map((p) => p.stop()));
});

const clientArgs = () => [
  '--cafile',
  pki.path('ca.crt'),
  '--cert',
  pki.path('client1.crt'),
  '--key',
  pki.path('client1.key'),
];

const cases = [
  {
    crl: 'expired.crl',
    opensslError: /error 12 at 0 depth lookup: CRL has expired/,
    problem: 'CRL_EXPIRED',
    reason:
      /CRL of CN=Test Intermediate CA in crlfile expired on .*nextUpdate.*publish a fresh CRL \(mqtt-tls-studio crl --ca NAME --out FILE\)/,
  },
  {
    crl: 'future.crl',
    opensslError: /error 11 at 0 depth lookup: CRL is not yet valid/,
    problem: 'CRL_NOT_YET_VALID',
    reason:
      /CRL of CN=Test Intermediate CA in crlfile is not valid yet \(thisUpdate .*\).*mqtt-tls-studio crl --ca NAME --out FILE/,
  },
] as const;

describe('a crlfile out of its validity period', () => {
  for (const c of cases) {
    it(`${c.problem}: Mosquitto starts and refuses the client, so does our broker`, async () => {
      // The judge: openssl verify with the same files fails on the CRL's dates.
      const verified = await opensslOk([
        'verify',
        '-CAfile',
        pki.path('ca.crt'),
        '-CRLfile',
        pki.path(c.crl),
        '-crl_check',
        pki.path('client1.crt'),
      ]).catch((error: Error) => error.message);
      expect(verified).toMatch(c.opensslError);

      const p = await startPair(dir, ([port]) =>
        [
          'log_dest stderr',
          'allow_anonymous true',
          `listener ${port}`,
          `cafile ${pki.path('ca.crt')}`,
          `certfile ${pki.path('server.crt')}`,
          `keyfile ${pki.path('server.key')}`,
          'require_certificate true',
          `crlfile ${pki.path(c.crl)}`,
          '',
        ].join('\n'),
      );
      pairs.push(p);
      const mosquitto = await pubOutcome(p.mosquitto.ports[0]!, clientArgs());
      const ours = await pubOutcome(p.ours.ports[0]!, clientArgs());
      expect({ mosquitto, ours }).toEqual({ mosquitto: 'refused in TLS', ours: 'connack 5' });
      expect(p.mosquitto.process.log()).toMatch(/certificate verify failed/);
      const refusal = p.ours.events.find((e) => e.kind === 'refused');
      expect(refusal?.problem).toBe(c.problem);
      expect(refusal?.reason).toMatch(c.reason);
      expect(refusal?.message).toContain(refusal!.reason!);
    }, 30_000);
  }
});

describe('a crlfile holding an outdated CRL before the current one', () => {
  it('OpenSSL picks the current CRL: Mosquitto and our broker both accept the client', async () => {
    const verified = await opensslOk([
      'verify',
      '-CAfile',
      pki.path('ca.crt'),
      '-CRLfile',
      pki.path('expired-then-current.crl'),
      '-crl_check',
      pki.path('client1.crt'),
    ]).catch((error: Error) => error.message);
    expect(verified).toMatch(/client1\.crt: OK/);
    const p = await startPair(dir, ([port]) =>
      [
        'log_dest stderr',
        'allow_anonymous true',
        `listener ${port}`,
        `cafile ${pki.path('ca.crt')}`,
        `certfile ${pki.path('server.crt')}`,
        `keyfile ${pki.path('server.key')}`,
        'require_certificate true',
        `crlfile ${pki.path('expired-then-current.crl')}`,
        '',
      ].join('\n'),
    );
    pairs.push(p);
    const mosquitto = await pubOutcome(p.mosquitto.ports[0]!, clientArgs());
    const ours = await pubOutcome(p.ours.ports[0]!, clientArgs());
    expect({ mosquitto, ours }).toEqual({ mosquitto: 'accepted', ours: 'accepted' });
  }, 30_000);
});
