import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import {
  createServer as createTlsServer,
  type Server as TlsServer,
  type TlsOptions,
  type TLSSocket,
} from 'node:tls';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import { wsLibrary } from '../client/commonjs-libraries.js';
import { hasCertificateTls, hasPskTls, listenerScheme, type ListenerSettings } from '../conf/index.js';
import { newConnectionState, readTlsSocket, type ConnectionState } from './connection-state.js';
import type { BrokerEventInput } from './events.js';
import { handshakeRefusal, type Refusal } from './refusal-reasons.js';
import type * as Revocation from './revocation.js';
import type { SecurityScope } from './security-store.js';
import { loadListenerTls, type ListenerTlsMaterial } from './tls-context.js';
import type { AddressInfo } from 'node:net';
import { bindHosts, isLoopbackAddress, reachableAddresses, urlOf, type DefaultBind } from './bind-hosts.js';

export interface ListenerHooks {
  /** Hand an accepted connection (TLS done) to the MQTT broker. */
  accept(conn: Duplex, state: ConnectionState, req?: IncomingMessage): void;
  emit(event: BrokerEventInput): void;
  nextConnectionId(): number;
}

/** What the UI and the CLI show for a listener. */
export interface ListenerStatus {
  index: number;
  url: string;
  scheme: 'mqtt' | 'mqtts' | 'ws' | 'wss';
  host: string;
  port: number;
  bindAddress?: string;
  /** Every URL it answers on: one per socket address (a wildcard bind: every address of this host). */
  urls: string[];
  /** The socket addresses it really listens on (what the kernel says), e.g. ['127.0.0.1', '::1']. */
  listeningOn: string[];
  /** True when a peer on the network can reach it (bound to a wildcard or a non-loopback address). */
  network: boolean;
  /** One line: TLS version floor, client certificates, PSK, username source. */
  tls: string;
  requireCertificate: boolean;
  usernameFrom: 'connect' | 'certificate CN' | 'certificate subject' | 'PSK identity';
  file?: string;
  line?: number;
}

function urlHost(bindAddress: string | undefined): string {
  if (!bindAddress || bindAddress === '0.0.0.0' || bindAddress === '::') return '127.0.0.1';
  return bindAddress.includes(':') ? `[${bindAddress}]` : bindAddress;
}

