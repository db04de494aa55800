import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ClientFailure,
  SessionManager,
  type LoggedMessage,
  type MessageBatch,
} from '../../src-main/core/client/index.js';
import { isUserError } from '../../src-main/core/user-error.js';
import { startMosquitto, type RunningMosquitto } from '../helpers/mosquitto.js';
import { freePort, waitForPort } from '../helpers/ports.js';
import { run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';
import { makeTestPki, type TestPki } from './openssl-pki.js';

let pki: TestPki;
let mosquitto: RunningMosquitto;
const port = { open: 0, closed: 0, mtls: 0, tls: 0, wss: 0, leafOnly: 0 };
const manager = new SessionManager({ timeouts: { operationMs: 5000 } });

beforeAll(async () => {
  const dir = tempDir('mts-client-mosq-');
  pki = await makeTestPki(dir);
  for (const k of Object.keys(port) as Array<keyof typeof port>) port[k] = await freePort();
  const tlsFiles = `cafile ${pki.caBundle}\ncertfile ${pki.serverChain}\nkeyfile ${pki.serverKey}\n`;
  const conf = [
    'per_listener_settings true',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
    `listener ${port.open} 127.0.0.1`,
    'allow_anonymous true',
    `listener ${port.closed} 127.0.0.1`,
    'allow_anonymous false',
    `listener ${port.mtls} 127.0.0.1`,
    tlsFiles + 'require_certificate true\nuse_identity_as_username true\nallow_anonymous false',
    `listener ${port.tls} 127.0.0.1`,
    tlsFiles + 'allow_anonymous true',
    `listener ${port.leafOnly} 127.0.0.1`,
    `cafile ${pki.rootCrt}\ncertfile ${pki.serverCrt}\nkeyfile ${pki.serverKey}\nallow_anonymous true`,
    `listener ${port.wss} 127.0.0.1`,
    'protocol websockets',
    tlsFiles + 'require_certificate true\nuse_identity_as_username true\nallow_anonymous true',
    '',
  ].join('\n');
  mosquitto = await startMosquitto(dir, conf, port.open);
  await Promise.all(Object.values(port).map((p) => waitForPort(p)));
});

afterAll(async () => {
  await manager.closeAll();
  await mosquitto?.stop();
});

function mtlsProfile(name: string, clientCert: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    name,
    url: `mqtts://localhost:${port.mtls}`,
    clientId: name,
    connectTimeout: 5,
    tls: { trust: { kind: 'file', path: pki.rootCrt }, clientCert },
    ...extra,
  };
}

/** Wait until `count` messages for a session arrived through the manager's batched events. */
function collect(sessionId: string, count: number, timeoutMs = 5000): Promise<LoggedMessage[]> {
  return new Promise((resolve, reject) => {
    const got: LoggedMessage[] = [];
    const timer = setTimeout(() => {
      manager.off('messages', onBatch);
      reject(new Error(`only ${got.length} of ${count} messages arrived within ${timeoutMs} ms`));
    }, timeoutMs);
    const onBatch = (batch: MessageBatch) => {
      if (batch.sessionId !== sessionId) return;
      got.push(...batch.messages);
      if (got.length >= count) {
        clearTimeout(timer);
        manager.off('messages', onBatch);
        resolve(got);
      }
    };
    manager.on('messages', onBatch);
  });
}

async function failure(promise: Promise<unknown>): Promise<ClientFailure> {
  const started = Date.now();
  try {
    await promise;
  } catch (error) {
    expect(Date.now() - started).toBeLessThan(9000);
    if (error instanceof ClientFailure) {
      if (process.env.SHOW_PROBLEMS)
        console.log(`${error.problem.code}: ${error.message}\n   detail: ${error.problem.detail}`);
      return error;
    }
    throw error;
  }
  throw new Error('expected the connection to fail');
}

