import { copyFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, parseMosquittoConf } from '../../src-main/core/conf/index.js';
import { startBroker, type BrokerEvent, type RunningBroker } from '../../src-main/core/broker/index.js';
import { isUserError } from '../../src-main/core/user-error.js';
import { issueLeaf, makeTestPki, revokeAndPublish, type TestPki } from './openssl-pki.js';
import { sharedTempDir } from '../helpers/tmp.js';
import { connectClient, distinctPorts, mqttjsOutcome, rawConnect, sleep } from './differential.js';

const dir = sharedTempDir('mts-reload-');
let pki: TestPki;
let broker: RunningBroker;
const events: BrokerEvent[] = [];
let ports: number[];

beforeAll(async () => {
  pki = await makeTestPki(join(dir, 'pki'));
  copyFileSync(pki.path('server.crt'), join(dir, 'server.crt'));
  copyFileSync(pki.path('server.key'), join(dir, 'server.key'));
  copyFileSync(pki.path('inter.crl'), join(dir, 'crl.pem'));
  writeFileSync(join(dir, 'passwd'), `alice:${hashPassword('one')}\n`);
  ports = await distinctPorts(3);
  const text = [
    'per_listener_settings true',
    `listener ${ports[0]} 127.0.0.1`,
    'cafile pki/ca.crt',
    'certfile server.crt',
    'keyfile server.key',
    'crlfile crl.pem',
    'require_certificate true',
    'use_identity_as_username true',
    `listener ${ports[1]} 127.0.0.1`,
    'password_file passwd',
    `listener ${ports[2]} 127.0.0.1`,
    'cafile pki/ca.crt',
    'certfile pki/server.chain.crt',
    'keyfile pki/server.key',
    'allow_anonymous true',
    '',
  ].join('\n');
  broker = await startBroker(parseMosquittoConf(text, join(dir, 'broker.conf')), {
    baseDir: dir,
    onEvent: (e) => events.push(e),
  });
}, 60_000);

afterAll(async () => {
  await broker?.stop();
});

const tls = (name: string) => ({
  ca: readFileSync(pki.path('ca.crt')),
  cert: readFileSync(pki.path(`${name}.crt`)),
  key: readFileSync(pki.path(`${name}.key`)),
});

async function waitFor(predicate: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate() && Date.now() < deadline) await sleep(50);
  expect(predicate()).toBe(true);
}

function servedSerial(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect(
      { port, host: '127.0.0.1', servername: 'localhost', ca: readFileSync(pki.path('ca.crt')) },
      () => {
        resolve(socket.getPeerCertificate().serialNumber);
        socket.destroy();
      },
    );
    socket.on('error', reject);
  });
}

describe('hot reload', () => {
  it('a CRL change refuses the newly revoked certificate and closes its open connection', async () => {
    const client = await connectClient(`mqtts://localhost:${ports[0]}`, {
      ...tls('client1'),
      clientId: 'device-1',
    });
    expect(broker.clients().map((c) => [c.clientId, c.username])).toEqual([['device-1', 'client1']]);
    const tmp = join(dir, 'crl.pem.new');
    await revokeAndPublish(pki, 'client1', tmp);
    renameSync(tmp, join(dir, 'crl.pem')); // atomic replace, as editors and our workspace do
    await waitFor(() => events.some((e) => e.kind === 'reloaded' && e.file === join(dir, 'crl.pem')));
    await waitFor(() => !client.connected);
    client.end(true);
    const closed = events.find((e) => e.kind === 'disconnected' && e.clientId === 'device-1');
    expect(closed?.reason).toMatch(/revoked.*reloaded CRL/);
    expect(await mqttjsOutcome(`mqtts://localhost:${ports[0]}`, tls('client1'))).toBe('connack 5');
    expect(events.filter((e) => e.kind === 'refused').pop()?.problem).toBe('REVOKED');
  }, 30_000);

  it('a new certificate and key are served without a restart; a broken one is refused and the old one kept', async () => {
    const before = await servedSerial(ports[0]);
    await issueLeaf(pki, 'server2', '/CN=localhost', 'x_server');
    writeFileSync(join(dir, 'server.key'), readFileSync(pki.path('server2.key')));
    writeFileSync(join(dir, 'server.crt'), readFileSync(pki.path('server2.crt')));
    const expected = new (await import('node:crypto')).X509Certificate(readFileSync(pki.path('server2.crt')))
      .serialNumber;
    const deadline = Date.now() + 5000;
    let served = before;
    while (served !== expected && Date.now() < deadline) {
      await sleep(100);
      served = await servedSerial(ports[0]);
    }
    expect(served).toBe(expected);
    expect(served).not.toBe(before);

    const reloads = events.filter((e) => e.kind === 'error').length;
    writeFileSync(join(dir, 'server.crt'), 'not a certificate\n');
    await waitFor(() => events.filter((e) => e.kind === 'error').length > reloads);
    expect(events.filter((e) => e.kind === 'error').pop()?.message).toMatch(
      /keeps the previous certificates/,
    );
    expect(await servedSerial(ports[0])).toBe(expected);
  }, 30_000);

  it('a password file change applies to the next CONNECT', async () => {
    expect(await mqttjsOutcome(`mqtt://127.0.0.1:${ports[1]}`, { username: 'alice', password: 'one' })).toBe(
      'accepted',
    );
    writeFileSync(join(dir, 'passwd'), `alice:${hashPassword('two')}\n`);
    await waitFor(() => events.some((e) => e.kind === 'reloaded' && e.file === join(dir, 'passwd')));
    expect(await mqttjsOutcome(`mqtt://127.0.0.1:${ports[1]}`, { username: 'alice', password: 'one' })).toBe(
      'connack 5',
    );
    expect(await mqttjsOutcome(`mqtt://127.0.0.1:${ports[1]}`, { username: 'alice', password: 'two' })).toBe(
      'accepted',
    );
  }, 30_000);
});