/** One listener of the conf: its server(s), TLS context (reloadable) and open sockets. */
export class ListenerRuntime {
  url: string;
  urls: string[] = [];
  private bound: { address: string; family: string }[] = [];
  readonly scheme: ListenerStatus['scheme'];
  material?: ListenerTlsMaterial;
  /** The CRL check, loaded by a listener with a crlfile only (revocation.ts). */
  private revocation?: typeof Revocation;
  private servers: (NetServer | HttpServer | TlsServer)[] = [];
  private wsses: WebSocketServer[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly pskIdentities = new WeakMap<TLSSocket, string>();

  constructor(
    readonly index: number,
    readonly settings: ListenerSettings,
    private readonly baseDir: string,
    readonly scope: SecurityScope,
    private readonly hooks: ListenerHooks,
    private readonly location: { file?: string; line?: number },
    private readonly defaultBind: DefaultBind = 'any',
  ) {
    this.scheme = listenerScheme(settings);
    this.url = `${this.scheme}://${urlHost(settings.bindAddress)}:${settings.port}`;
  }

  status(): ListenerStatus {
    const s = this.settings;
    const usernameFrom: ListenerStatus['usernameFrom'] =
      (s.useIdentityAsUsername || s.useSubjectAsUsername) && (hasCertificateTls(s) || hasPskTls(s))
        ? hasPskTls(s)
          ? 'PSK identity'
          : s.useIdentityAsUsername
            ? 'certificate CN'
            : 'certificate subject'
        : 'connect';
    const parts: string[] = [];
    if (hasCertificateTls(s)) {
      parts.push(`TLS ≥ ${s.tlsVersion === 'tlsv1.3' ? '1.3' : s.tlsVersion === 'tlsv1.1' ? '1.1' : '1.2'}`);
      parts.push(s.requireCertificate ? 'client certificate required' : 'no client certificate');
      if (s.crlfile) parts.push('CRL checked');
    } else if (hasPskTls(s)) {
      parts.push(`TLS-PSK (hint "${s.pskHint}")`);
    } else {
      parts.push('no TLS');
    }
    if (usernameFrom !== 'connect') parts.push(`username = ${usernameFrom}`);
    else if (this.scope.passwordPath) parts.push('password file');
    if (this.scope.allowAnonymous) parts.push('anonymous allowed');
    if (this.scope.aclPath) parts.push('ACL');
    const status: ListenerStatus = {
      index: this.index,
      url: this.url,
      scheme: this.scheme,
      host: (this.urls[0] ?? this.url).replace(/^\w+:\/\/\[?/, '').replace(/\]?:\d+$/, ''),
      port: s.port,
      urls: this.urls.length > 0 ? [...this.urls] : [this.url],
      listeningOn: this.bound.map((b) => b.address),
      network: this.bound.some((b) => !isLoopbackAddress(b.address)),
      tls: parts.join(', '),
      requireCertificate: Boolean(s.requireCertificate),
      usernameFrom,
    };
    if (s.bindAddress) status.bindAddress = s.bindAddress;
    if (this.location.file) status.file = this.location.file;
    if (this.location.line !== undefined) status.line = this.location.line;
    return status;
  }

  async listen(): Promise<void> {
    const s = this.settings;
    const tls = hasCertificateTls(s) || hasPskTls(s);
    if (s.crlfile && hasCertificateTls(s)) this.revocation = await import('./revocation.js');
    if (tls) this.material = loadListenerTls(s, this.baseDir, this.revocation);
    const tlsOptions: TlsOptions = {
      ...(this.material?.context ?? {}),
      requestCert: Boolean(s.requireCertificate) && hasCertificateTls(s),
      rejectUnauthorized: false,
      handshakeTimeout: 10_000,
    };
    if (hasPskTls(s)) {
      tlsOptions.pskIdentityHint = s.pskHint;
      tlsOptions.pskCallback = (socket: TLSSocket, identity: string) => {
        this.pskIdentities.set(socket, identity);
        return this.scope.psk?.identities.get(identity)?.key ?? null;
      };
    }

    const hosts = bindHosts(s.bindAddress, this.defaultBind);
    for (const host of hosts) {
      const server = this.createServer(tlsOptions, tls);
      try {
        await this.listenOn(server, host);
      } catch (error) {
        // ::1 is missing where IPv6 is off: loopback on 127.0.0.1 alone is still loopback.
        const code = (error as { code?: string }).code;
        if (
          host === '::1' &&
          this.servers.length > 0 &&
          (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT')
        )
          continue;
        await this.close();
        throw error;
      }
      this.servers.push(server);
      this.bound.push(server.address() as AddressInfo);
    }
    const urls = new Set<string>();
    for (const bound of this.bound)
      for (const address of reachableAddresses(bound)) urls.add(urlOf(this.scheme, address, s.port));
    this.urls = [...urls];
    this.url = this.urls[0] ?? this.url;
  }

  private createServer(tlsOptions: TlsOptions, tls: boolean): NetServer | HttpServer | TlsServer {
    const s = this.settings;
    let server: NetServer | HttpServer | TlsServer;
    if (s.protocol === 'websockets') {
      const { createWebSocketStream, WebSocketServer } = wsLibrary();
      const http: HttpServer = tls ? createHttpsServer(tlsOptions) : createHttpServer();
      http.on('request', (_req, res) => {
        res.writeHead(426, { 'content-type': 'text/plain' });
        res.end('This is an MQTT over WebSocket listener.\n');
      });
      server = http;
      const wss = new WebSocketServer({
        server: http,
        handleProtocols: (protocols) =>
          protocols.has('mqtt')
            ? 'mqtt'
            : protocols.has('mqttv3.1')
              ? 'mqttv3.1'
              : ([...protocols][0] ?? false),
      });
      this.wsses.push(wss);
      wss.on('connection', (ws, req) => {
        const socket = req.socket;
        const state = newConnectionState(this.hooks.nextConnectionId(), this.index, this.url, socket);
        const reading = tls
          ? readTlsSocket(
              state,
              socket as TLSSocket,
              tlsOptions.requestCert === true,
              undefined,
              Boolean(s.crlfile),
            )
          : undefined;
        const stream = createWebSocketStream(ws);
        stream.on('error', () => undefined);
        this.handOver(reading, stream, state, req);
      });
      wss.on('error', () => undefined);
    } else if (tls) {
      server = createTlsServer(tlsOptions, (socket) => {
        const state = newConnectionState(this.hooks.nextConnectionId(), this.index, this.url, socket);
        const reading = readTlsSocket(
          state,
          socket,
          tlsOptions.requestCert === true,
          this.pskIdentities.get(socket),
          Boolean(s.crlfile),
        );
        this.handOver(reading, socket, state);
      });
    } else {
      server = createNetServer((socket) => {
        const state = newConnectionState(this.hooks.nextConnectionId(), this.index, this.url, socket);
        socket.once('data', (chunk: Buffer) => {
          state.firstByte = chunk[0];
        });
        this.hooks.accept(socket, state);
      });
    }
    if (tls) {
      server.on('tlsClientError', (error: Error & { code?: string }, socket: TLSSocket) => {
        const identity = this.pskIdentities.get(socket);
        const known = identity !== undefined && Boolean(this.scope.psk?.identities.has(identity));
        const refusal = handshakeRefusal(error, identity, known);
        const id = this.hooks.nextConnectionId();
        const remoteAddress = (socket.remoteAddress ?? 'unknown').replace(/^::ffff:/, '');
        this.hooks.emit({
          kind: 'refused',
          level: 'warning',
          message: `refused ${remoteAddress} on ${this.url} in the TLS handshake: ${refusal.reason}`,
          listener: this.url,
          connection: id,
          remoteAddress,
          ...(socket.remotePort !== undefined ? { remotePort: socket.remotePort } : {}),
          ...(identity !== undefined ? { tls: { pskIdentity: identity } } : {}),
          reason: refusal.reason,
          problem: refusal.problem,
        });
      });
    }
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    return server;
  }

  /**
   * Hand a connection to the broker, once its client certificate is read: at once, or (a certificate only
   * the full parse reads, see readTlsSocket) when that parse is done; meanwhile its bytes wait in the
   * paused stream. (An error meanwhile is not unhandled: a TLSSocket always has Node's own 'error'
   * listener, the WebSocket stream ours; the broker then gets the connection closed.)
   */
  private handOver(
    reading: Promise<void> | undefined,
    conn: Duplex,
    state: ConnectionState,
    req?: IncomingMessage,
  ): void {
    if (reading) void reading.then(() => this.hooks.accept(conn, state, req));
    else this.hooks.accept(conn, state, req);
  }

  private listenOn(server: NetServer | HttpServer | TlsServer, host: string | undefined): Promise<void> {
    const s = this.settings;
    return new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        server.off('listening', onListening);
        reject(
          Object.assign(
            new Error(
              error.code === 'EADDRINUSE'
                ? `port ${s.port} is already in use${host ? ` on ${host}` : ''}`
                : error.code === 'EACCES'
                  ? `no permission to listen on port ${s.port}`
                  : error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND'
                    ? `cannot bind to ${host}: no such local address`
                    : error.message,
            ),
            { code: error.code },
          ),
        );
      };
      const onListening = () => {
        server.off('error', onError);
        server.on('error', () => undefined);
        resolve();
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen({ port: s.port, host });
    });
  }

  /** Re-read certificate, key, CA and CRL files; the new context serves the next handshakes. */
  reloadTls(): void {
    if (!hasCertificateTls(this.settings) || this.servers.length === 0) return;
    const material = loadListenerTls(this.settings, this.baseDir, this.revocation);
    for (const server of this.servers)
      (server as unknown as { setSecureContext(o: object): void }).setSecureContext(material.context);
    this.material = material;
  }

  /**
   * The crlfile's verdict on a client's leaf certificate (its issuer as OpenSSL linked it); undefined
   * when the listener has no crlfile or the leaf passes. Throws when the certificate cannot be read.
   */
  leafRevocation(leafDer: Buffer, issuerDer: Buffer | undefined): Refusal | undefined {
    const crls = this.material?.crls;
    if (!crls || !this.revocation) return undefined;
    return this.revocation.leafRevocation(leafDer, issuerDer, crls);
  }

  async close(): Promise<void> {
    const servers = this.servers.splice(0);
    for (const wss of this.wsses.splice(0)) wss.close();
    const closed = servers.map(
      (server) =>
        new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve())),
    );
    for (const socket of this.sockets) socket.destroy();
    await Promise.all(closed);
  }
}
