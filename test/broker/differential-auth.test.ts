import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src-main/core/conf/index.js';
import { makeTestPki, type TestPki } from './openssl-pki.js';
import { sharedTempDir } from '../helpers/tmp.js';
import {
  mqttjsOutcome,
  opensslSubject,
  pubOutcome,
  rawConnect,
  startPair,
  type BrokerPair,
  type Outcome,
} from './differential.js';

/**
 * Connection outcomes, Debian's Mosquitto 2.0.11 against our broker, same conf and files. Where Mosquitto
 * refuses a client certificate inside the TLS handshake, our broker completes it and answers the CONNECT
 * with CONNACK 5 naming the reason (so no client hangs and the log says why): that single, deliberate
 * difference is spelled out in each case below.
 */
const dir = sharedTempDir('mts-diff-auth-');
let pki: TestPki;
const pairs: BrokerPair[] = [];

beforeAll(async () => {
  pki = await makeTestPki(join(dir, 'pki'));
  writeFileSync(join(dir, 'passwd'), `alice:${hashPassword('wonderland')}\n`);
  writeFileSync(join(dir, 'psk'), 'dev-1:0a1b2c3d4e5f60718293\n');
  writeFileSync(join(dir, 'acl'), 'pattern readwrite #\n');
}, 60_000);

afterAll(async () => {
  await Promise.all(pairs.map((p) => p.stop()));
});

async function pair(confFor: (ports: number[]) => string, listeners = 1): Promise<BrokerPair> {
  const started = await startPair(dir, confFor, listeners);
  pairs.push(started);
  return started;
}

function certArgs(name: string | null): string[] {
  const args = ['--cafile', pki.path('ca.crt')];
  if (name) args.push('--cert', pki.path(`${name}.crt`), '--key', pki.path(`${name}.key`));
  return args;
}

type Case = [name: string, args: string[], mosquitto: Outcome, ours: Outcome, problem?: string];

async function compare(p: BrokerPair, cases: Case[], listener = 0): Promise<void> {
  const results = await Promise.all(
    cases.map(async ([name, args]) => ({
      name,
      mosquitto: await pubOutcome(p.mosquitto.ports[listener], args),
      ours: await pubOutcome(p.ours.ports[listener], args),
    })),
  );
  for (const [index, [name, , mosquitto, ours, problem]] of cases.entries()) {
    expect(results[index], name).toEqual({ name, mosquitto, ours });
    if (problem) {
      const refusal = p.ours.events.find((e) => e.kind === 'refused' && e.problem === problem);
      expect(refusal, `${name}: a refusal event with ${problem}`).toBeTruthy();
    }
  }
}

describe('mutual TLS, certificate CN as username, CRL', () => {
  it('accepts and refuses the same clients', async () => {
    const p = await pair(([port]) =>
      [
        'allow_anonymous false',
        `acl_file ${dir}/acl`,
        `listener ${port}`,
        `cafile ${pki.path('ca.crt')}`,
        `certfile ${pki.path('server.crt')}`,
        `keyfile ${pki.path('server.key')}`,
        'require_certificate true',
        'use_identity_as_username true',
        `crlfile ${pki.path('inter.crl')}`,
        '',
      ].join('\n'),
    );
    await compare(p, [
      ['valid client certificate', certArgs('client1'), 'accepted', 'accepted'],
      [
        'CONNECT username/password are ignored',
        [...certArgs('client1'), '-u', 'x', '-P', 'y'],
        'accepted',
        'accepted',
      ],
      ['certificate without CN', certArgs('nocn'), 'connack 4', 'connack 4'],
      ['revoked certificate', certArgs('client2'), 'refused in TLS', 'connack 5', 'REVOKED'],
      ['no certificate', certArgs(null), 'refused in TLS', 'connack 5', 'CLIENT_CERT_REQUIRED'],
      [
        'certificate from an unknown CA',
        certArgs('stranger'),
        'refused in TLS',
        'connack 5',
        'CLIENT_CERT_REJECTED',
      ],
      ['expired certificate', certArgs('expired'), 'refused in TLS', 'connack 5', 'EXPIRED'],
    ]);
    const accepted = p.ours.events.find((e) => e.kind === 'connected' && e.username === 'client1');
    expect(accepted?.clientCertificate?.subject).toBe(opensslSubject(pki.path('client1.crt')));
    expect(accepted?.tls?.protocol).toBe('TLSv1.3');
  }, 40_000);

  it('refuses every client when the username comes from a certificate that is never requested (CONNACK 4)', async () => {
    const p = await pair(([port]) =>
      [
        `listener ${port}`,
        `cafile ${pki.path('ca.crt')}`,
        `certfile ${pki.path('server.chain.crt')}`,
        `keyfile ${pki.path('server.key')}`,
        'use_identity_as_username true',
        'allow_anonymous true',
        '',
      ].join('\n'),
    );
    await compare(p, [
      ['client certificate offered', certArgs('client1'), 'connack 4', 'connack 4'],
      ['no certificate', certArgs(null), 'connack 4', 'connack 4'],
    ]);
  }, 30_000);
});

