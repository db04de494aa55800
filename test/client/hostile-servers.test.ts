import { readFileSync } from 'node:fs';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientFailure, SessionManager } from '../../src-main/core/client/index.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/tmp.js';
import { makeTestPki, type TestPki } from './openssl-pki.js';

/**
 * Servers that misbehave: every wait must end in an explained error within the profile's deadline,
 * never a hang.
 */
let pki: TestPki;
const servers: Server[] = [];
const sockets = new Set<Socket>();
const manager = new SessionManager({ timeouts: { operationMs: 2000, disconnectMs: 1000 } });

beforeAll(async () => {
  pki = await makeTestPki(tempDir('mts-client-hostile-'));
});

afterAll(async () => {
  await manager.closeAll();
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

async function listen(server: Server): Promise<number> {
  const port = await freePort();
  servers.push(server);
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return port;
}

function tlsServer(
  options: Parameters<typeof createTlsServer>[0],
  onSecure: (socket: Socket) => void,
): Server {
  const server = createTlsServer(
    { key: readFileSync(pki.serverKey), cert: readFileSync(pki.serverChain), ...options },
    onSecure,
  );
  server.on('tlsClientError', () => undefined);
  return server;
}

async function failure(promise: Promise<unknown>, withinMs: number): Promise<ClientFailure> {
  const started = Date.now();
  try {
    await promise;
  } catch (error) {
    expect(Date.now() - started).toBeLessThan(withinMs);
    if (error instanceof ClientFailure) {
      if (process.env.SHOW_PROBLEMS)
        console.log(`${error.problem.code}: ${error.message}\n   detail: ${error.problem.detail}`);
      return error;
    }
    throw error;
  }
  throw new Error('expected a failure');
}

const trust = () => ({ trust: { kind: 'file', path: pki.rootCrt } });

describe('ALPN', () => {
  it('offers the ALPN list of the profile: a match connects and is shown, no match is explained', async () => {
    const { Aedes } = (await import('aedes')) as unknown as {
      Aedes: {
        createBroker: () => Promise<{ handle: (s: Socket) => void; close: (cb: () => void) => void }>;
      };
    };
    const broker = await Aedes.createBroker();
    const port = await listen(tlsServer({ ALPNProtocols: ['mqtt'] }, (socket) => broker.handle(socket)));
    const ok = await manager.connect({
      name: 'alpn',
      url: `mqtts://localhost:${port}`,
      connectTimeout: 5,
      tls: { ...trust(), alpn: ['mqtt'] },
    });
    expect(ok.tls?.alpn).toBe('mqtt');
    await manager.remove(ok.id);
    const error = await failure(
      manager.connect({
        name: 'alpn-bad',
        url: `mqtts://localhost:${port}`,
        connectTimeout: 5,
        tls: { ...trust(), alpn: ['x-amzn-mqtt-ca'] },
      }),
      4000,
    );
    expect(error.problem.code).toBe('HANDSHAKE_FAILED');
    expect(error.message).toMatch(/ALPN/);
    await new Promise<void>((r) => broker.close(() => r()));
  });
});

describe('servers that do not answer', () => {
  it('a TCP server that never answers CONNECT gives a timeout error', async () => {
    const port = await listen(createNetServer(() => undefined));
    const error = await failure(
      manager.connect({ name: 'silent', url: `mqtt://127.0.0.1:${port}`, connectTimeout: 1 }),
      4000,
    );
    expect(error.problem.code).toBe('TIMEOUT');
    expect(error.message).toMatch(/no answer from 127\.0\.0\.1:\d+ within 1000 ms/);
  });

  it('a port that accepts TCP but never speaks TLS gives a TLS timeout', async () => {
    const port = await listen(createNetServer(() => undefined));
    const error = await failure(
      manager.connect({
        name: 'silent-tls',
        url: `mqtts://localhost:${port}`,
        connectTimeout: 1,
        tls: trust(),
      }),
      4000,
    );
    expect(error.problem.code).toBe('TIMEOUT');
    expect(error.message).toMatch(/no TLS handshake/);
  });

  it('a TLS server that completes the handshake and then drops us is an error, not a hang', async () => {
    const port = await listen(tlsServer({}, (socket) => socket.destroy()));
    const error = await failure(
      manager.connect({ name: 'dropper', url: `mqtts://localhost:${port}`, connectTimeout: 5, tls: trust() }),
      4000,
    );
    expect(error.problem.code).toBe('CLIENT_CERT_REQUIRED');
    expect(error.message).toMatch(/closed the connection/);
  });

  it('a TLS 1.3 server that silently refuses our client certificate is explained', async () => {
    const port = await listen(
      tlsServer(
        {
          requestCert: true,
          rejectUnauthorized: true,
          ca: readFileSync(pki.caBundle),
          minVersion: 'TLSv1.3',
        },
        () => undefined,
      ),
    );
    const error = await failure(
      manager.connect({
        name: 'rogue',
        url: `mqtts://localhost:${port}`,
        connectTimeout: 5,
        tls: { ...trust(), clientCert: { kind: 'files', certPath: pki.rogueCrt, keyPath: pki.rogueKey } },
      }),
      4000,
    );
    expect(error.problem.code).toBe('CLIENT_CERT_REJECTED');
  });

  it('a TLS server that answers garbage instead of MQTT is explained', async () => {
    const port = await listen(tlsServer({}, (socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n')));
    const error = await failure(
      manager.connect({ name: 'http', url: `mqtts://localhost:${port}`, connectTimeout: 5, tls: trust() }),
      4000,
    );
    expect(error.problem.code).toBe('MQTT_REFUSED');
    expect(error.message).toMatch(/not MQTT/);
  });

  it('disconnecting while connecting cancels cleanly', async () => {
    const port = await listen(createNetServer(() => undefined));
    const session = manager.open({ name: 'cancel', url: `mqtt://127.0.0.1:${port}`, connectTimeout: 10 });
    const connecting = session.connect();
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await session.disconnect();
    await expect(connecting).rejects.toThrow(/cancelled/);
    expect(Date.now() - started).toBeLessThan(2500);
    expect(session.state).toBe('disconnected');
  });
});