describe('the event log explains refusals', () => {
  it('a TLS client on a plain listener, and plain MQTT on a TLS listener', async () => {
    await new Promise<void>((resolve) => {
      const socket = tlsConnect({ port: ports[1], host: '127.0.0.1', rejectUnauthorized: false });
      socket.on('error', () => resolve());
      socket.on('close', () => resolve());
    });
    await waitFor(() => events.some((e) => e.problem === 'TLS_ON_PLAIN_PORT'));
    await new Promise<void>((resolve) => {
      const socket = netConnect({ port: ports[2], host: '127.0.0.1' }, () =>
        socket.write(Buffer.from('101000044d5154540402003c0004746573740000', 'hex')),
      );
      socket.on('error', () => resolve());
      socket.on('close', () => resolve());
    });
    await waitFor(() => events.some((e) => e.problem === 'NOT_TLS'));
  }, 20_000);

  it('MQTT 5 is accepted (CONNACK 0), as Mosquitto 2.0 accepts it', async () => {
    const outcome = await rawConnect(ports[2], {
      tls: { ca: readFileSync(pki.path('ca.crt')) },
      clientId: 'v5',
      clean: true,
      level: 5,
    });
    expect(outcome).toBe('accepted');
    expect(events.some((e) => e.problem === 'PROTOCOL_VERSION')).toBe(false);
  }, 20_000);

  it('every connection event carries listener, address, TLS details and the result', () => {
    const connected = events.find((e) => e.kind === 'connected' && e.clientId === 'device-1');
    expect(connected).toMatchObject({
      listener: `mqtts://127.0.0.1:${ports[0]}`,
      remoteAddress: '127.0.0.1',
      returnCode: 0,
      username: 'client1',
      tls: { protocol: 'TLSv1.3', servername: 'localhost' },
    });
    expect(connected?.tls?.cipher).toMatch(/^TLS_/);
    expect(connected?.clientCertificate?.issuer).toBe('CN=Test Intermediate CA');
    expect(connected?.clientCertificate?.serial).toMatch(/^[0-9A-F]+$/);
    for (const e of events) expect(e.message.length).toBeGreaterThan(0);
  });
});

describe('start failures name the line', () => {
  it('a missing file, and a port already in use', async () => {
    const missing = parseMosquittoConf(
      `listener ${ports[0]}\ncertfile nope.crt\nkeyfile server.key\n`,
      join(dir, 'bad.conf'),
    );
    await expect(startBroker(missing, { baseDir: dir })).rejects.toThrow(`${join(dir, 'bad.conf')}:2: `);
    const busy = parseMosquittoConf(
      `listener ${ports[1]} 127.0.0.1\nallow_anonymous true\n`,
      join(dir, 'busy.conf'),
    );
    try {
      await startBroker(busy, { baseDir: dir });
      throw new Error('started');
    } catch (error) {
      expect(isUserError(error)).toBe(true);
      expect((error as Error).message).toBe(
        `${join(dir, 'busy.conf')}:1: listener ${ports[1]}: port ${ports[1]} is already in use on 127.0.0.1`,
      );
    }
  });
});