describe('certificate subject as username', () => {
  it('takes the RFC 2253 subject, and needs no CN', async () => {
    const subject = opensslSubject(pki.path('client1.crt'));
    writeFileSync(join(dir, 'acl-subject'), `user ${subject}\ntopic readwrite probe/#\n`);
    const p = await pair(([port]) =>
      [
        `acl_file ${dir}/acl-subject`,
        `listener ${port}`,
        `cafile ${pki.path('ca.crt')}`,
        `certfile ${pki.path('server.crt')}`,
        `keyfile ${pki.path('server.key')}`,
        'require_certificate true',
        'use_subject_as_username true',
        '',
      ].join('\n'),
    );
    await compare(p, [
      ['client1', certArgs('client1'), 'accepted', 'accepted'],
      ['certificate without CN', certArgs('nocn'), 'accepted', 'accepted'],
    ]);
    expect(p.ours.events.some((e) => e.kind === 'connected' && e.username === subject)).toBe(true);
    expect(
      p.ours.events.some(
        (e) => e.kind === 'connected' && e.username === opensslSubject(pki.path('nocn.crt')),
      ),
    ).toBe(true);
  }, 30_000);
});

describe('password file and anonymous access', () => {
  const password = (port: number, anonymous: string) =>
    [`listener ${port} 127.0.0.1`, `password_file ${dir}/passwd`, anonymous, ''].join('\n');
  const cases = (anonymous: boolean): Case[] => [
    ['right password', ['-u', 'alice', '-P', 'wonderland'], 'accepted', 'accepted'],
    ['wrong password', ['-u', 'alice', '-P', 'rabbit'], 'connack 5', 'connack 5'],
    ['no password', ['-u', 'alice'], 'connack 5', 'connack 5'],
    ['unknown user', ['-u', 'bob', '-P', 'wonderland'], 'connack 5', 'connack 5'],
    ['no username', [], anonymous ? 'accepted' : 'connack 5', anonymous ? 'accepted' : 'connack 5'],
  ];

  it('with allow_anonymous false (the 2.x default)', async () => {
    const p = await pair(([port]) => password(port, '# allow_anonymous left at its default'));
    await compare(p, cases(false));
  }, 30_000);

  it('with allow_anonymous true', async () => {
    const p = await pair(([port]) => password(port, 'allow_anonymous true'));
    await compare(p, cases(true));
  }, 30_000);

  it('without a password file, allow_anonymous decides for everyone', async () => {
    const p = await pair(
      ([a, b]) =>
        [
          'per_listener_settings true',
          `listener ${a} 127.0.0.1`,
          'allow_anonymous true',
          `listener ${b} 127.0.0.1`,
          'allow_anonymous false',
          '',
        ].join('\n'),
      2,
    );
    await compare(p, [
      ['anonymous, allowed', [], 'accepted', 'accepted'],
      ['any username, allowed', ['-u', 'nobody', '-P', 'x'], 'accepted', 'accepted'],
    ]);
    await compare(
      p,
      [
        ['anonymous, not allowed', [], 'connack 5', 'connack 5'],
        ['any username, not allowed', ['-u', 'nobody', '-P', 'x'], 'connack 5', 'connack 5'],
      ],
      1,
    );
  }, 30_000);
});

