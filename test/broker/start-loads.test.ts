import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runBuilt } from '../helpers/built-child.js';
import { opensslOk } from '../helpers/openssl.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/tmp.js';
import { makeTestPki, type TestPki } from './openssl-pki.js';

/**
 * The broker process loads only what its conf needs (issue #12, idle memory): mqtt.js (bridges), ws
 * (websockets listeners) and the workshop's @peculiar ASN.1 stack (crlfile; the full parse of a client
 * certificate OpenSSL's decoding does not carry exactly) are loaded when a conf or a connection needs them,
 * not with the broker. Each case starts the built broker (out/node: `npm run build:node`) in a fresh Node,
 * lets a client connect over mTLS with a raw CONNECT, and lists the packages in Node's CommonJS module cache
 * (all four are CommonJS, so each one loaded shows there). The cases that need a package prove the list
 * sees it.
 */
const LAZY = /^(mqtt|ws|asn1js|@peculiar\/.*)$/;

let pki: TestPki;
const dir = tempDir('mts-start-loads-');

beforeAll(async () => {
  pki = await makeTestPki(join(dir, 'pki'));
  // A client whose subject has an attribute type outside the workshop's table (OpenSSL's multi-line
  // print cannot carry it as RFC 2253 does: `1.2.3.4=#0C0141`), signed by the intermediate. (openssl req
  // skips an attribute type it has no name for: odd.cnf names it.)
  writeFileSync(
    pki.path('odd.cnf'),
    'oid_section = new_oids\n[new_oids]\ntestAttr = 1.2.3.4\n[req]\ndistinguished_name = dn\n[dn]\n',
  );
  const run = (args: string[]) => opensslOk(args, pki.dir);
  await run(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'odd.key']);
  await run([
    'req',
    '-new',
    '-key',
    'odd.key',
    '-subj',
    '/testAttr=A/CN=odd',
    '-config',
    'odd.cnf',
    '-out',
    'odd.csr',
  ]);
  await run(
    ['x509', '-req', '-in', 'odd.csr', '-CA', 'inter.crt', '-CAkey', 'inter.key', '-set_serial', '77'].concat(
      ['-days', '30', '-extfile', 'openssl.cnf', '-extensions', 'x_client', '-out', 'odd.crt'],
    ),
  );
}, 60_000);

interface Outcome {
  packages: string[];
  connack?: number;
  events: string[];
}

/**
 * Start the broker from `conf` in a fresh Node, connect `client` (if any) with mTLS and a CONNECT, list
 * what is loaded. `resetFirst`: a client that resets its connection right after the handshake, before it.
 */
async function startAndList(
  conf: string,
  port: number,
  client?: string,
  options: { waitMs?: number; resetFirst?: string } = {},
): Promise<Outcome> {
  const code = `
    import { readFileSync } from 'node:fs';
    import { createRequire } from 'node:module';
    import { createConnection } from 'node:net';
    import { connect } from 'node:tls';
    import { parseMosquittoConf } from './out/node/core/conf/index.js';
    import { startBroker } from './out/node/core/broker/start-broker.js';
    const events = [];
    const broker = await startBroker(parseMosquittoConf(${JSON.stringify(conf)}, 'test.conf'), {
      baseDir: ${JSON.stringify(pki.dir)},
      onEvent: (e) => events.push(e.message),
    });
    const path = (name) => ${JSON.stringify(pki.dir)} + '/' + name;
    const open = (name, socket) => connect({ host: '127.0.0.1', port: ${port}, servername: 'localhost', socket,
      ca: readFileSync(path('ca.crt')), cert: readFileSync(path(name + '.crt')),
      key: readFileSync(path(name + '.key')) });
    const resetFirst = ${JSON.stringify(options.resetFirst ?? null)};
    if (resetFirst) {
      const raw = createConnection({ host: '127.0.0.1', port: ${port} });
      const socket = open(resetFirst, raw);
      // TLS 1.3: the server's session ticket comes once it has taken the client's certificate
      await new Promise((resolve) => socket.once('session', resolve));
      raw.resetAndDestroy();
      await new Promise((r) => setTimeout(r, 500));
    }
    let connack;
    const client = ${JSON.stringify(client ?? null)};
    if (client) {
      const socket = open(client);
      const id = Buffer.from('loads');
      // MQTT 3.1.1 CONNECT, clean session, keep-alive 60, client id "loads"
      const connectPacket = Buffer.concat([Buffer.from([0x10, 12 + id.length, 0, 4]), Buffer.from('MQTT'),
        Buffer.from([4, 2, 0, 60, 0, id.length]), id]);
      connack = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no CONNACK')), 10000);
        socket.once('secureConnect', () => socket.write(connectPacket));
        socket.once('data', (d) => (clearTimeout(timer), resolve(d[0] === 0x20 ? d[3] : -1)));
        socket.once('error', reject);
      });
      socket.end();
    }
    await new Promise((r) => setTimeout(r, ${options.waitMs ?? 0}));
    const packages = new Set();
    for (const file of Object.keys(createRequire(import.meta.url).cache)) {
      const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(file);
      if (m) packages.add(m[1]);
    }
    await broker.stop();
    console.log(JSON.stringify({ packages: [...packages].sort(), connack, events }));
  `;
  const out = await runBuilt(code, 30_000);
  expect(out.stderr).toBe('');
  expect(out.finished).toBe(true);
  return out.result as Outcome;
}

