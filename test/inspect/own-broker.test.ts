/**
 * The inspector against the app's own broker, through the api: the broker's log entries for the very
 * same connection beside the probe's diagnosis (a good client, none, one of an unknown CA), and the
 * one-click fixes (re-issue with the missing SAN, full chain into broker/server.crt, trust the CA), each
 * proven by inspecting again. Plus the chain-file export for another broker, proven with Debian's
 * Mosquitto: leaf-only certfile first, then the exported file.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MethodName, ParamsOf, ResultOf } from '../../src-main/api/contract/index.js';
import { ApiService } from '../../src-main/api/service.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { cli } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';
import { readableByMosquitto } from './openssl-pki.js';
import { sClient } from './s-client.js';

const dir = tempDir('mts-inspect-own-');
const workspaceDir = join(dir, 'ws');
const raw = new ApiService({ workspaceDir, surface: 'cli' });
const api = <M extends MethodName>(method: M, params: ParamsOf<M>) =>
  raw.invoke(method, params) as Promise<ResultOf<M>>;
let port: number;
const trust = { kind: 'workspace' as const, name: 'root-ca' };
const device1 = { kind: 'workspace' as const, name: 'device-1' };

/** Write a file of the workspace broker and wait until the running broker reloaded it. */
async function writeBrokerFile(name: string, data: string | Buffer): Promise<void> {
  const since = (await api('broker.events', {})).at(-1)?.seq ?? 0;
  writeFileSync(join(workspaceDir, 'broker', name), data);
  const until = Date.now() + 5000;
  while (Date.now() < until) {
    const events = await api('broker.events', { since });
    if (events.some((e) => e.kind === 'reloaded' && e.file?.endsWith(`/broker/${name}`))) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the broker did not reload broker/${name}`);
}

beforeAll(async () => {
  port = await freePort();
  await api('quickstart.run', { port, hostname: 'studio-test' });
  // A device from a CA the broker does not know.
  await api('pki.createCa', { name: 'rogue-ca', cn: 'Rogue CA' });
  await api('pki.issue', { ca: 'rogue-ca', profile: 'client', name: 'rogue-device', cn: 'rogue-device' });
  // Open to the network (the workspace broker binds loopback only by default): some cases reach it by
  // this machine's host name, another of its addresses, or 127.0.0.2.
  await api('broker.start', { lan: true });
});

afterAll(async () => {
  await raw.dispose();
});

describe('the broker side of a probe of our own broker', () => {
  it('a good client: the broker logged the same connection (port and client id) as accepted', async () => {
    const result = await api('inspect.probe', {
      target: `localhost:${port}`,
      trust,
      clientCert: device1,
      mqtt: true,
    });
    expect(result.problems).toEqual([]);
    expect(result.localPorts.length).toBeGreaterThan(0);
    const side = result.brokerSide!;
    expect(side.listener).toContain(`:${port}`);
    expect(side.complete).toBe(true);
    expect(side.refusal).toBeNull();
    const connected = side.events.find((e) => e.kind === 'connected')!;
    expect(connected.remotePort).toBe(result.localPorts[0]);
    expect(connected.clientId).toBe(result.mqtt!.clientId);
    expect(connected.username).toBe('device-1');
    expect(connected.clientCertificate?.subject).toBe('CN=device-1');
    expect(side.events.map((e) => e.kind)).toEqual(['connected', 'disconnected']);
    // Only this connection: every entry has the same connection number.
    expect(new Set(side.events.map((e) => e.connection)).size).toBe(1);

    // Without the CONNECT, TLS 1.3 leaves open whether the certificate is accepted; our broker's log says.
    const quiet = await api('inspect.probe', { target: `localhost:${port}`, trust, clientCert: device1 });
    expect(quiet.problems).toEqual([]);
    expect(quiet.brokerSide!.events.map((e) => e.kind)).toEqual(['disconnected']);
    expect(quiet.clientAuth.accepted).toBe(true);
    expect(quiet.notes).toEqual([]);
  });

  it('no client certificate: CLIENT_CERT_REQUIRED here, "no client certificate" in the broker’s log', async () => {
    const result = await api('inspect.probe', { target: `localhost:${port}`, trust, mqtt: true });
    expect(result.problems.map((p) => p.code)).toEqual(['CLIENT_CERT_REQUIRED']);
    const refusal = result.brokerSide!.refusal!;
    expect(refusal.kind).toBe('refused');
    expect(refusal.problem).toBe('CLIENT_CERT_REQUIRED');
    expect(refusal.reason).toMatch(/no client certificate/);
    expect(result.localPorts).toContain(refusal.remotePort);
  });

  it('a client of an unknown CA: the broker’s refusal names the unknown CA beside our problem', async () => {
    const result = await api('inspect.probe', {
      target: `localhost:${port}`,
      trust,
      clientCert: { kind: 'workspace', name: 'rogue-device' },
      mqtt: true,
    });
    expect(result.ok).toBe(false);
    expect(result.problems.length).toBeGreaterThan(0);
    const refusal = result.brokerSide!.refusal!;
    expect(refusal.problem).toBe('CLIENT_CERT_REJECTED');
    expect(refusal.reason).toMatch(/unknown CA/);
    expect(result.localPorts).toContain(refusal.remotePort);
    expect(result.brokerSide!.events.every((e) => result.localPorts.includes(e.remotePort!))).toBe(true);
    // The handshake went through, but the broker refused the certificate: not "accepted".
    expect(result.clientAuth).toMatchObject({ requested: true, certificatesSent: 1, accepted: false });
  });

  it('without the MQTT CONNECT the refusal is invisible to a client; the broker side makes it a problem', async () => {
    const rogue = await api('inspect.probe', {
      target: `localhost:${port}`,
      trust,
      clientCert: { kind: 'workspace', name: 'rogue-device' },
    });
    expect(rogue.ok).toBe(false);
    expect(rogue.problems.map((p) => p.code)).toEqual(['CLIENT_CERT_REJECTED']);
    expect(rogue.problems[0]!.message).toMatch(/our broker refused this connection: unknown CA/);
    expect(rogue.brokerSide!.refusal!.remotePort).toBe(rogue.localPorts[0]);
    const none = await api('inspect.probe', { target: `localhost:${port}`, trust });
    expect(none.ok).toBe(false);
    expect(none.problems.map((p) => p.code)).toEqual(['CLIENT_CERT_REQUIRED']);
    expect(none.brokerSide!.refusal!.reason).toMatch(/no client certificate/);
    const history = await api('inspect.history', {});
    expect(history[0]).toMatchObject({ ok: false, codes: ['CLIENT_CERT_REQUIRED'] });
  });

  it('our broker reached by this machine’s host name or another of its addresses: still its log', async () => {
    const external = Object.values(networkInterfaces())
      .flat()
      .find((entry) => entry && entry.family === 'IPv4' && !entry.internal)?.address;
    for (const host of [hostname(), ...(external ? [external] : [])]) {
      const result = await api('inspect.probe', {
        target: `${host}:${port}`,
        trust,
        clientCert: device1,
        mqtt: true,
      });
      expect(result.mqtt?.returnCode).toBe(0);
      const connected = result.brokerSide!.events.find((e) => e.kind === 'connected')!;
      expect(result.localPorts).toContain(connected.remotePort);
    }
  });

  it('another broker (not ours): no broker side', async () => {
    const other = await freePort();
    const result = await api('inspect.probe', { target: `localhost:${other}`, trust, timeoutMs: 2000 });
    expect(result.problems.map((p) => p.code)).toEqual(['CONNECTION_REFUSED']);
    expect(result.brokerSide).toBeNull();
  });
});

describe('one-click fixes against our own broker', () => {
  it('UNTRUSTED_ROOT: the fix is trusting the workspace root, and with it the problem is gone', async () => {
    const result = await api('inspect.probe', {
      target: `localhost:${port}`,
      trust: { kind: 'pem', pem: readFileSync(join(workspaceDir, 'certs', 'rogue-ca.crt'), 'utf8') },
      clientCert: device1,
      mqtt: true,
    });
    expect(result.problems.map((p) => p.code)).toContain('UNTRUSTED_ROOT');
    const fix = result.fixes.find((f) => f.problem === 'UNTRUSTED_ROOT');
    expect(fix).toMatchObject({ kind: 'trust-ca', ca: 'root-ca' });
    const again = await api('inspect.probe', {
      target: `localhost:${port}`,
      trust: { kind: 'workspace', name: fix!.kind === 'trust-ca' ? fix!.ca : '' },
      clientCert: device1,
      mqtt: true,
    });
    expect(again.problems).toEqual([]);
    expect(again.fixes).toEqual([]);
  });

  it('MISSING_INTERMEDIATE: broker/server.crt gets the full chain, the broker reloads, the problem is gone', async () => {
    // The classic mistake, made on the workspace broker: its certfile holds the leaf alone, and its
    // cafile only the root (with the intermediate there, OpenSSL would complete the chain: FACTS.md).
    const chainBefore = readFileSync(join(workspaceDir, 'broker', 'server.crt'), 'utf8');
    const caBefore = readFileSync(join(workspaceDir, 'broker', 'ca.crt'), 'utf8');
    await writeBrokerFile('ca.crt', readFileSync(join(workspaceDir, 'certs', 'root-ca.crt')));
    await writeBrokerFile('server.crt', readFileSync(join(workspaceDir, 'certs', 'broker.crt')));
    const probe = { target: `localhost:${port}`, trust, clientCert: device1, mqtt: true };
    const broken = await api('inspect.probe', probe);
    expect(broken.chain).toHaveLength(1);
    expect(broken.problems.map((p) => p.code)).toEqual(['MISSING_INTERMEDIATE']);
    expect((await sClient(port, [])).chain).toHaveLength(1);
    const fix = broken.fixes.find((f) => f.problem === 'MISSING_INTERMEDIATE')!;
    expect(fix).toMatchObject({
      kind: 'broker-chain',
      certificate: 'broker',
      brokerFiles: ['broker/server.crt'],
    });

    const done = await api('inspect.fix', { kind: 'broker-chain', certificate: 'broker' });
    expect(done).toMatchObject({ files: ['broker/server.crt'], reloaded: true });
    expect(readFileSync(join(workspaceDir, 'broker', 'server.crt'), 'utf8')).toBe(chainBefore);
    const again = await api('inspect.probe', probe);
    expect(again.problems).toEqual([]);
    expect(again.chain).toHaveLength(2);
    // openssl agrees: the broker now sends leaf and intermediate.
    const seen = await sClient(port, []);
    expect(seen.chain).toEqual(again.chain.map((c) => c.fingerprint256));
    await writeBrokerFile('ca.crt', caBefore);
  });

  it('HOSTNAME_MISMATCH (a DNS name, then an IP): re-issue with the SAN, same key, the broker serves it', async () => {
    const keyBefore = readFileSync(join(workspaceDir, 'broker', 'server.key'), 'utf8');
    for (const [target, servername, san] of [
      [`localhost:${port}`, 'mqtt.plant.lan', 'dns:mqtt.plant.lan'],
      [`127.0.0.2:${port}`, undefined, 'ip:127.0.0.2'],
    ] as const) {
      const probe = {
        target,
        trust,
        clientCert: device1,
        mqtt: true,
        ...(servername ? { servername } : {}),
      };
      const broken = await api('inspect.probe', probe);
      expect(broken.problems.map((p) => p.code)).toEqual(['HOSTNAME_MISMATCH']);
      expect(broken.brokerSide?.events.some((e) => e.kind === 'connected')).toBe(true);
      const fix = broken.fixes.find((f) => f.problem === 'HOSTNAME_MISMATCH')!;
      expect(fix).toMatchObject({
        kind: 'reissue-san',
        certificate: 'broker',
        san,
        brokerFiles: ['broker/server.crt'],
      });
      const done = await api('inspect.fix', { kind: 'reissue-san', certificate: 'broker', san });
      expect(done.reloaded).toBe(true);
      expect(done.files).toEqual(['certs/broker.crt', 'broker/server.crt']);
      expect(done.certificate!.san).toContain(san);
      expect(done.certificate!.serial).not.toBe(broken.chain[0]!.serial);

      const again = await api('inspect.probe', probe);
      expect(again.problems).toEqual([]);
      expect(again.chain[0]!.fingerprint256).toBe(done.certificate!.fingerprint256);
      expect(again.chain).toHaveLength(2);
    }
    // Same key: broker/server.key untouched and still the key of the new certificate.
    expect(readFileSync(join(workspaceDir, 'broker', 'server.key'), 'utf8')).toBe(keyBefore);
    const served = new X509Certificate(readFileSync(join(workspaceDir, 'broker', 'server.crt')));
    expect(served.checkPrivateKey((await import('node:crypto')).createPrivateKey(keyBefore))).toBe(true);
    expect(served.subjectAltName).toContain('DNS:mqtt.plant.lan');
    expect(served.subjectAltName).toContain('IP Address:127.0.0.2');
    expect(served.subjectAltName).toContain('DNS:localhost');
  });

  it('a bad fix request is one clear error and changes nothing', async () => {
    const before = readFileSync(join(workspaceDir, 'certificates.json'), 'utf8');
    await expect(
      api('inspect.fix', { kind: 'reissue-san', certificate: 'broker', san: 'dns:bad name' }),
    ).rejects.toThrow(/addSan/);
    await expect(
      api('inspect.fix', { kind: 'reissue-san', certificate: 'root-ca', san: 'dns:x.lan' }),
    ).rejects.toThrow(/not a server or client certificate/);
    await expect(api('inspect.fix', { kind: 'broker-chain', certificate: 'device-1' })).rejects.toThrow(
      /no certfile of the workspace broker/,
    );
    expect(readFileSync(join(workspaceDir, 'certificates.json'), 'utf8')).toBe(before);
  });
});

describe('the chain-file fix for another broker (Debian’s Mosquitto)', () => {
  it('leaf-only certfile → MISSING_INTERMEDIATE with an export fix; the exported file as certfile → no problem', async () => {
    await api('pki.issue', {
      ca: 'intermediate-ca',
      profile: 'server',
      name: 'plant-broker',
      cn: 'localhost',
      san: ['dns:localhost'],
    });
    const out = join(dir, 'export');
    await api('pki.export', { name: 'plant-broker', outDir: out });
    readableByMosquitto(dir);
    readableByMosquitto(out);
    const mqttPort = await freePort();
    const conf = (certfile: string) =>
      `listener ${mqttPort} 127.0.0.1\nallow_anonymous true\ncertfile ${certfile}\nkeyfile ${join(out, 'plant-broker.key')}\n`;
    const leafOnly = await startMosquitto(out, conf(join(out, 'plant-broker.crt')), mqttPort);
    const probe = { target: `localhost:${mqttPort}`, trust, mqtt: true };
    let broken;
    let human;
    let json;
    try {
      broken = await api('inspect.probe', probe);
      // The CLI on the same workspace names the same fix (carried out in the Inspector view).
      const args = ['inspect', `localhost:${mqttPort}`, '--ca', join(workspaceDir, 'certs', 'root-ca.crt')];
      human = await cli([...args, '--workspace', workspaceDir]);
      json = await cli([...args, '--json', '--workspace', workspaceDir]);
    } finally {
      await leafOnly.stop();
    }
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(
      /one click in the Inspector view: Export the chain file of “plant-broker”: Writes plant-broker.chain.crt/,
    );
    expect(JSON.parse(json.stdout).fixes).toEqual([
      expect.objectContaining({
        kind: 'export-chain',
        certificate: 'plant-broker',
        problem: 'MISSING_INTERMEDIATE',
      }),
    ]);
    expect(broken.problems.map((p) => p.code)).toEqual(['MISSING_INTERMEDIATE']);
    expect(broken.brokerSide).toBeNull();
    const fix = broken.fixes.find((f) => f.problem === 'MISSING_INTERMEDIATE')!;
    expect(fix).toMatchObject({
      kind: 'export-chain',
      certificate: 'plant-broker',
      fileName: 'plant-broker.chain.crt',
    });

    const target = join(dir, 'for-mosquitto');
    const done = await api('inspect.fix', {
      kind: 'export-chain',
      certificate: 'plant-broker',
      outDir: target,
    });
    expect(done).toMatchObject({ files: [join(target, 'plant-broker.chain.crt')], reloaded: null });
    readableByMosquitto(target);
    const fixed = await startMosquitto(out, conf(done.files[0]!), mqttPort);
    try {
      const again = await api('inspect.probe', probe);
      expect(again.problems).toEqual([]);
      expect(again.chain).toHaveLength(2);
      expect((await sClient(mqttPort, [])).chain).toEqual(again.chain.map((c) => c.fingerprint256));
    } finally {
      await fixed.stop();
    }
  });
});
