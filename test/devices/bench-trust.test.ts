import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPrivateKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiService } from '../../src-main/api/service.js';
import type { BenchStatus } from '../../src-main/api/contract/bench.js';
import { UserError } from '../../src-main/core/user-error.js';
import type { TestPki } from '../client/openssl-pki.js';
import { startForeignBroker } from '../helpers/foreign-broker.js';
import { findKeyMaterial, knownKey } from '../helpers/key-material.js';
import type { RunningMosquitto } from '../helpers/mosquitto.js';
import { opensslOk } from '../helpers/openssl.js';
import { freePort } from '../helpers/ports.js';
import { cli } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * The bench's trust through the api (the Bench panel's path): Debian's Mosquitto serves a certificate
 * from its own CA, made by openssl, that the workspace does not know; it verifies the fleet's client
 * certificates (issued on the fly by the workspace) against the workspace CA. Trusting the workspace
 * roots fails with the unknown-CA reason; the broker's CA file (PEM or DER) and "don't check" connect.
 */
const dir = tempDir('mts-bench-trust-');
const workspaceDir = join(dir, 'ws');
let service: ApiService;
let pki: TestPki;
let mosquitto: RunningMosquitto;
let url: string;
let derCa: string;

beforeAll(async () => {
  service = new ApiService({ workspaceDir, surface: 'cli' });
  await service.invoke('quickstart.run', { port: await freePort() });
  ({ pki, mosquitto, url } = await startForeignBroker(dir, workspaceDir));
  derCa = join(pki.dir, 'root.der');
  await opensslOk(['x509', '-in', pki.rootCrt, '-outform', 'DER', '-out', derCa]);
}, 90_000);

afterAll(async () => {
  await service?.dispose();
  await mosquitto?.stop();
});

/** Start a tiny run (3 clients, 1 s of QoS 1) and wait for its end. */
async function bench(trust: unknown): Promise<BenchStatus> {
  const done = new Promise<BenchStatus>((resolve) => {
    const off = service.onEvent((topic, data) => {
      if (topic !== 'bench.done') return;
      off();
      resolve(data as BenchStatus);
    });
  });
  const started = (await service.invoke('bench.start', {
    url,
    trust,
    ca: 'intermediate-ca',
    clients: 3,
    connectRate: 50,
    publishRate: 30,
    qos: 1,
    duration: 1,
  })) as BenchStatus;
  expect(started.running).toBe(true);
  return done;
}

