import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe, type ProbeOptions } from '../../src-main/core/inspect/index.js';
import { hashPassword } from '../../src-main/core/conf/index.js';
import { makeTestPki, type TestPki } from '../broker/openssl-pki.js';
import { startPair, type BrokerPair } from '../broker/differential.js';
import { cli } from '../helpers/run.js';
import { sharedTempDir } from '../helpers/tmp.js';

/**
 * The inspector's MQTT check over MQTT 5 (`--mqtt-version 5`): the CONNACK's reason code by name and the
 * broker's Reason String, against Debian's Mosquitto (which gives the code only) and our broker (which says
 * why), with the same conf on both.
 */
const dir = sharedTempDir('mts-inspect-v5-');
let pki: TestPki;
let mtls: BrokerPair;
let password: BrokerPair;

beforeAll(async () => {
  pki = await makeTestPki(join(dir, 'pki'));
  writeFileSync(join(dir, 'passwd'), `alice:${hashPassword('wonderland')}\n`);
  writeFileSync(join(dir, 'password.txt'), 'rabbit\n');
  mtls = await startPair(dir, ([port]) =>
    [
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
  password = await startPair(dir, ([port]) =>
    [`listener ${port} 127.0.0.1`, `password_file ${dir}/passwd`, ''].join('\n'),
  );
}, 60_000);

afterAll(async () => {
  await Promise.all([mtls?.stop(), password?.stop()]);
});

const as = (name: string): ProbeOptions => ({
  trust: { caPem: readFileSync(pki.path('ca.crt'), 'utf8') },
  clientCert: {
    kind: 'pem',
    certPem: readFileSync(pki.path(`${name}.crt`), 'utf8'),
    keyPem: readFileSync(pki.path(`${name}.key`), 'utf8'),
  },
  mqtt: { protocolVersion: 5 },
});

describe('inspect --mqtt-version 5', () => {
  it('a client both brokers accept: CONNACK 0x00 over MQTT 5', async () => {
    for (const port of [mtls.mosquitto.ports[0], mtls.ours.ports[0]]) {
      const report = await probe(`localhost:${port}`, as('client1'));
      expect(report.mqtt).toMatchObject({ protocolVersion: 5, returnCode: 0, result: 'connection accepted' });
      expect(report.ok).toBe(true);
      expect(report.timeline.some((e) => e.event === 'CONNECT' && e.detail.startsWith('MQTT 5,'))).toBe(true);
    }
  }, 30_000);

  it('a revoked certificate: Mosquitto ends the handshake, ours answers 0x87 and says why', async () => {
    const mosquitto = await probe(`localhost:${mtls.mosquitto.ports[0]}`, as('client2'));
    expect(mosquitto.mqtt?.returnCode ?? null).toBeNull();
    const ours = await probe(`localhost:${mtls.ours.ports[0]}`, as('client2'));
    expect(ours.mqtt).toMatchObject({ protocolVersion: 5, returnCode: 0x87, result: 'not authorized' });
    expect(ours.mqtt?.reasonString).toMatch(/^certificate revoked by the CRL of Test Intermediate CA/);
    const problem = ours.problems.find((p) => p.code === 'MQTT_NOT_AUTHORIZED');
    expect(problem?.message).toContain('CONNACK 0x87 (not authorized)');
    expect(problem?.message).toContain('The broker says why: "certificate revoked by the CRL of');
  }, 30_000);

  it('a wrong password: both answer 0x87; the CLI prints the code, and our reason string', async () => {
    const options: ProbeOptions = { mqtt: { protocolVersion: 5, username: 'alice', password: 'rabbit' } };
    const mosquitto = await probe(`mqtt://127.0.0.1:${password.mosquitto.ports[0]}`, options);
    const ours = await probe(`mqtt://127.0.0.1:${password.ours.ports[0]}`, options);
    expect(mosquitto.mqtt).toMatchObject({ returnCode: 0x87 });
    expect(mosquitto.mqtt?.reasonString).toBeUndefined();
    expect(ours.mqtt).toMatchObject({ returnCode: 0x87, reasonString: 'wrong password for user "alice"' });

    const args = (port: number) => [
      'inspect',
      `mqtt://127.0.0.1:${port}`,
      '--mqtt-version',
      '5',
      '--username',
      'alice',
      '--password-file',
      join(dir, 'password.txt'),
      '--workspace',
      join(dir, 'ws'),
    ];
    const human = await cli(args(password.ours.ports[0]));
    expect(human.code).toBe(1);
    expect(human.stdout).toContain(
      'MQTT 5: CONNACK 0x87 (not authorized), reason string "wrong password for user "alice""',
    );
    const judge = await cli(args(password.mosquitto.ports[0]));
    expect(judge.stdout).toContain('MQTT 5: CONNACK 0x87 (not authorized)\n');
    const bad = await cli(['inspect', 'localhost:1', '--mqtt-version', '4', '--workspace', join(dir, 'ws')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--mqtt-version must be 3.1.1 or 5, not '4'");
  }, 60_000);
});
