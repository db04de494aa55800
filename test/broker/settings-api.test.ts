/**
 * Broker settings through the api (issue #18): from quick start, the same four changes the Broker view's
 * form makes — a websockets TLS listener with the chain wizard's server certificate, a password listener
 * with a user, the mTLS listener switched to subject-as-username, tlsv1.3 — each saved, then the written
 * conf started by Debian's Mosquitto unchanged (in a copy of broker/) and by our broker, with the same
 * real clients on both. Also: the per-listener commands run as they are, bad input names its field and
 * changes nothing on disk, and `export mosquitto` still gives a bundle Mosquitto starts.
 */
import { spawn } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { IClientOptions } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiService } from '../../src-main/api/service.js';
import type { MethodName, ParamsOf, ResultOf } from '../../src-main/api/contract/index.js';
import type { BrokerSettingsForm } from '../../src-main/core/conf/index.js';
import { isUserError } from '../../src-main/core/user-error.js';
import { readableByMosquitto, startMosquitto, type RunningMosquitto } from '../helpers/mosquitto.js';
import { ROOT, run } from '../helpers/run.js';
import { sharedTempDir } from '../helpers/tmp.js';
import { connectClient, distinctPorts, mqttjsOutcome, opensslSubject, type Outcome } from './differential.js';