describe('against Debian mosquitto with mutual TLS', () => {
  it('device-1 (PEM files, encrypted key) and device-2 (PKCS#12) exchange messages, QoS 1 acknowledged', async () => {
    const one = await manager.connect(
      mtlsProfile('device-1', {
        kind: 'files',
        certPath: pki.device1Chain,
        keyPath: pki.device1KeyEncrypted,
      }),
      { passphrase: pki.passphrase },
    );
    const two = await manager.connect(mtlsProfile('device-2', { kind: 'pkcs12', path: pki.device2P12 }), {
      passphrase: pki.passphrase,
    });
    expect(one.state).toBe('connected');
    expect(one.tls?.protocol).toMatch(/TLSv1\.[23]/);
    expect(one.tls?.clientCertificate?.subject).toContain('CN=device-1');
    expect(two.state).toBe('connected');

    const granted = await manager.subscribe(two.id, [{ filter: 'plant/+/temp', qos: 1 }]);
    expect(granted).toEqual([expect.objectContaining({ filter: 'plant/+/temp', granted: true, code: 1 })]);
    const arriving = collect(two.id, 1);
    const ack = await manager.publish(one.id, {
      topic: 'plant/3/temp',
      payload: '{"c": 21.5}',
      format: 'json',
      qos: 1,
    });
    expect(ack).toMatchObject({ qos: 1, acknowledged: true });
    const [message] = await arriving;
    expect(message!.topic).toBe('plant/3/temp');
    expect(message!.payload.toString()).toBe('{"c": 21.5}');
    expect(message!.qos).toBe(1);
    expect(manager.messages(two.id, { topic: 'plant/#' }).messages).toHaveLength(1);
    expect(manager.history(one.id)[0]).toMatchObject({ topic: 'plant/3/temp', format: 'json', count: 1 });

    // mosquitto logged the certificate identity as the username.
    expect(mosquitto.log()).toMatch(/u'device-1'|username 'device-1'|device-1/);
    await manager.remove(one.id);
    await manager.remove(two.id);
  });

  it('reads a legacy (RC2/3DES) PKCS#12 that OpenSSL 3 refuses by default', async () => {
    const s = await manager.connect(mtlsProfile('legacy', { kind: 'pkcs12', path: pki.device2LegacyP12 }), {
      passphrase: pki.passphrase,
    });
    expect(s.state).toBe('connected');
    expect(s.tls?.clientCertificate?.subject).toContain('CN=device-2');
    await manager.remove(s.id);
  });

  it('retained messages reach a later subscriber with the retain flag', async () => {
    const pub = await manager.connect(
      mtlsProfile('retainer', { kind: 'files', certPath: pki.device1Chain, keyPath: pki.device1Key }),
    );
    await manager.publish(pub.id, { topic: 'status/device-1', payload: 'online', qos: 1, retain: true });
    const sub = await manager.connect(mtlsProfile('late', { kind: 'pkcs12', path: pki.device2P12 }), {
      passphrase: pki.passphrase,
    });
    const arriving = collect(sub.id, 1);
    await manager.subscribe(sub.id, [{ filter: 'status/#', qos: 0 }]);
    const [message] = await arriving;
    expect(message).toMatchObject({ topic: 'status/device-1', retain: true });
    expect(message!.payload.toString()).toBe('online');
    // clear the retained message again
    await manager.publish(pub.id, { topic: 'status/device-1', payload: '', qos: 1, retain: true });
    await manager.remove(pub.id);
    await manager.remove(sub.id);
  });

  it('a wrong passphrase is one clear error naming the field, and no connection is created', () => {
    const before = manager.list().length;
    const attempts = [
      () =>
        manager.open(
          mtlsProfile('bad-pem', {
            kind: 'files',
            certPath: pki.device1Crt,
            keyPath: pki.device1KeyEncrypted,
          }),
          {
            passphrase: 'wrong',
          },
        ),
      () =>
        manager.open(mtlsProfile('bad-p12', { kind: 'pkcs12', path: pki.device2P12 }), {
          passphrase: 'wrong',
        }),
    ];
    for (const attempt of attempts) {
      let caught: unknown;
      try {
        attempt();
      } catch (error) {
        caught = error;
      }
      expect(isUserError(caught)).toBe(true);
      const error = caught as import('../../src-main/core/user-error.js').UserError;
      expect(error.code).toBe('BAD_PASSPHRASE');
      expect(error.message).toMatch(/wrong passphrase/);
      expect(error.message.split('\n')).toHaveLength(1);
      expect(error.location.field).toBe('tls.clientCert.passphrase');
    }
    expect(() =>
      manager.open(
        mtlsProfile('no-pass', { kind: 'files', certPath: pki.device1Crt, keyPath: pki.device1KeyEncrypted }),
      ),
    ).toThrow(/encrypted.*passphrase/);
    expect(() =>
      manager.open(
        mtlsProfile('mismatch', { kind: 'files', certPath: pki.device1Crt, keyPath: pki.device2Key }),
      ),
    ).toThrow(/does not belong to the client certificate/);
    expect(manager.list().length).toBe(before);
  });

  it('explains a broker that requires a client certificate we did not send', async () => {
    const error = await failure(manager.connect(mtlsProfile('anonymous', { kind: 'none' })));
    expect(error.problem.code).toBe('CLIENT_CERT_REQUIRED');
    expect(error.message).toMatch(/client certificate/);
    expect(error.problem.detail).toBe(
      'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: tlsv13 alert certificate required (SSL alert number 116)',
    );
  });

  it('explains a client certificate from a CA the broker does not trust', async () => {
    const error = await failure(
      manager.connect(mtlsProfile('rogue', { kind: 'files', certPath: pki.rogueCrt, keyPath: pki.rogueKey })),
    );
    expect(error.problem.code).toBe('CLIENT_CERT_REJECTED');
  });

  it('connects over wss with a client certificate and relays to an mqtts client', async () => {
    const ws = await manager.connect({
      ...mtlsProfile('ws-device', { kind: 'files', certPath: pki.device2Chain, keyPath: pki.device2Key }),
      url: `wss://localhost:${port.wss}/mqtt`,
      protocol: '5.0',
    });
    expect(ws.state).toBe('connected');
    expect(ws.tls?.protocol).toMatch(/TLSv1/);
    const arriving = collect(ws.id, 1);
    await manager.subscribe(ws.id, [{ filter: 'ws/#', qos: 1 }]);
    const tcp = await manager.connect(
      mtlsProfile('tcp-device', { kind: 'files', certPath: pki.device1Chain, keyPath: pki.device1Key }),
    );
    await manager.publish(tcp.id, { topic: 'ws/hello', payload: 'aGk=', format: 'base64', qos: 1 });
    const [message] = await arriving;
    expect(message!.payload.toString()).toBe('hi');
    await manager.remove(ws.id);
    await manager.remove(tcp.id);
  });
});

