import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiService } from '../../src-main/api/service.js';
import type { BrokerEvent } from '../../src-main/core/broker/index.js';
import { CLI, ROOT, cli } from '../helpers/run.js';
import { makeTestPki, type TestPki } from './openssl-pki.js';
import { sharedTempDir } from '../helpers/tmp.js';
import { distinctPorts, mqttjsOutcome, pubOutcome, sleep } from './differential.js';
import { quickstartConf } from '../../src-main/core/quickstart/index.js';

const dir = sharedTempDir('mts-broker-api-');
const workspace = join(dir, 'ws');
let pki: TestPki;
let ports: number[];

beforeAll(async () => {
  pki = await makeTestPki(join(dir, 'pki'));
  ports = await distinctPorts(4);
  mkdirSync(join(workspace, 'broker'), { recursive: true });
  writeFileSync(join(workspace, 'workspace.json'), '{ "format": 1 }\n');
  for (const [from, to] of [
    ['ca.crt', 'ca.crt'],
    ['server.chain.crt', 'server.crt'],
    ['server.key', 'server.key'],
  ]) {
    copyFileSync(pki.path(from), join(workspace, 'broker', to));
  }
  writeFileSync(join(workspace, 'broker', 'acl.conf'), 'pattern readwrite devices/%u/#\n');
  writeFileSync(join(workspace, 'broker', 'mosquitto.conf'), quickstartConf(ports[0]));
}, 60_000);

const tls = () => ({
  ca: readFileSync(pki.path('ca.crt')),
  cert: readFileSync(pki.path('client1.crt')),
  key: readFileSync(pki.path('client1.key')),
});

describe('broker api', () => {
  const service = new ApiService({ workspaceDir: workspace, surface: 'cli' });
  const pushed: Array<{ topic: string; data: unknown }> = [];
  service.onEvent((topic, data) => pushed.push({ topic, data }));
  afterAll(() => service.dispose());

  it('starts from the workspace settings, reports listeners, clients and events, and stops', async () => {
    expect(await service.invoke('broker.status', {})).toMatchObject({
      running: false,
      workspaceSettings: true,
    });
    const status = (await service.invoke('broker.start', {})) as {
      listeners: Array<{ url: string; tls: string }>;
    };
    expect(status.listeners.map((l) => l.url)).toEqual([`mqtts://127.0.0.1:${ports[0]}`]);
    expect(status.listeners[0].tls).toMatch(/client certificate required.*certificate CN/);
    await expect(service.invoke('broker.start', {})).rejects.toThrow(/already running/);

    const { connectClient } = await import('./differential.js');
    const client = await connectClient(`mqtts://localhost:${ports[0]}`, { ...tls(), clientId: 'dev-1' });
    const clients = (await service.invoke('broker.status', {})) as {
      clients: Array<{ clientId: string; username: string }>;
    };
    expect(clients.clients.map((c) => [c.clientId, c.username])).toEqual([['dev-1', 'client1']]);
    client.end(true);
    await sleep(200);
    const events = pushed.filter((p) => p.topic === 'broker.event').map((p) => p.data as BrokerEvent);
    expect(events.map((e) => e.kind)).toEqual(
      expect.arrayContaining(['listening', 'connected', 'disconnected']),
    );
    const recent = (await service.invoke('broker.events', { since: events[0].seq })) as BrokerEvent[];
    expect(recent[0].seq).toBe(events[1].seq);
    const stopped = (await service.invoke('broker.stop', {})) as { running: boolean };
    expect(stopped.running).toBe(false);
    expect(
      pushed.some((p) => p.topic === 'broker.status' && (p.data as { running: boolean }).running === false),
    ).toBe(true);
  }, 30_000);

  it('a bad conf fails with file:line, kept in the status for the view', async () => {
    const bad = join(dir, 'bad.conf');
    writeFileSync(
      bad,
      `listener ${ports[1]}\ncertfile ${pki.path('server.crt')}\nkeyfile ${pki.path('client1.key')}\n`,
    );
    await expect(service.invoke('broker.start', { config: bad })).rejects.toThrow(`${bad}:3: `);
    const status = (await service.invoke('broker.status', {})) as {
      lastError?: { text: string; line?: number };
    };
    expect(status.lastError?.line).toBe(3);
    expect(status.lastError?.text).toMatch(/does not match the certificate/);
  });
});

describe('mqtt-tls-studio broker', () => {
  /** Run the CLI broker until `until` is printed, then send `signal`; returns output and exit code. */
  function runBroker(
    args: string[],
    onReady: (stdout: () => string) => Promise<void>,
    signal: NodeJS.Signals,
  ) {
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'broker', ...args], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      let ready = false;
      const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
      child.stdout.on('data', (d) => {
        stdout += d;
        if (!ready && stdout.includes('listening ')) {
          ready = true;
          onReady(() => stdout).then(() => child.kill(signal), reject);
        }
      });
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  it('serves the workspace settings on --port, logs each connection, and exits 0 on SIGINT', async () => {
    const result = await runBroker(
      ['--workspace', workspace, '--port', String(ports[2])],
      async (stdout) => {
        const args = [
          '--cafile',
          pki.path('ca.crt'),
          '--cert',
          pki.path('client1.crt'),
          '--key',
          pki.path('client1.key'),
        ];
        expect(await pubOutcome(ports[2], args, 'devices/client1/x')).toBe('accepted');
        expect(await pubOutcome(ports[2], ['--cafile', pki.path('ca.crt')])).toBe('connack 5');
        const deadline = Date.now() + 5000;
        while (!/refused/.test(stdout()) && Date.now() < deadline) await sleep(50);
      },
      'SIGINT',
    );
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toBe(`listening mqtts://127.0.0.1:${ports[2]}`);
    expect(result.stdout).toMatch(/ connected client ".*" as "client1"/);
    expect(result.stdout).toMatch(/ refused .*CONNACK 5 \(not authorized\) — no client certificate/);
  }, 30_000);

  it('runs a --config file with several listeners and exits 0 on SIGTERM', async () => {
    const conf = join(dir, 'two.conf');
    writeFileSync(
      conf,
      [
        `listener ${ports[3]} 127.0.0.1`,
        'allow_anonymous true',
        `listener ${ports[1]} 127.0.0.1`,
        'protocol websockets',
        '',
      ].join('\n'),
    );
    const result = await runBroker(
      ['--config', conf],
      async () => {
        expect(await mqttjsOutcome(`ws://127.0.0.1:${ports[1]}/mqtt`)).toBe('accepted');
      },
      'SIGTERM',
    );
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n').slice(0, 2)).toEqual([
      `listening mqtt://127.0.0.1:${ports[3]}`,
      `listening ws://127.0.0.1:${ports[1]}`,
    ]);
  }, 30_000);

  it('stops with the file and line of a refused option (exit 1), and bad usage exits 2', async () => {
    const conf = join(dir, 'unknown.conf');
    writeFileSync(conf, `listener ${ports[3]}\nallow_anonymous true\nmax_connections 5\n`);
    const result = await cli(['broker', '--config', conf]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      `error: ${conf}:3: the Mosquitto option "max_connections" is not supported by the local broker: remove it to run this config here`,
    );
    expect((await cli(['broker', '--port', '70000'])).code).toBe(2);
  });
});
