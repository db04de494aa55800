import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src-main/core/conf/index.js';
import { makeTestPki, type TestPki } from './openssl-pki.js';
import { sharedTempDir } from '../helpers/tmp.js';
import {
  mqttjsOutcomeV5,
  pubOutcomeV5,
  rawConnect,
  startPair,
  type BrokerPair,
  type OutcomeV5,
} from './differential.js';

/**
 * MQTT 5 CONNACK reason codes, Debian's Mosquitto 2.0.11 against our broker, same conf and files, driven by
 * `mosquitto_pub -V mqttv5` (which exits with the reason code) and mqtt.js v5. Where Mosquitto refuses a
 * client certificate inside the TLS handshake, ours answers the CONNECT with 0x87 Not authorized and says
 * why in the Reason String — the same deliberate difference as for MQTT 3.1.1 (differential-auth.test.ts).
 */
const dir = sharedTempDir('mts-diff-v5-');
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

async function pair(
  confFor: (ports: number[]) => string,
  listeners = 1,
  options: Parameters<typeof startPair>[3] = {},
): Promise<BrokerPair> {
  const started = await startPair(dir, confFor, listeners, options);
  pairs.push(started);
  return started;
}

function certArgs(name: string | null): string[] {
  const args = ['--cafile', pki.path('ca.crt')];
  if (name) args.push('--cert', pki.path(`${name}.crt`), '--key', pki.path(`${name}.key`));
  return args;
}

type Case = [name: string, args: string[], mosquitto: OutcomeV5, ours: OutcomeV5, problem?: string];

async function compare(p: BrokerPair, cases: Case[], listener = 0): Promise<void> {
  const results = await Promise.all(
    cases.map(async ([name, args]) => ({
      name,
      mosquitto: await pubOutcomeV5(p.mosquitto.ports[listener], args),
      ours: await pubOutcomeV5(p.ours.ports[listener], args),
    })),
  );
  for (const [index, [name, , mosquitto, ours, problem]] of cases.entries()) {
    expect(results[index], name).toEqual({ name, mosquitto, ours });
    if (problem) {
      const code = Number.parseInt(ours.slice('reason '.length), 16);
      const refusal = p.ours.events.find(
        (e) => e.kind === 'refused' && e.problem === problem && e.reasonCode === code,
      );
      expect(refusal, `${name}: a refusal event with ${problem} and reason code ${code}`).toBeTruthy();
      expect(refusal?.protocolVersion).toBe(5);
    }
  }
}

const mtlsConf = (port: number) =>
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
  ].join('\n');

describe('MQTT 5: mutual TLS, certificate CN as username, CRL', () => {
  it('gives the same reason codes as Mosquitto', async () => {
    const p = await pair(([port]) => mtlsConf(port));
    await compare(p, [
      ['valid client certificate', certArgs('client1'), 'accepted', 'accepted'],
      ['certificate without CN', certArgs('nocn'), 'reason 0x86', 'reason 0x86', 'CLIENT_CERT_REJECTED'],
      ['revoked certificate', certArgs('client2'), 'refused in TLS', 'reason 0x87', 'REVOKED'],
      ['no certificate', certArgs(null), 'refused in TLS', 'reason 0x87', 'CLIENT_CERT_REQUIRED'],
      [
        'certificate from an unknown CA',
        certArgs('stranger'),
        'refused in TLS',
        'reason 0x87',
        'CLIENT_CERT_REJECTED',
      ],
      ['expired certificate', certArgs('expired'), 'refused in TLS', 'reason 0x87', 'EXPIRED'],
    ]);
    const accepted = p.ours.events.find((e) => e.kind === 'connected' && e.username === 'client1');
    expect(accepted?.protocolVersion).toBe(5);
    expect(accepted?.message).toMatch(/MQTT 5/);
    expect(p.ours.events.find((e) => e.problem === 'REVOKED')?.message).toMatch(
      /CONNACK 0x87 Not authorized/,
    );
  }, 40_000);

  it('sends our reason as the Reason String, unless switched off', async () => {
    const p = await pair(([port]) => mtlsConf(port));
    const off = await pair(([port]) => mtlsConf(port), 1, { reasonStrings: false });
    const ca = readFileSync(pki.path('ca.crt'));
    const as = (name: string) => ({
      ca,
      cert: readFileSync(pki.path(`${name}.crt`)),
      key: readFileSync(pki.path(`${name}.key`)),
    });
    const revoked = await mqttjsOutcomeV5(`mqtts://localhost:${p.ours.ports[0]}`, as('client2'));
    expect(revoked.outcome).toBe('reason 0x87');
    expect(revoked.reasonString).toMatch(/^certificate revoked by the CRL of Test Intermediate CA: serial /);
    const unknown = await mqttjsOutcomeV5(`mqtts://localhost:${p.ours.ports[0]}`, as('stranger'));
    expect(unknown).toMatchObject({
      outcome: 'reason 0x87',
      reasonString: expect.stringMatching(/unknown CA/),
    });
    expect(await mqttjsOutcomeV5(`mqtts://localhost:${p.ours.ports[0]}`, as('nocn'))).toMatchObject({
      outcome: 'reason 0x86',
      reasonString: expect.stringMatching(/no common name/),
    });
    // a client that caps its packets below the CONNACK's size gets the code without the string
    expect(
      await mqttjsOutcomeV5(`mqtts://localhost:${p.ours.ports[0]}`, {
        ...as('client2'),
        properties: { maximumPacketSize: 16 },
      }),
    ).toEqual({ outcome: 'reason 0x87' });
    expect(await mqttjsOutcomeV5(`mqtts://localhost:${off.ours.ports[0]}`, as('client2'))).toEqual({
      outcome: 'reason 0x87',
    });
    expect(await mqttjsOutcomeV5(`mqtts://localhost:${p.ours.ports[0]}`, as('client1'))).toEqual({
      outcome: 'accepted',
    });
  }, 40_000);

  it('refuses every client when the username comes from a certificate that is never requested', async () => {
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
      ['client certificate offered', certArgs('client1'), 'reason 0x86', 'reason 0x86'],
      ['no certificate', certArgs(null), 'reason 0x86', 'reason 0x86'],
    ]);
  }, 30_000);
});

