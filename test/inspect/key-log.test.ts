import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InspectResult } from '../../src-main/api/contract/inspect.js';
import { ApiService } from '../../src-main/api/service.js';
import { tlsMaterial } from '../../src-main/core/pki/index.js';
import { workspaceWithBroker } from '../client/workspace-broker.js';
import { startCapture, tsharkMqtt } from '../helpers/capture.js';
import type { RunningMosquitto } from '../helpers/mosquitto.js';
import { cli } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * The inspector's TLS key log, judged by Wireshark: a probe with an MQTT CONNECT over TLS 1.3 to Debian's
 * mosquitto is captured on loopback with tcpdump, and Debian's tshark reads the CONNECT's client id with
 * the key log the probe wrote — and sees no MQTT without it. Through the api and through the CLI.
 */
let root: string;
let workspaceDir: string;
let service: ApiService;
let mosquitto: RunningMosquitto;
let port = 0;
const files = { ca: '', cert: '', key: '' };

beforeAll(async () => {
  root = tempDir('mts-inspect-keylog-');
  workspaceDir = join(root, 'ws');
  service = new ApiService({ workspaceDir, surface: 'cli' });
  ({ mosquitto, port } = await workspaceWithBroker(service.workspace, root));
  const device = tlsMaterial(service.workspace, 'device-1');
  files.ca = join(root, 'ca.crt');
  files.cert = join(root, 'device-1.crt');
  files.key = join(root, 'device-1.key');
  writeFileSync(files.ca, device.ca);
  writeFileSync(files.cert, device.chain);
  writeFileSync(files.key, device.key, { mode: 0o600 });
});

afterAll(async () => {
  await service?.dispose();
  await mosquitto?.stop();
});

const probeParams = (clientId: string) => ({
  target: `localhost:${port}`,
  trust: { kind: 'workspace' as const, name: 'root' },
  clientCert: { kind: 'workspace' as const, name: 'device-1' },
  mqtt: { clientId },
});

const NSS_LINE = /^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]+$/;

