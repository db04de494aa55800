import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiService } from '../../src-main/api/service.js';
import type { ApiEvents } from '../../src-main/api/contract/index.js';
import { startBroker, type BrokerEvent, type RunningBroker } from '../../src-main/core/broker/index.js';
import { parseMosquittoConf } from '../../src-main/core/conf/parse.js';
import { tlsMaterial } from '../../src-main/core/pki/index.js';
import { freePort } from '../helpers/ports.js';
import { opensslOk } from '../helpers/openssl.js';
import { tempDir } from '../helpers/tmp.js';
import { workspacePki } from './workspace-broker.js';

/**
 * The client through the api against our own broker (aedes with Mosquitto semantics): mTLS with
 * workshop identities, an encrypted key file and a PKCS#12 made from the workshop's device-2, QoS 1,
 * retained messages, and a publish our broker drops under its ACL — said in the broker's log.
 */
let service: ApiService;
let broker: RunningBroker;
let port = 0;
let dir: string;
const brokerEvents: BrokerEvent[] = [];
const events: Array<{ topic: string; data: unknown }> = [];
const PASS = 'device two pass';

beforeAll(async () => {
  dir = tempDir('mts-client-ours-');
  service = new ApiService({ workspaceDir: join(dir, 'ws'), surface: 'cli' });
  service.onEvent((topic, data) => events.push({ topic, data }));
  const files = await workspacePki(service.workspace, dir);
  // device-2 as files: an encrypted PKCS#8 key and a PKCS#12, made by openssl from the workshop's PEM.
  const two = tlsMaterial(service.workspace, 'device-2');
  writeFileSync(join(dir, 'device-2.crt'), two.chain);
  writeFileSync(join(dir, 'device-2.key'), two.key, { mode: 0o600 });
  for (const args of [
    [
      'pkcs8',
      '-topk8',
      '-in',
      'device-2.key',
      '-out',
      'device-2.enc.key',
      '-v2',
      'aes-256-cbc',
      '-passout',
      `pass:${PASS}`,
    ],
    [
      'pkcs12',
      '-export',
      '-in',
      'device-2.crt',
      '-inkey',
      'device-2.key',
      '-passout',
      `pass:${PASS}`,
      '-out',
      'device-2.p12',
    ],
  ]) {
    await opensslOk(args, dir);
  }
  writeFileSync(
    join(files.dir, 'acl.conf'),
    [
      'user device-1',
      'topic readwrite devices/device-1/#',
      '',
      'user device-2',
      'topic read devices/#',
      'topic write status/#',
      '',
    ].join('\n'),
  );
  port = await freePort();
  const confText = [
    `listener ${port} 127.0.0.1`,
    `cafile ${files.cafile}`,
    `certfile ${files.certfile}`,
    `keyfile ${files.keyfile}`,
    'require_certificate true',
    'use_identity_as_username true',
    `acl_file ${join(files.dir, 'acl.conf')}`,
    '',
  ].join('\n');
  broker = await startBroker(parseMosquittoConf(confText, join(files.dir, 'mosquitto.conf')), {
    baseDir: files.dir,
    onEvent: (event) => brokerEvents.push(event),
    watchFiles: false,
  });
});

afterAll(async () => {
  await service?.dispose();
  await broker?.stop();
});

function messageEvent(id: string, timeoutMs = 5000): Promise<ApiEvents['client.messages']> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no messages for ${id}`)), timeoutMs);
    const off = service.onEvent((topic, data) => {
      const batch = data as ApiEvents['client.messages'];
      if (topic === 'client.messages' && batch.id === id) {
        clearTimeout(timer);
        off();
        resolve(batch);
      }
    });
  });
}

const profile = (name: string, clientCert: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  name,
  url: `mqtts://localhost:${port}`,
  clientId: name,
  connectTimeout: 5,
  tls: { trust: { kind: 'workspace', ca: 'int' }, clientCert },
  ...extra,
});

interface Snapshot {
  id: string;
  state: string;
  problem?: { code: string; message: string };
}

