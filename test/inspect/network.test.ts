/**
 * Failures around the handshake, made with real sockets: refused, silent peers (nothing may hang),
 * foreign protocols, servers that drop a client silently, ALPN, HelloRetryRequest, CA names.
 */
import { readFileSync } from 'node:fs';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe, type InspectReport } from '../../src-main/core/inspect/index.js';
import { isUserError } from '../../src-main/core/user-error.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/tmp.js';
import { buildTestPki, type TestPki } from './openssl-pki.js';

const dir = tempDir('mts-inspect-net-');
let pki: TestPki;
const servers: NetServer[] = [];
const sockets = new Set<Socket>();

function codes(report: InspectReport): string[] {
  return report.problems.map((problem) => problem.code);
}

async function listen(server: NetServer): Promise<number> {
  servers.push(server);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return port;
}

function tlsServer(options: TlsOptions, onSecure?: (socket: Socket) => void): Promise<number> {
  const server = createTlsServer(
    { cert: readFileSync(pki.serverChain), key: readFileSync(pki.key('server')), ...options },
    (socket) => {
      socket.on('error', () => undefined);
      onSecure?.(socket);
    },
  );
  server.on('tlsClientError', () => undefined);
  return listen(server);
}

function trust() {
  return { caPem: readFileSync(pki.root.cert, 'utf8'), label: 'root.crt' };
}

beforeAll(() => {
  pki = buildTestPki(dir);
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

describe('nothing hangs', () => {
  it('connection refused', async () => {
    const port = await freePort();
    const report = await probe(`127.0.0.1:${port}`, { trust: trust() });
    expect(codes(report)).toEqual(['CONNECTION_REFUSED']);
    expect(report.problems[0]!.message).toContain(`127.0.0.1:${port}`);
  });

  it('a peer that accepts and never speaks ends with TIMEOUT within the set time', async () => {
    const port = await listen(createNetServer(() => undefined));
    const report = await probe(`127.0.0.1:${port}`, { trust: trust(), timeoutMs: 700 });
    expect(codes(report)).toEqual(['TIMEOUT']);
    expect(report.problems[0]!.message).toMatch(
      /waiting for an answer to the TLS ClientHello \(timeout 0\.7 s\)/,
    );
    expect(report.durationMs).toBeLessThan(700 + 1000);
  });

  it('a TLS server that never answers CONNECT ends with TIMEOUT waiting for the CONNACK', async () => {
    const port = await tlsServer({}, () => undefined);
    const report = await probe(`localhost:${port}`, { trust: trust(), mqtt: true, timeoutMs: 900 });
    expect(codes(report)).toEqual(['TIMEOUT']);
    expect(report.problems[0]!.message).toMatch(/CONNACK/);
    expect(report.protocol).toBe('TLSv1.3');
    expect(report.durationMs).toBeLessThan(900 + 1000);
  });

  it('an HTTP server on the port: NOT_TLS, saying what answered', async () => {
    const port = await listen(
      createNetServer((socket) => {
        socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'));
      }),
    );
    const report = await probe(`127.0.0.1:${port}`, { trust: trust() });
    expect(codes(report)).toEqual(['NOT_TLS']);
    expect(report.problems[0]!.message).toContain('HTTP/1.1 400 Bad Request');
  });
});

describe('servers other than Mosquitto', () => {
  it('a Node TLS server that drops an unknown client certificate silently: CLIENT_CERT_REJECTED', async () => {
    const port = await tlsServer({
      requestCert: true,
      rejectUnauthorized: true,
      ca: readFileSync(pki.caBundle),
    });
    const report = await probe(`localhost:${port}`, {
      trust: trust(),
      clientCert: {
        kind: 'pem',
        certPem: readFileSync(pki.rogueClient, 'utf8'),
        keyPem: readFileSync(pki.key('device-rogue'), 'utf8'),
      },
    });
    expect(codes(report)).toEqual(['CLIENT_CERT_REJECTED']);
    expect(report.clientAuth.accepted).toBe(false);
    // Node's server sends the names of the CAs it accepts; we report them.
    expect(report.clientAuth.acceptableCAs).toEqual(['CN=Inspect Test Root', 'CN=Inspect Test Intermediate']);
  });

  it('ALPN: the selected protocol is reported, and a refused one is explained', async () => {
    const port = await tlsServer({ ALPNProtocols: ['mqtt'] });
    const selected = await probe(`localhost:${port}`, { trust: trust(), alpn: ['x-amzn-mqtt-ca', 'mqtt'] });
    expect(selected.problems).toEqual([]);
    expect(selected.alpn).toBe('mqtt');
    const refused = await probe(`localhost:${port}`, { trust: trust(), alpn: ['x-amzn-mqtt-ca'] });
    expect(codes(refused)).toEqual(['HANDSHAKE_FAILED']);
    expect(refused.problems[0]!.message).toMatch(/ALPN.*x-amzn-mqtt-ca.*no_application_protocol/);
  });

  it('a HelloRetryRequest (server wants P-256): group reported, chain still read from the encrypted handshake', async () => {
    const port = await tlsServer({ ecdhCurve: 'P-256' });
    const report = await probe(`localhost:${port}`, { trust: trust() });
    expect(report.problems).toEqual([]);
    expect(report.helloRetryRequest).toBe(true);
    expect(report.keyExchange).toBe('secp256r1');
    expect(report.chain.map((certificate) => certificate.commonName)).toEqual([
      'localhost',
      'Inspect Test Intermediate',
    ]);
  });

  it('a TLS 1.2-only server and a client that requires 1.3: PROTOCOL_VERSION', async () => {
    const port = await tlsServer({ maxVersion: 'TLSv1.2' });
    const report = await probe(`localhost:${port}`, { trust: trust(), tlsMin: '1.3' });
    expect(codes(report)).toEqual(['PROTOCOL_VERSION']);
  });
});

describe('bad input is one clear error, before any traffic', () => {
  const attempt = (target: string, options = {}) =>
    probe(target, options).then(
      () => null,
      (error: unknown) => error as Error,
    );

  it('a target without a port, a bad scheme', async () => {
    const noPort = await attempt('localhost');
    expect(isUserError(noPort)).toBe(true);
    expect(noPort!.message).toMatch(/^target: "localhost" is not HOST:PORT/);
    const scheme = await attempt('http://localhost:80');
    expect(scheme!.message).toMatch(/scheme "http"/);
  });

  it('a CA file without certificates names the file', async () => {
    const error = await attempt('localhost:1', { trust: { caPem: 'hello', label: 'ca.pem' } });
    expect(isUserError(error)).toBe(true);
    expect(error!.message).toMatch(/^ca\.pem: /);
  });
});