describe('inspector TLS key log (NSS format) for Wireshark', () => {
  it('api: tshark decrypts the probe’s MQTT CONNECT with the file it wrote, not without; never in the history', async () => {
    const keyLogFile = join(root, 'inspect-keys.log');
    const capture = await startCapture(root, port, 'inspect-api');
    const result = (await service.invoke('inspect.probe', {
      ...probeParams('inspector-keylog'),
      keyLogFile,
    })) as InspectResult;
    const pcap = await capture.stop();
    expect(result.ok).toBe(true);
    expect(result.protocol).toBe('TLSv1.3');
    expect(result.mqtt?.returnCode).toBe(0);

    expect(statSync(keyLogFile).mode & 0o777).toBe(0o600);
    const lines = readFileSync(keyLogFile, 'utf8').trim().split('\n');
    for (const line of lines) expect(line).toMatch(NSS_LINE);
    expect(lines.some((l) => l.startsWith('CLIENT_HANDSHAKE_TRAFFIC_SECRET '))).toBe(true);
    expect(lines.some((l) => l.startsWith('CLIENT_TRAFFIC_SECRET_0 '))).toBe(true);
    expect(result.keyLog).toEqual({ path: keyLogFile, lines: lines.length });
    expect(result.opensslCommand).toContain(`-keylogfile ${keyLogFile}`);

    // Wireshark's own reading: the CONNECT's client id in clear with the key log; no MQTT at all without.
    expect(tsharkMqtt(pcap, port, 'mqtt.msgtype == 1', ['mqtt.clientid'], keyLogFile)).toEqual([
      'inspector-keylog',
    ]);
    expect(tsharkMqtt(pcap, port, 'mqtt.msgtype == 2', ['mqtt.conack.val'], keyLogFile)).toEqual(['0']);
    expect(tsharkMqtt(pcap, port, 'mqtt', ['frame.number'])).toEqual([]);
    expect(tsharkMqtt(pcap, port, 'tls.record', ['frame.number']).length).toBeGreaterThan(0);

    // The path is never remembered.
    const history = readFileSync(join(workspaceDir, 'inspector-history.json'), 'utf8');
    expect(history).toContain(`localhost:${port}`);
    expect(history).not.toContain('inspect-keys.log');

    // Off by default.
    const plain = (await service.invoke('inspect.probe', probeParams('no-keylog'))) as InspectResult;
    expect(plain.ok).toBe(true);
    expect(plain.keyLog).toBeUndefined();
    expect(plain.opensslCommand).not.toContain('-keylogfile');
  });

  it('api: refuses a relative path, a missing folder and any place inside the workspace, naming the field; no probe, nothing written', async () => {
    const before = readFileSync(join(workspaceDir, 'inspector-history.json'), 'utf8');
    const cases: Array<[string, RegExp]> = [
      ['keys.log', /^keyLogFile: "keys.log" is not an absolute path/],
      [join(root, 'no-such-dir', 'keys.log'), /^keyLogFile: the folder .*no-such-dir does not exist/],
      [join(workspaceDir, 'keys.log'), /^keyLogFile: .* is inside the workspace folder/],
      ['', /^keyLogFile: give the file/],
    ];
    for (const [keyLogFile, message] of cases) {
      await expect(
        service.invoke('inspect.probe', { ...probeParams('refused'), target: `other:${port}`, keyLogFile }),
      ).rejects.toThrow(message);
    }
    expect(existsSync(join(workspaceDir, 'keys.log'))).toBe(false);
    // No probe ran: the history did not gain the target.
    expect(readFileSync(join(workspaceDir, 'inspector-history.json'), 'utf8')).toBe(before);
  });

  it('CLI: --key-log appends to an existing file, makes it private, says so; tshark reads the CONNECT; bad paths exit 1 naming --key-log', async () => {
    const keyLogFile = join(root, 'cli-keys.log');
    writeFileSync(keyLogFile, '# earlier session\n', { mode: 0o644 });
    const capture = await startCapture(root, port, 'inspect-cli');
    const args = [
      'inspect',
      `localhost:${port}`,
      '--ca',
      files.ca,
      '--cert',
      files.cert,
      '--key',
      files.key,
      '--client-id',
      'cli-keylog',
      '--workspace',
      workspaceDir,
    ];
    const human = await cli([...args, '--key-log', keyLogFile]);
    const pcap = await capture.stop();
    expect(human.stderr).toBe('');
    expect(human.code).toBe(0);
    const text = readFileSync(keyLogFile, 'utf8');
    expect(text.startsWith('# earlier session\n')).toBe(true);
    const lines = text.trim().split('\n').slice(1);
    for (const line of lines) expect(line).toMatch(NSS_LINE);
    expect(statSync(keyLogFile).mode & 0o777).toBe(0o600);
    expect(human.stdout).toContain(`TLS key log: ${lines.length} lines appended to ${keyLogFile}`);
    expect(human.stdout).toMatch(/same check with openssl: .* -keylogfile /);
    expect(tsharkMqtt(pcap, port, 'mqtt.msgtype == 1', ['mqtt.clientid'], keyLogFile)).toEqual([
      'cli-keylog',
    ]);

    const json = await cli([...args, '--key-log', keyLogFile, '--json']);
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout) as { ok: boolean; keyLog?: { path: string; lines: number } };
    expect(doc.ok).toBe(true);
    expect(doc.keyLog?.path).toBe(keyLogFile);
    expect(doc.keyLog?.lines).toBeGreaterThanOrEqual(4);

    const inside = await cli([...args, '--key-log', join(workspaceDir, 'keys.log')]);
    expect(inside.code).toBe(1);
    expect(inside.stderr.trim()).toMatch(/^error: --key-log: .* is inside the workspace folder/);
    expect(inside.stdout).toBe('');
    expect(existsSync(join(workspaceDir, 'keys.log'))).toBe(false);
    const missing = await cli([...args, '--key-log', join(root, 'nope', 'k.log')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toMatch(/^error: --key-log: the folder .*nope does not exist$/);
  });
});