describe('server verification against mosquitto', () => {
  const tlsProfile = (name: string, tls: Record<string, unknown>, host = 'localhost') => ({
    name,
    url: `mqtts://${host}:${port.tls}`,
    connectTimeout: 5,
    tls,
  });

  it('refuses a server whose root is not trusted, and says so', async () => {
    const error = await failure(manager.connect(tlsProfile('system', { trust: { kind: 'system' } })));
    expect(error.problem.code).toBe('UNTRUSTED_ROOT');
    expect(error.message).toContain('issued by CN=Test Intermediate CA');
    expect(error.problem.target).toEqual({ host: 'localhost', port: port.tls, servername: 'localhost' });
  });

  it('explains a broker that sends its leaf without the intermediate', async () => {
    const error = await failure(
      manager.connect({
        name: 'leaf-only',
        url: `mqtts://localhost:${port.leafOnly}`,
        connectTimeout: 5,
        tls: { trust: { kind: 'file', path: pki.rootCrt } },
      }),
    );
    expect(error.problem.code).toBe('MISSING_INTERMEDIATE');
    expect(error.message).toContain('no intermediate');
  });

  it('uses the SNI override for the name check: a SAN name passes, another is a hostname mismatch', async () => {
    const ok = await manager.connect(
      tlsProfile(
        'sni-ok',
        { trust: { kind: 'file', path: pki.rootCrt }, servername: 'broker.test' },
        '127.0.0.1',
      ),
    );
    expect(ok.tls?.servername).toBe('broker.test');
    await manager.remove(ok.id);
    const error = await failure(
      manager.connect(
        tlsProfile(
          'sni-bad',
          { trust: { kind: 'file', path: pki.rootCrt }, servername: 'other.test' },
          '127.0.0.1',
        ),
      ),
    );
    expect(error.problem.code).toBe('HOSTNAME_MISMATCH');
    expect(error.message).toContain('other.test');
  });

  it('with "verify server" off connects anyway and reports why the server would fail', async () => {
    const s = await manager.connect(
      tlsProfile('insecure', { trust: { kind: 'system' }, verifyServer: false }),
    );
    expect(s.state).toBe('connected');
    expect(s.tls?.unverifiedBecause).toBeTruthy();
    await manager.remove(s.id);
  });

  it('mqtts to a plain port is explained as "not TLS"', async () => {
    const error = await failure(
      manager.connect({ name: 'plain', url: `mqtts://localhost:${port.open}`, connectTimeout: 5, tls: {} }),
    );
    expect(error.problem.code).toBe('NOT_TLS');
    expect(error.message).toMatch(/TLS/);
  });

  it('mqtt to a TLS port fails with an explanation, not a hang', async () => {
    const error = await failure(
      manager.connect({ name: 'tls-port', url: `mqtt://127.0.0.1:${port.tls}`, connectTimeout: 3 }),
    );
    expect(error.message).toMatch(/TLS|mqtts|answer/);
  });
});