describe('MQTT 5: password file, anonymous access, client ids, authentication method', () => {
  it('gives the same reason codes as Mosquitto', async () => {
    const p = await pair(
      ([a, b]) =>
        [
          'per_listener_settings true',
          `listener ${a} 127.0.0.1`,
          `password_file ${dir}/passwd`,
          `listener ${b} 127.0.0.1`,
          'allow_anonymous true',
          '',
        ].join('\n'),
      2,
    );
    await compare(p, [
      ['right password', ['-u', 'alice', '-P', 'wonderland'], 'accepted', 'accepted'],
      ['wrong password', ['-u', 'alice', '-P', 'rabbit'], 'reason 0x87', 'reason 0x87'],
      ['no password', ['-u', 'alice'], 'reason 0x87', 'reason 0x87'],
      ['unknown user', ['-u', 'bob', '-P', 'wonderland'], 'reason 0x87', 'reason 0x87'],
      ['no username (allow_anonymous false)', [], 'reason 0x87', 'reason 0x87'],
      [
        'authentication method nobody offers',
        ['-u', 'alice', '-P', 'wonderland', '-D', 'connect', 'authentication-method', 'SCRAM-SHA-1'],
        'reason 0x8c',
        'reason 0x8c',
      ],
    ]);
    await compare(p, [['anonymous, allowed', [], 'accepted', 'accepted']], 1);
    // mosquitto_pub will not send an empty client id without clean start: a hand-made CONNECT does
    const raw = async (clean: boolean) => ({
      mosquitto: await rawConnect(p.mosquitto.ports[1], { clientId: '', clean, level: 5 }),
      ours: await rawConnect(p.ours.ports[1], { clientId: '', clean, level: 5 }),
    });
    expect(await raw(false)).toEqual({ mosquitto: 'accepted', ours: 'accepted' });
    expect(await raw(true)).toEqual({ mosquitto: 'accepted', ours: 'accepted' });
    const ca = p.ours.events.find((e) => e.reasonCode === 0x8c);
    expect(ca?.message).toMatch(/0x8C Bad authentication method/);
    expect(ca?.properties).toEqual({ authenticationMethod: 'SCRAM-SHA-1' });
  }, 30_000);

  it('mqtt.js v5 gets the same answers', async () => {
    const p = await pair(([port]) =>
      [`listener ${port} 127.0.0.1`, `password_file ${dir}/passwd`, ''].join('\n'),
    );
    const both = async (options: Parameters<typeof mqttjsOutcomeV5>[1]) => ({
      mosquitto: (await mqttjsOutcomeV5(`mqtt://127.0.0.1:${p.mosquitto.ports[0]}`, options)).outcome,
      ours: (await mqttjsOutcomeV5(`mqtt://127.0.0.1:${p.ours.ports[0]}`, options)).outcome,
    });
    expect(await both({ username: 'alice', password: 'wonderland' })).toEqual({
      mosquitto: 'accepted',
      ours: 'accepted',
    });
    expect(await both({ username: 'alice', password: 'rabbit' })).toEqual({
      mosquitto: 'reason 0x87',
      ours: 'reason 0x87',
    });
    const wrong = await mqttjsOutcomeV5(`mqtt://127.0.0.1:${p.ours.ports[0]}`, {
      username: 'alice',
      password: 'rabbit',
    });
    expect(wrong.reasonString).toBe('wrong password for user "alice"');
  }, 30_000);
});

describe('MQTT 5: TLS-PSK with the identity as username', () => {
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
    const psk = (identity: string, key: string) => [
      '--psk-identity',
      identity,
      '--psk',
      key,
      '-h',
      '127.0.0.1',
    ];
    await compare(p, [
      ['right key', psk('dev-1', '0a1b2c3d4e5f60718293'), 'accepted', 'accepted'],
      ['wrong key', psk('dev-1', '0a1b2c3d4e5f60718294'), 'refused in TLS', 'refused in TLS'],
      ['unknown identity', psk('dev-9', '0a1b2c3d4e5f60718293'), 'refused in TLS', 'refused in TLS'],
    ]);
  }, 40_000);
});