describe('TLS-PSK with the identity as username', () => {
  it('accepts the right key and refuses a wrong key or unknown identity in the handshake', async () => {
    const p = await pair(([port]) =>
      [
        `psk_file ${dir}/psk`,
        `listener ${port} 127.0.0.1`,
        'psk_hint studio',
        'use_identity_as_username true',
        '',
      ].join('\n'),
    );
    const psk = (identity: string, key: string) => ['--psk-identity', identity, '--psk', key];
    const outcome = async (port: number, args: string[]) =>
      pubOutcome(port, args.concat(['-h', '127.0.0.1']));
    const cases: Array<[string, string[], Outcome]> = [
      ['right key', psk('dev-1', '0a1b2c3d4e5f60718293'), 'accepted'],
      ['wrong key', psk('dev-1', '0a1b2c3d4e5f60718294'), 'refused in TLS'],
      ['unknown identity', psk('dev-9', '0a1b2c3d4e5f60718293'), 'refused in TLS'],
    ];
    for (const [name, args, expected] of cases) {
      expect({ name, mosquitto: await outcome(p.mosquitto.ports[0], args) }).toEqual({
        name,
        mosquitto: expected,
      });
      expect({ name, ours: await outcome(p.ours.ports[0], args) }).toEqual({ name, ours: expected });
    }
    expect(p.ours.events.find((e) => e.kind === 'connected')?.username).toBe('dev-1');
    expect(p.ours.events.find((e) => e.kind === 'refused' && /unknown/.test(e.reason ?? ''))?.reason).toMatch(
      /dev-9/,
    );
  }, 40_000);
});

describe('tls_version and client ids (mqtt.js)', () => {
  it('refuses a TLS 1.2 client on a tlsv1.3 listener and an empty client id without clean session', async () => {
    const p = await pair(([port]) =>
      [
        `listener ${port}`,
        `cafile ${pki.path('ca.crt')}`,
        `certfile ${pki.path('server.crt')}`,
        `keyfile ${pki.path('server.key')}`,
        'tls_version tlsv1.3',
        'allow_anonymous true',
        '',
      ].join('\n'),
    );
    const ca = readFileSync(pki.path('ca.crt'));
    const both = async (options: Parameters<typeof mqttjsOutcome>[1] & { maxVersion?: 'TLSv1.2' }) => ({
      mosquitto: await mqttjsOutcome(`mqtts://localhost:${p.mosquitto.ports[0]}`, { ca, ...options }),
      ours: await mqttjsOutcome(`mqtts://localhost:${p.ours.ports[0]}`, { ca, ...options }),
    });
    expect(await both({})).toEqual({ mosquitto: 'accepted', ours: 'accepted' });
    expect(await both({ maxVersion: 'TLSv1.2' })).toEqual({
      mosquitto: 'refused in TLS',
      ours: 'refused in TLS',
    });
    const raw = async (clientId: string, clean: boolean, level: 3 | 4 = 4) => ({
      mosquitto: await rawConnect(p.mosquitto.ports[0], { tls: { ca }, clientId, clean, level }),
      ours: await rawConnect(p.ours.ports[0], { tls: { ca }, clientId, clean, level }),
    });
    expect(await raw('', false)).toEqual({ mosquitto: 'connack 2', ours: 'connack 2' });
    expect(await raw('', true)).toEqual({ mosquitto: 'accepted', ours: 'accepted' });
    expect(await raw('', true, 3)).toEqual({ mosquitto: 'connack 2', ours: 'connack 2' });
    expect(await raw('mqtt31-client', true, 3)).toEqual({ mosquitto: 'accepted', ours: 'accepted' });
    expect(p.ours.events.find((e) => e.problem === 'PROTOCOL_VERSION')?.reason).toMatch(/tls_version/);
  }, 30_000);
});