describe('the client against our broker', () => {
  it('workshop identity, encrypted key and PKCS#12 connect; QoS 1 messages and retained ones arrive', async () => {
    const one = (await service.invoke('client.connect', {
      profile: profile('device-1', { kind: 'workspace', name: 'device-1' }),
    })) as Snapshot;
    expect(one.state).toBe('connected');
    const keyed = (await service.invoke('client.connect', {
      profile: profile('device-2', {
        kind: 'files',
        certPath: join(dir, 'device-2.crt'),
        keyPath: join(dir, 'device-2.enc.key'),
      }),
      passphrase: PASS,
    })) as Snapshot;
    expect(keyed.state).toBe('connected');
    await service.invoke('client.subscribe', { id: keyed.id, filters: [{ filter: 'devices/#', qos: 1 }] });
    const arriving = messageEvent(keyed.id);
    expect(
      await service.invoke('client.publish', {
        id: one.id,
        topic: 'devices/device-1/temp',
        payload: '21.5',
        qos: 1,
      }),
    ).toMatchObject({ acknowledged: true });
    const batch = await arriving;
    expect(batch.messages[0]).toMatchObject({ topic: 'devices/device-1/temp', qos: 1 });

    await service.invoke('client.publish', {
      id: one.id,
      topic: 'devices/device-1/status',
      payload: 'online',
      qos: 1,
      retain: true,
    });
    const p12 = (await service.invoke('client.connect', {
      profile: profile(
        'device-2-p12',
        { kind: 'pkcs12', path: join(dir, 'device-2.p12') },
        { clientId: 'p12' },
      ),
      passphrase: PASS,
    })) as Snapshot;
    expect(p12.state).toBe('connected');
    const retained = messageEvent(p12.id);
    await service.invoke('client.subscribe', {
      id: p12.id,
      filters: [{ filter: 'devices/+/status', qos: 1 }],
    });
    expect((await retained).messages[0]).toMatchObject({ topic: 'devices/device-1/status', retain: true });
    for (const s of [one, keyed, p12]) await service.invoke('client.close', { id: s.id });
  });

  it('a publish refused by the ACL is acknowledged and dropped, the connection stays, and the broker log says why', async () => {
    const one = (await service.invoke('client.connect', {
      profile: profile('device-1', { kind: 'workspace', name: 'device-1' }),
    })) as Snapshot;
    const ack = await service.invoke('client.publish', {
      id: one.id,
      topic: 'devices/device-2/cmd',
      payload: 'x',
      qos: 1,
    });
    expect(ack).toMatchObject({ acknowledged: true });
    await new Promise((r) => setTimeout(r, 200));
    const sessions = (await service.invoke('client.sessions', {})) as Snapshot[];
    expect(sessions.find((s) => s.id === one.id)?.state).toBe('connected');
    const denial = brokerEvents.find((e) => e.kind === 'acl-denied' && e.topic === 'devices/device-2/cmd');
    expect(denial).toMatchObject({ clientId: 'device-1', access: 'write' });
    await service.invoke('client.close', { id: one.id });
  });

  it('explains a refusal (no client certificate); MQTT 5 connects', async () => {
    const none = (await service.invoke('client.connect', {
      profile: profile('nobody', { kind: 'none' }),
    })) as Snapshot;
    expect(none.state).toBe('failed');
    // our broker answers CONNACK 5 where Mosquitto aborts the handshake; either way the words say why
    expect(['CLIENT_CERT_REQUIRED', 'MQTT_NOT_AUTHORIZED']).toContain(none.problem?.code);
    expect(none.problem?.message).toMatch(/client certificate/);
    const v5 = (await service.invoke('client.connect', {
      profile: profile('v5', { kind: 'workspace', name: 'device-1' }, { protocol: '5.0' }),
    })) as Snapshot;
    expect(v5.state).toBe('connected');
    expect(v5.problem).toBeUndefined();
    for (const s of [none, v5]) await service.invoke('client.close', { id: s.id });
  });
});