function mtlsListener(port: number, extra: string[] = []): string[] {
  return [
    `listener ${port} 127.0.0.1`,
    `cafile ${pki.path('ca.crt')}`,
    `certfile ${pki.path('server.chain.crt')}`,
    `keyfile ${pki.path('server.key')}`,
    'require_certificate true',
    'use_identity_as_username true',
    ...extra,
  ];
}

const lazyOf = (outcome: Outcome) => outcome.packages.filter((p) => LAZY.test(p));

describe('the broker loads only what its conf needs', () => {
  it('a plain mTLS conf and a client: none of mqtt.js, ws, @peculiar/*, asn1js', async () => {
    const port = await freePort();
    const outcome = await startAndList(mtlsListener(port).join('\n') + '\n', port, 'client1');
    expect(outcome.connack).toBe(0);
    expect(outcome.packages).toContain('aedes'); // the list does see CommonJS packages
    expect(lazyOf(outcome)).toEqual([]);
  });

  it('a client certificate only the full parse reads loads the parser at its connection, and is accepted as the parse reads it', async () => {
    const port = await freePort();
    const outcome = await startAndList(mtlsListener(port).join('\n') + '\n', port, 'odd');
    expect(outcome.connack).toBe(0);
    expect(outcome.events.join('\n')).toMatch(
      /connected client "loads" as "odd" .*client certificate "CN=odd,1\.2\.3\.4=#0C0141"/,
    );
    expect(lazyOf(outcome)).toEqual(expect.arrayContaining(['@peculiar/asn1-x509', 'asn1js']));
    expect(lazyOf(outcome).filter((p) => p === 'mqtt' || p === 'ws')).toEqual([]);
  });

  it('a client that resets while its certificate is being parsed: logged as closed before CONNECT, the broker serves on', async () => {
    const port = await freePort();
    const outcome = await startAndList(mtlsListener(port).join('\n') + '\n', port, 'client1', {
      resetFirst: 'odd',
    });
    expect(outcome.connack).toBe(0);
    expect(outcome.events.join('\n')).toMatch(
      /closed 127\.0\.0\.1:\d+ on .* before any MQTT CONNECT .*client certificate "CN=odd,1\.2\.3\.4=#0C0141"/,
    );
  });

  it('a crlfile loads the CRL check (the @peculiar stack) at start, and it refuses a revoked client', async () => {
    const port = await freePort();
    const conf = mtlsListener(port, [`crlfile ${pki.path('inter.crl')}`]).join('\n') + '\n';
    const accepted = await startAndList(conf, port, 'client1');
    expect(accepted.connack).toBe(0);
    expect(lazyOf(accepted)).toEqual(expect.arrayContaining(['@peculiar/asn1-x509']));
    expect(lazyOf(accepted).filter((p) => p === 'mqtt' || p === 'ws')).toEqual([]);
    const revoked = await startAndList(conf, port, 'client2');
    expect(revoked.connack).toBe(5);
    expect(revoked.events.join('\n')).toMatch(/certificate revoked by the CRL of Test Intermediate CA/);
  });

  it('a websockets listener loads ws, a bridge mqtt.js', async () => {
    const [port, wsPort, deadPort] = await Promise.all([freePort(), freePort(), freePort()]);
    const websockets = await startAndList(
      [
        'per_listener_settings true',
        ...mtlsListener(port),
        `listener ${wsPort} 127.0.0.1`,
        'protocol websockets',
        'allow_anonymous true',
        '',
      ].join('\n'),
      port,
      'client1',
    );
    expect(websockets.connack).toBe(0);
    expect(lazyOf(websockets)).toEqual(['ws']);
    const bridged = await startAndList(
      [
        ...mtlsListener(port),
        'connection loads',
        `address 127.0.0.1:${deadPort}`,
        'topic loads/# out 0',
        '',
      ].join('\n'),
      port,
      undefined,
      { waitMs: 300 },
    );
    expect(lazyOf(bridged)).toContain('mqtt');
    expect(lazyOf(bridged).filter((p) => p.startsWith('@peculiar/') || p === 'ws')).toEqual([]);
  });
});
