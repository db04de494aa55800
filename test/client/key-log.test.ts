import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiService } from '../../src-main/api/service.js';
import type { SessionSnapshot } from '../../src-main/api/contract/client.js';
import { startCapture, tsharkMqtt } from '../helpers/capture.js';
import type { RunningMosquitto } from '../helpers/mosquitto.js';
import { tempDir } from '../helpers/tmp.js';
import { workspaceWithBroker } from './workspace-broker.js';

/**
 * The client's TLS key log, judged by Wireshark: a TLS 1.3 connection to Debian's mosquitto is captured on
 * loopback with tcpdump, and Debian's tshark decrypts the MQTT CONNECT and PUBLISH with the key log the
 * client wrote — and cannot without it.
 */
let root: string;
let service: ApiService;
let mosquitto: RunningMosquitto;
let port = 0;

beforeAll(async () => {
  root = tempDir('mts-client-keylog-');
  service = new ApiService({ workspaceDir: join(root, 'ws'), surface: 'cli' });
  ({ mosquitto, port } = await workspaceWithBroker(service.workspace, root));
});

afterAll(async () => {
  await service?.dispose();
  await mosquitto?.stop();
});

const profile = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  url: `mqtts://localhost:${port}`,
  clientId: name,
  tls: {
    trust: { kind: 'workspace', ca: 'int' },
    clientCert: { kind: 'workspace', name: 'device-1' },
    ...extra,
  },
});

describe('TLS key log (NSS format) for Wireshark', () => {
  it('tshark decrypts the MQTT CONNECT and PUBLISH of a captured TLS 1.3 connection with it, not without', async () => {
    const keyLogFile = join(root, 'keys.log');
    const capture = await startCapture(root, port);
    const session = (await service.invoke('client.connect', {
      profile: profile('keylog-client'),
      keyLogFile,
    })) as SessionSnapshot;
    expect(session.state).toBe('connected');
    expect(session.tls?.protocol).toBe('TLSv1.3');
    await service.invoke('client.publish', {
      id: session.id,
      topic: 'devices/device-1/secret',
      payload: 'only-with-the-key-log',
      qos: 1,
    });
    const after = (await service.invoke('client.disconnect', { id: session.id })) as SessionSnapshot;
    const pcap = await capture.stop();

    // The file: NSS key log lines (TLS 1.3 secrets for this handshake's client random), private.
    expect(statSync(keyLogFile).mode & 0o777).toBe(0o600);
    const lines = readFileSync(keyLogFile, 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(4);
    for (const line of lines) expect(line).toMatch(/^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]+$/);
    expect(lines.some((l) => l.startsWith('CLIENT_TRAFFIC_SECRET_0 '))).toBe(true);
    expect(after.keyLog).toEqual({ path: keyLogFile, lines: lines.length });

    // Wireshark's own reading: the CONNECT's client id and the PUBLISH's topic and payload, in clear.
    const connect = tsharkMqtt(pcap, port, 'mqtt.msgtype == 1', ['mqtt.clientid'], keyLogFile);
    expect(connect).toEqual(['keylog-client']);
    const publish = tsharkMqtt(pcap, port, 'mqtt.msgtype == 3', ['mqtt.topic', 'mqtt.msg'], keyLogFile);
    expect(publish).toHaveLength(1);
    expect(publish[0]!.split('\t')[0]).toBe('devices/device-1/secret');
    expect(publish[0]!).toContain(Buffer.from('only-with-the-key-log').toString('hex'));
    // Without the key log the same capture shows TLS records and no MQTT at all.
    expect(tsharkMqtt(pcap, port, 'mqtt', ['frame.number'])).toEqual([]);
    expect(tsharkMqtt(pcap, port, 'tls.record', ['frame.number']).length).toBeGreaterThan(0);
  });

  it('appends to an existing file and makes it private; off by default; a saved profile keeps the path only when asked', async () => {
    const keyLogFile = join(root, 'existing.log');
    writeFileSync(keyLogFile, '# earlier session\n', { mode: 0o644 });
    const session = (await service.invoke('client.connect', {
      profile: profile('appending', { keyLogFile, saveKeyLogFile: false }),
    })) as SessionSnapshot;
    expect(session.state).toBe('connected');
    expect(session.keyLog?.path).toBe(keyLogFile);
    await service.invoke('client.close', { id: session.id });
    expect(statSync(keyLogFile).mode & 0o777).toBe(0o600);
    const text = readFileSync(keyLogFile, 'utf8');
    expect(text).toMatch(/^# earlier session\n[A-Z_0-9]+ [0-9a-f]{64} /);

    // No key log unless asked.
    const plain = (await service.invoke('client.connect', { profile: profile('plain') })) as SessionSnapshot;
    expect(plain.keyLog).toBeUndefined();
    await service.invoke('client.close', { id: plain.id });

    // profiles.json: the path only with saveKeyLogFile.
    await service.invoke('client.saveProfile', { profile: profile('forget-path', { keyLogFile }) });
    await service.invoke('client.saveProfile', {
      profile: profile('keep-path', { keyLogFile, saveKeyLogFile: true }),
    });
    const stored = readFileSync(join(root, 'ws', 'profiles.json'), 'utf8');
    const saved = JSON.parse(stored) as { profiles?: unknown[] } | unknown[];
    const list = (Array.isArray(saved) ? saved : (saved.profiles ?? [])) as Array<{
      name: string;
      tls: { keyLogFile?: string };
    }>;
    expect(list.find((p) => p.name === 'forget-path')?.tls.keyLogFile).toBeUndefined();
    expect(list.find((p) => p.name === 'keep-path')?.tls.keyLogFile).toBe(keyLogFile);
  });

  it('refuses a relative path, a missing folder and any place inside the workspace, naming the field; nothing is written', async () => {
    const cases: Array<[string, RegExp]> = [
      ['keys.log', /keyLogFile: "keys.log" is not an absolute path/],
      [join(root, 'no-such-dir', 'keys.log'), /keyLogFile: the folder .*no-such-dir does not exist/],
      [join(root, 'ws', 'keys.log'), /keyLogFile: .* is inside the workspace folder/],
    ];
    for (const [keyLogFile, message] of cases) {
      await expect(
        service.invoke('client.connect', { profile: profile('refused'), keyLogFile }),
      ).rejects.toThrow(message);
    }
    const sessions = (await service.invoke('client.sessions', {})) as SessionSnapshot[];
    expect(sessions.filter((s) => s.profile === 'refused')).toEqual([]);
    expect(() => statSync(join(root, 'ws', 'keys.log'))).toThrow();
  });
});