describe('broker settings: form → conf → Mosquitto and our broker', () => {
  const dir = sharedTempDir('mts-settings-');
  const wsDir = join(dir, 'ws');
  let api: ApiService;
  /** The service, typed from the contract. */
  const service = {
    invoke: <M extends MethodName>(method: M, params: ParamsOf<M>) =>
      api.invoke(method, params) as Promise<ResultOf<M>>,
  };
  let ports: number[];
  const file = (p: string) => readFileSync(join(wsDir, p));

  beforeAll(async () => {
    ports = await distinctPorts(3);
    api = new ApiService({ workspaceDir: wsDir, surface: 'cli' });
    await service.invoke('quickstart.run', { port: ports[0] });
    // What the chain wizard makes: its own root, an issuing CA and a server certificate.
    await service.invoke('pki.createCa', { name: 'lan-root', cn: 'LAN Root CA' });
    await service.invoke('pki.createCa', { name: 'lan-issuing', cn: 'LAN Issuing CA', parent: 'lan-root' });
    await service.invoke('pki.issue', {
      ca: 'lan-issuing',
      profile: 'server',
      name: 'broker.lan',
      cn: 'localhost',
      san: ['dns:localhost', 'ip:127.0.0.1'],
    });
  }, 60_000);
  afterAll(async () => {
    await api?.invoke('broker.stop', {});
    await api?.dispose();
  });

  const form = async (): Promise<BrokerSettingsForm> => (await service.invoke('broker.settings', {})).form!;

  /** Every file of broker/ with its bytes and mode. */
  const snapshot = () =>
    readdirSync(join(wsDir, 'broker'))
      .sort()
      .map((name) => {
        const path = join(wsDir, 'broker', name);
        return `${name} ${statSync(path).mode.toString(8)} ${readFileSync(path).toString('base64')}`;
      });

  /**
   * Run the clients against Debian's Mosquitto started on the saved conf as it is (a copy of broker/,
   * Mosquitto's working directory), then against our broker started from the workspace.
   */
  async function onBoth(
    clients: () => Promise<Outcome[]>,
  ): Promise<{ mosquitto: Outcome[]; ours: Outcome[] }> {
    const copy = join(dir, `judge-${Date.now()}`);
    cpSync(join(wsDir, 'broker'), copy, { recursive: true });
    readableByMosquitto(copy);
    const conf = readFileSync(join(copy, 'mosquitto.conf'), 'utf8');
    let mosquitto: RunningMosquitto | undefined;
    let fromMosquitto: Outcome[];
    try {
      mosquitto = await startMosquitto(copy, conf, ports[0], { cwd: copy });
      fromMosquitto = await clients();
    } finally {
      await mosquitto?.stop();
    }
    await service.invoke('broker.start', {});
    try {
      return { mosquitto: fromMosquitto, ours: await clients() };
    } finally {
      await service.invoke('broker.stop', {});
    }
  }

  const device = (name = 'device-1') => ({ cert: file(`certs/${name}.crt`), key: file(`keys/${name}.key`) });

  it('bad input in any field names the field and changes nothing on disk', async () => {
    const before = snapshot();
    const good = await form();
    const cases: Array<[string, Record<string, unknown>, string]> = [
      [
        'port',
        { form: { ...good, listeners: [{ ...good.listeners[0], port: 'abc' }] } },
        'listeners[0].port',
      ],
      [
        'port range',
        { form: { ...good, listeners: [{ ...good.listeners[0], port: 70000 }] } },
        'listeners[0].port',
      ],
      [
        'bind',
        { form: { ...good, listeners: [{ ...good.listeners[0], bindAddress: 'a b' }] } },
        'listeners[0].bindAddress',
      ],
      [
        'tls',
        { form: { ...good, listeners: [{ ...good.listeners[0], tlsVersion: 'tlsv1.0' }] } },
        'listeners[0].tlsVersion',
      ],
      [
        'cafile',
        { form: { ...good, listeners: [{ ...good.listeners[0], cafile: 'ca.crt\nlistener 1' }] } },
        'listeners[0].cafile',
      ],
      [
        'missing file',
        { form: { ...good, listeners: [{ ...good.listeners[0], cafile: 'nope.crt' }] } },
        'listeners[0].cafile',
      ],
      [
        'websockets crlfile',
        {
          form: {
            ...good,
            listeners: [
              ...good.listeners,
              {
                port: ports[1],
                protocol: 'websockets',
                certfile: 'server.crt',
                keyfile: 'server.key',
                crlfile: 'x.crl',
              },
            ],
          },
        },
        'listeners[1].crlfile',
      ],
      [
        'certfile without keyfile',
        { form: { ...good, listeners: [{ ...good.listeners[0], keyfile: undefined }] } },
        'listeners[0].certfile',
      ],
      [
        'identity without require_certificate',
        { form: { ...good, listeners: [{ ...good.listeners[0], requireCertificate: false }] } },
        'listeners[0].useIdentityAsUsername',
      ],
      [
        'file name',
        { form: good, files: [{ path: '../evil', from: { workshop: 'broker', part: 'chain' } }] },
        'files[0]',
      ],
      [
        'password user',
        {
          form: { ...good, security: { ...good.security, passwordFile: 'passwd' } },
          passwords: [{ file: 'passwd', username: 'a:b', password: 'x' }],
        },
        'passwords[0].username',
      ],
      ['raw text', { text: 'listener 1883\nbogus_option 1\n' }, undefined as unknown as string],
    ];
    for (const [what, params, field] of cases) {
      const error = await service.invoke('broker.saveSettings', params as never).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isUserError(error), what).toBe(true);
      if (!isUserError(error)) continue;
      if (field) expect(error.location.field, `${what}: ${error.message}`).toBe(field);
      else expect(error.location.line, what).toBe(2);
      expect(error.message, what).not.toMatch(/INTERNAL|at .*\.ts:\d+/);
    }
    expect(snapshot()).toEqual(before);
  });

  it('a websockets TLS listener with the chain wizard server certificate: Mosquitto and ours agree', async () => {
    const current = await form();
    const saved = await service.invoke('broker.saveSettings', {
      form: {
        ...current,
        listeners: [
          ...current.listeners,
          {
            port: ports[1],
            protocol: 'websockets',
            certfile: 'broker.lan.crt',
            keyfile: 'broker.lan.key',
            cafile: 'ca.crt',
            requireCertificate: true,
            useIdentityAsUsername: true,
          },
        ],
      },
      files: [
        { path: 'broker.lan.crt', from: { workshop: 'broker.lan', part: 'chain' } },
        { path: 'broker.lan.key', from: { workshop: 'broker.lan', part: 'key' } },
      ],
    });
    expect(saved.written).toEqual([
      'broker/mosquitto.conf',
      'broker/broker.lan.crt',
      'broker/broker.lan.key',
    ]);
    expect(statSync(join(wsDir, 'broker/broker.lan.key')).mode & 0o777).toBe(0o600);
    const text = file('broker/mosquitto.conf').toString();
    expect(text).toContain('# Written by MQTT TLS Studio quick start.'); // comments kept
    expect(saved.settings.issues.filter((i) => i.level === 'error')).toEqual([]);

    const lanRoot = file('certs/lan-root.crt');
    const outcomes = await onBoth(async () => [
      await mqttjsOutcome(`wss://localhost:${ports[1]}/mqtt`, { ca: lanRoot, ...device() }),
      await mqttjsOutcome(`wss://localhost:${ports[1]}/mqtt`, { ca: lanRoot }),
      await mqttjsOutcome(`mqtts://localhost:${ports[0]}`, { ca: file('broker/ca.crt'), ...device() }),
    ]);
    expect(outcomes).toEqual({
      mosquitto: ['accepted', 'refused in TLS', 'accepted'],
      // ours answers a missing client certificate with CONNACK 5 and the reason (Mosquitto drops it in TLS)
      ours: ['accepted', 'connack 5', 'accepted'],
    });
  }, 60_000);

  it('a password listener with a user: the same answers for right, wrong and no password', async () => {
    const current = await form();
    await service.invoke('broker.saveSettings', {
      form: {
        ...current,
        security: { ...current.security, passwordFile: 'passwd' },
        listeners: [...current.listeners, { port: ports[2], protocol: 'mqtt', bindAddress: '127.0.0.1' }],
      },
      passwords: [{ file: 'passwd', username: 'alice', password: 'wonder land' }],
    });
    expect(file('broker/passwd').toString()).toMatch(/^alice:\$7\$101\$/);
    expect(statSync(join(wsDir, 'broker/passwd')).mode & 0o777).toBe(0o600);
    const url = `mqtt://127.0.0.1:${ports[2]}`;
    const outcomes = await onBoth(async () => [
      await mqttjsOutcome(url, { username: 'alice', password: 'wonder land' }),
      await mqttjsOutcome(url, { username: 'alice', password: 'wrong' }),
      await mqttjsOutcome(url),
      await mqttjsOutcome(`mqtts://localhost:${ports[0]}`, { ca: file('broker/ca.crt'), ...device() }),
    ]);
    expect(outcomes.ours).toEqual(['accepted', 'connack 5', 'connack 5', 'accepted']);
    expect(outcomes.mosquitto).toEqual(outcomes.ours);
  }, 60_000);

  it("each listener's commands run as they are (mosquitto_pub -u/-P, mqtt.js over wss)", async () => {
    const settings = await service.invoke('broker.settings', {});
    const byPort = (port: number) =>
      settings.commands[settings.form!.listeners.findIndex((l) => l.port === port)]!;
    await service.invoke('broker.start', {});
    try {
      for (const port of [ports[0], ports[2], ports[1]]) {
        const commands = byPort(port);
        // The subscriber runs as given; it is stopped once the message is in (mqtt.js's sub has no count).
        const sub = spawn('bash', ['-c', `exec ${commands.sub.replace(/^read .*? && echo && /, '')}`], {
          cwd: ROOT,
          env: { ...process.env, MQTT_PASSWORD: 'wonder land' },
        });
        let out = '';
        sub.stdout.on('data', (d) => (out += d));
        sub.stderr.on('data', (d) => (out += d));
        const got = new Promise<void>((resolve) =>
          sub.stdout.on('data', () => out.includes('hello') && resolve()),
        );
        await new Promise((r) => setTimeout(r, commands.tool === 'mosquitto' ? 700 : 4000));
        const pub = await run('bash', ['-c', commands.pub], { input: 'wonder land\n', timeoutMs: 30_000 });
        expect(pub.code, `${commands.pub}\n${pub.stderr}`).toBe(0);
        await Promise.race([got, new Promise((r) => setTimeout(r, 10_000))]);
        sub.kill();
        expect(out, `${commands.sub}\n${out}`).toContain('hello');
      }
    } finally {
      await service.invoke('broker.stop', {});
    }
  }, 120_000);

  it('subject as username on the mTLS listener: the ACL sees the RFC 2253 subject on both brokers', async () => {
    const current = await form();
    const listeners = current.listeners.map((l) =>
      l.port === ports[0] ? { ...l, useIdentityAsUsername: undefined, useSubjectAsUsername: true } : l,
    );
    await service.invoke('broker.saveSettings', { form: { ...current, listeners } });
    expect(file('broker/mosquitto.conf').toString()).toMatch(/use_subject_as_username true/);
    const subject = opensslSubject(join(wsDir, 'certs/device-1.crt'));
    const outcomes = await onBoth(async () => {
      const client = await connectClient(`mqtts://localhost:${ports[0]}`, {
        ca: file('broker/ca.crt'),
        ...device(),
      });
      const got: string[] = [];
      client.on('message', (topic) => got.push(topic));
      await client.subscribeAsync([`devices/${subject}/#`, 'devices/device-1/#']);
      await client.publishAsync(`devices/${subject}/a`, 'x', { qos: 1 });
      await client.publishAsync('devices/device-1/b', 'x', { qos: 1 });
      await new Promise((r) => setTimeout(r, 400));
      await client.endAsync();
      return got.sort() as Outcome[];
    });
    expect(outcomes.ours).toEqual([`devices/${subject}/a`]);
    expect(outcomes.mosquitto).toEqual(outcomes.ours);
  }, 60_000);

  it('tls_version tlsv1.3: a TLS 1.2 client is refused in the handshake by both, a 1.3 one gets in', async () => {
    const current = await form();
    const listeners = current.listeners.map((l) =>
      l.port === ports[0] ? { ...l, tlsVersion: 'tlsv1.3' as const } : l,
    );
    await service.invoke('broker.saveSettings', { form: { ...current, listeners } });
    const tls = { ca: file('broker/ca.crt'), ...device() };
    const outcomes = await onBoth(async () => [
      await mqttjsOutcome(`mqtts://localhost:${ports[0]}`, {
        ...tls,
        maxVersion: 'TLSv1.2',
      } as IClientOptions),
      await mqttjsOutcome(`mqtts://localhost:${ports[0]}`, tls),
    ]);
    expect(outcomes.ours).toEqual(['refused in TLS', 'accepted']);
    expect(outcomes.mosquitto).toEqual(outcomes.ours);
  }, 60_000);

  it('export mosquitto still gives a bundle Debian Mosquitto starts', async () => {
    const out = join(dir, 'bundle');
    await service.invoke('export.write', { target: 'folder', path: out, host: 'localhost' });
    readableByMosquitto(out);
    const conf = readFileSync(join(out, 'mosquitto.conf'), 'utf8');
    expect(conf).toContain('use_subject_as_username true');
    const mosquitto = await startMosquitto(out, conf, ports[0], { cwd: out });
    await mosquitto.stop();
  }, 30_000);
});
