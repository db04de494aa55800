import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiService } from '../../src-main/api/service.js';
import type { ApiEvents } from '../../src-main/api/contract/index.js';
import type { RunningMosquitto } from '../helpers/mosquitto.js';
import { tempDir } from '../helpers/tmp.js';
import { makeTestPki, type TestPki } from './openssl-pki.js';
import { workspaceWithBroker } from './workspace-broker.js';

/**
 * The client through the api (no transport): profiles in the workspace, identities from the
 * workshop, Debian's mosquitto with mTLS as the broker, events as the renderer receives them.
 */
let root: string;
let service: ApiService;
let mosquitto: RunningMosquitto;
let pki: TestPki;
let port = 0;
const events: Array<{ topic: string; data: unknown }> = [];

beforeAll(async () => {
  root = tempDir('mts-client-api-');
  const workspaceDir = join(root, 'ws');
  service = new ApiService({ workspaceDir, surface: 'cli' });
  service.onEvent((topic, data) => events.push({ topic, data }));
  ({ mosquitto, port } = await workspaceWithBroker(service.workspace, root));
  pki = await makeTestPki(join(root, 'openssl'));
});

afterAll(async () => {
  await service?.dispose();
  await mosquitto?.stop();
});

function waitFor<T extends keyof ApiEvents>(
  topic: T,
  test: (data: ApiEvents[T]) => boolean,
  timeoutMs = 5000,
): Promise<ApiEvents[T]> {
  return new Promise((resolve, reject) => {
    const found = events.find((e) => e.topic === topic && test(e.data as ApiEvents[T]));
    if (found) return resolve(found.data as ApiEvents[T]);
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${topic} event in ${timeoutMs} ms`));
    }, timeoutMs);
    const off = service.onEvent((t: string, data: unknown) => {
      if (t === topic && test(data as ApiEvents[T])) {
        clearTimeout(timer);
        off();
        resolve(data as ApiEvents[T]);
      }
    });
  });
}

const workspaceProfile = (name: string) => ({
  name,
  url: `mqtts://localhost:${port}`,
  clientId: name,
  connectTimeout: 5,
  tls: { trust: { kind: 'workspace', ca: 'int' }, clientCert: { kind: 'workspace', name } },
});

describe('client through the api', () => {
  it('saves profiles in the workspace and lists them', async () => {
    await service.invoke('client.saveProfile', { profile: workspaceProfile('device-1') });
    const list = (await service.invoke('client.profiles', {})) as Array<{ name: string }>;
    expect(list.map((p) => p.name)).toEqual(['device-1']);
    expect(events.some((e) => e.topic === 'client.profiles')).toBe(true);
    const bad = await service.call('client.saveProfile', {
      profile: { name: 'x', url: 'mqtt://h', keepalive: -5 },
    });
    expect(bad).toMatchObject({
      ok: false,
      error: { code: 'BAD_PROFILE', location: { field: 'keepalive' } },
    });
  });

  it('two workspace identities exchange a QoS 1 message; events carry state and batched messages', async () => {
    const one = (await service.invoke('client.connect', { profile: 'device-1' })) as {
      id: string;
      state: string;
    };
    expect(one.state).toBe('connected');
    const two = (await service.invoke('client.connect', { profile: workspaceProfile('device-2') })) as {
      id: string;
      state: string;
      tls: { clientCertificate: { subject: string } };
    };
    expect(two.state).toBe('connected');
    expect(two.tls.clientCertificate.subject).toContain('device-2');
    await service.invoke('client.subscribe', { id: two.id, filters: [{ filter: 'devices/#', qos: 1 }] });
    const ack = await service.invoke('client.publish', {
      id: one.id,
      topic: 'devices/device-1/temp',
      payload: '{"c":20}',
      format: 'json',
      qos: 1,
    });
    expect(ack).toMatchObject({ acknowledged: true, qos: 1 });
    const batch = await waitFor('client.messages', (b) => b.id === two.id);
    expect(batch.messages[0]).toMatchObject({ topic: 'devices/device-1/temp', qos: 1, size: 8 });
    expect(Buffer.from(batch.messages[0]!.payload, 'base64').toString()).toBe('{"c":20}');
    const page = (await service.invoke('client.messages', { id: two.id, topic: 'devices/+/temp' })) as {
      matched: number;
    };
    expect(page.matched).toBe(1);
    expect(await service.invoke('client.history', { id: one.id })).toEqual([
      expect.objectContaining({ topic: 'devices/device-1/temp', count: 1 }),
    ]);
    await waitFor('client.state', (s) => s.id === one.id && s.state === 'connected');
    const cleared = (await service.invoke('client.clearLog', { id: two.id })) as { log: { size: number } };
    expect(cleared.log.size).toBe(0);
    const down = (await service.invoke('client.disconnect', { id: one.id })) as { state: string };
    expect(down.state).toBe('disconnected');
    await service.invoke('client.close', { id: one.id });
    await service.invoke('client.close', { id: two.id });
    expect(await service.invoke('client.sessions', {})).toEqual([]);
  });

  it('a refused connection is a listed session with its problem; a wrong passphrase is one api error', async () => {
    const refused = (await service.invoke('client.connect', {
      profile: { ...workspaceProfile('nobody'), tls: { trust: { kind: 'workspace', ca: 'int' } } },
    })) as { id: string; state: string; problem: { code: string; target: { port: number } } };
    expect(refused.state).toBe('failed');
    expect(refused.problem.code).toBe('CLIENT_CERT_REQUIRED');
    expect(refused.problem.target.port).toBe(port);
    await service.invoke('client.close', { id: refused.id });

    const wrong = await service.call('client.connect', {
      profile: {
        name: 'p12',
        url: `mqtts://localhost:${port}`,
        tls: { clientCert: { kind: 'pkcs12', path: pki.device2P12 } },
      },
      passphrase: 'not it',
    });
    expect(wrong).toEqual({
      ok: false,
      error: {
        code: 'BAD_PASSPHRASE',
        message: `${pki.device2P12}: wrong passphrase for the PKCS#12 file`,
        location: { file: pki.device2P12, field: 'tls.clientCert.passphrase' },
      },
    });
    expect(await service.invoke('client.sessions', {})).toEqual([]);
    const unknownCa = await service.call('client.connect', {
      profile: { ...workspaceProfile('device-1'), tls: { trust: { kind: 'workspace', ca: 'nope' } } },
    });
    expect(unknownCa).toMatchObject({ ok: false, error: { location: { field: 'tls.trust.ca' } } });
  });
});