describe('refused connections', () => {
  it('explains CONNACK "not authorized" in MQTT 3.1.1 and in MQTT 5', async () => {
    const v3 = await failure(
      manager.connect({ name: 'anon-3', url: `mqtt://127.0.0.1:${port.closed}`, connectTimeout: 5 }),
    );
    expect(v3.problem).toMatchObject({ code: 'MQTT_NOT_AUTHORIZED', reasonCode: 5 });
    expect(v3.message).toMatch(/Not authorized \(5\)/);
    const v5 = await failure(
      manager.connect({
        name: 'anon-5',
        url: `mqtt://127.0.0.1:${port.closed}`,
        protocol: '5.0',
        connectTimeout: 5,
      }),
    );
    expect(v5.problem).toMatchObject({ code: 'MQTT_NOT_AUTHORIZED', reasonCode: 0x87 });
    expect(v5.message).toMatch(/Not authorized \(135\)/);
    const listed = manager.list().find((s) => s.profile === 'anon-5');
    expect(listed).toMatchObject({ state: 'failed', problem: { code: 'MQTT_NOT_AUTHORIZED' } });
  });

  it('explains a port where nothing listens', async () => {
    const free = await freePort();
    const error = await failure(
      manager.connect({ name: 'nothing', url: `mqtt://127.0.0.1:${free}`, connectTimeout: 5 }),
    );
    expect(error.problem.code).toBe('CONNECTION_REFUSED');
  });
});

describe('interop with mosquitto_pub and mosquitto_sub', () => {
  it('receives what mosquitto_pub sends, and mosquitto_sub receives what we publish (MQTT 5 properties)', async () => {
    const s = await manager.connect({ name: 'judge', url: `mqtt://127.0.0.1:${port.open}`, protocol: '5.0' });
    await manager.subscribe(s.id, [{ filter: 'judge/in', qos: 1 }]);
    const arriving = collect(s.id, 1);
    const pub = await run('mosquitto_pub', [
      '-h',
      '127.0.0.1',
      '-p',
      String(port.open),
      '-V',
      'mqttv5',
      '-q',
      '1',
      '-t',
      'judge/in',
      '-m',
      'from mosquitto',
      '-D',
      'publish',
      'user-property',
      'origin',
      'cli',
    ]);
    expect(pub.code).toBe(0);
    const [message] = await arriving;
    expect(message!.payload.toString()).toBe('from mosquitto');
    expect(message!.properties?.userProperties).toEqual({ origin: 'cli' });

    const sub = spawn(
      'mosquitto_sub',
      [
        '-h',
        '127.0.0.1',
        '-p',
        String(port.open),
        '-V',
        'mqttv5',
        '-t',
        'judge/out',
        '-C',
        '1',
        '-W',
        '8',
        '-F',
        '%t|%p|%P',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    sub.stdout.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => sub.on('exit', resolve));
    // mosquitto_sub must be subscribed before we publish: retry until it prints.
    for (let i = 0; i < 40 && out === '' && sub.exitCode === null; i++) {
      await manager.publish(s.id, {
        topic: 'judge/out',
        payload: '0a ff',
        format: 'hex',
        qos: 1,
        properties: { userProperties: { k: 'v' }, contentType: 'application/octet-stream' },
      });
      await new Promise((r) => setTimeout(r, 150));
    }
    expect(await exited).toBe(0);
    expect(await manager.publish(s.id, { topic: 'judge/q2', payload: 'exactly once', qos: 2 })).toMatchObject(
      {
        qos: 2,
        acknowledged: true,
      },
    );
    const [topic, , props] = out.trim().split('|');
    expect(topic).toBe('judge/out');
    expect(props).toContain('k:v');
    await manager.remove(s.id);
  });
});