async function refusal(params: Record<string, unknown>): Promise<UserError> {
  const error = await service.invoke('bench.start', { url, clients: 1, ...params }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  const status = (await service.invoke('bench.status', {})) as BenchStatus;
  expect(status.running).toBe(false);
  return error as UserError;
}

describe('bench trust (api)', () => {
  it('trusting the workspace roots fails against a broker with its own CA, naming the reason', async () => {
    const status = await bench({ kind: 'workspace' });
    expect(status.trustLabel).toBe('the workspace root CAs');
    expect(status.report).toMatchObject({ connected: 0, failed: 3 });
    expect(status.report!.failures).toHaveLength(1);
    expect(status.report!.failures[0]!.reason).toMatch(/^TLS: the broker's certificate is not trusted \(/);
    // the default is the workspace roots
    const again = await bench(undefined);
    expect(again.trust).toBe('workspace');
    expect(again.report).toMatchObject({ connected: 0, failed: 3 });
  }, 60_000);

  it.each([
    ['PEM', () => pki.rootCrt],
    ['DER', () => derCa],
  ])(
    'the broker CA file (%s) connects the fleet, which publishes and reads back',
    async (_, path) => {
      const status = await bench({ kind: 'file', path: path() });
      expect(status.trustLabel).toBe(`the CA file ${path()}`);
      expect(status.report).toMatchObject({ connected: 3, failed: 0, lost: 0, refusals: [], dropped: 0 });
      expect(status.report!.sent).toBeGreaterThan(0);
      expect(status.report!.acknowledged).toBe(status.report!.sent);
    },
    60_000,
  );

  it("the system roots do not hold the broker's own CA either: refused, still verified", async () => {
    const status = await bench({ kind: 'system' });
    expect(status.trustLabel).toBe('the system roots');
    expect(status.report).toMatchObject({ connected: 0, failed: 3 });
    expect(status.report!.failures[0]!.reason).toMatch(/^TLS: the broker's certificate is not trusted \(/);
  }, 60_000);

  it("not checking the broker's certificate connects too", async () => {
    const status = await bench({ kind: 'insecure' });
    expect(status.trustLabel).toMatch(/not checked/);
    expect(status.report).toMatchObject({ connected: 3, failed: 0, lost: 0 });
  }, 60_000);

  it('a CA file that cannot be used is one error naming trust.path, before anything runs', async () => {
    const missing = join(dir, 'nope.crt');
    const gone = await refusal({ trust: { kind: 'file', path: missing }, ca: 'intermediate-ca' });
    expect([gone.code, gone.message, gone.location.field]).toEqual([
      'FILE_NOT_READABLE',
      `trust.path: ${missing}: no such file`,
      'trust.path',
    ]);
    // a private key picked by mistake: refused, and none of its bytes cross the api
    const key = await refusal({ trust: { kind: 'file', path: pki.serverKey } });
    expect(key.message).toBe(`trust.path: ${pki.serverKey}: no CERTIFICATE block found`);
    expect(key.location.field).toBe('trust.path');
    const known = [knownKey('server key', createPrivateKey(readFileSync(pki.serverKey)))];
    expect(findKeyMaterial(service.toPayload(key), known)).toBeNull();
    const folder = await refusal({ trust: { kind: 'file', path: pki.dir } });
    expect(folder.message).toBe(`trust.path: ${pki.dir}: not a file`);
    // the CA issuing the fleet is named by the api's field, not the CLI's option
    const noCa = await refusal({ ca: 'no-such-ca' });
    expect([noCa.message, noCa.location.field]).toEqual([
      'ca: no certificate named "no-such-ca" in the workspace',
      'ca',
    ]);
    const garbage = join(dir, 'garbage.der');
    writeFileSync(garbage, Buffer.from([0x30, 0x03, 0x02, 0x01, 0x05]));
    const damaged = await refusal({ trust: { kind: 'file', path: garbage } });
    expect(damaged.message).toMatch(new RegExp(`^trust\\.path: ${garbage}: not a valid X\\.509 certificate`));
  });

  it('the trust choice is checked by the contract (strict, the path bounded)', async () => {
    const cases: Array<[unknown, string]> = [
      [{ kind: 'file' }, 'trust.path'],
      [{ kind: 'file', path: '   ' }, 'trust.path'],
      [{ kind: 'file', path: 'x'.repeat(4097) }, 'trust.path'],
      [{ kind: 'workspace', path: '/etc/ssl/certs/ca.crt' }, 'trust'],
      [{ kind: 'pinned' }, 'trust.kind'],
      ['insecure', 'trust'],
    ];
    for (const [trust, field] of cases) {
      const error = await refusal({ trust });
      expect([error.code, error.location.field], JSON.stringify(trust)).toEqual(['BAD_PARAMS', field]);
    }
  });

  it('the CLI reads --trust with the same reader', async () => {
    const w = ['--workspace', workspaceDir];
    const base = ['bench', ...w, '--url', url, '--ca', 'intermediate-ca', '--clients', '2'];
    const rest = ['--connect-rate', '50', '--publish-rate', '0', '--duration', '1', '--json'];
    const ok = await cli([...base, '--trust', derCa, ...rest], { timeoutMs: 60_000 });
    expect(ok.code, ok.stderr + ok.stdout).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ connected: 2, failed: 0 });
    const bad = await cli([...base, '--trust', pki.serverKey, ...rest]);
    expect([bad.code, bad.stderr.trim()]).toEqual([
      1,
      `error: --trust: ${pki.serverKey}: no CERTIFICATE block found`,
    ]);
  }, 60_000);
});
