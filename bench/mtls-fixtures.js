// What bench/broker-compare.js and bench/handshake-variants.js share: the openssl-made mTLS certificates
// (root → intermediate → server/client, P-256), the broker conf both Mosquitto and ours run, a raw MQTT
// CONNECT over TLS (no client library in the measured path), and a bounded-concurrency pool.
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';

/** Certificates, CA file, server chain and ACL into `dir` (keys readable: Mosquitto drops root). */
export function makeCertificates(dir) {
  const run = (...a) => execFileSync('openssl', a, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  writeFileSync(
    join(dir, 'ext.cnf'),
    [
      '[req]',
      'distinguished_name=dn',
      '[dn]',
      '[ca]',
      'basicConstraints=critical,CA:TRUE',
      'keyUsage=critical,keyCertSign,cRLSign',
      '[server]',
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '[client]',
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=clientAuth',
      '',
    ].join('\n'),
  );
  const key = (name) =>
    run('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`);
  key('root');
  run(
    'req',
    '-x509',
    '-new',
    '-key',
    'root.key',
    '-subj',
    '/CN=Bench Root',
    '-days',
    '30',
    '-config',
    'ext.cnf',
    '-extensions',
    'ca',
    '-out',
    'root.crt',
  );
  const issue = (name, subject, issuer, ext, serial) => {
    key(name);
    run('req', '-new', '-key', `${name}.key`, '-subj', subject, '-config', 'ext.cnf', '-out', `${name}.csr`);
    run(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${issuer}.crt`,
      '-CAkey',
      `${issuer}.key`,
      '-set_serial',
      serial,
      '-days',
      '30',
      '-extfile',
      'ext.cnf',
      '-extensions',
      ext,
      '-out',
      `${name}.crt`,
    );
  };
  issue('inter', '/CN=Bench Intermediate', 'root', 'ca', '2');
  issue('server', '/CN=localhost', 'inter', 'server', '3');
  issue('client', '/CN=bench', 'inter', 'client', '4');
  const text = (f) => readFileSync(join(dir, f), 'utf8');
  writeFileSync(join(dir, 'ca.crt'), text('inter.crt') + text('root.crt'));
  writeFileSync(join(dir, 'server.chain.crt'), text('server.crt') + text('inter.crt'));
  for (const f of ['root.key', 'inter.key', 'server.key', 'client.key']) chmodSync(join(dir, f), 0o644);
  writeFileSync(join(dir, 'acl'), 'user bench\ntopic readwrite bench/#\npattern read clients/%c/#\n');
}

/** The conf every broker of the bench runs: one mTLS listener, CN as username, the ACL. */
export function confText(dir, port) {
  return [
    `acl_file ${dir}/acl`,
    `listener ${port} 127.0.0.1`,
    `cafile ${dir}/ca.crt`,
    `certfile ${dir}/server.chain.crt`,
    `keyfile ${dir}/server.key`,
    'require_certificate true',
    'use_identity_as_username true',
    '',
  ].join('\n');
}

/** CONNECT over TLS, resolving at CONNACK (0) with the socket (null on failure); kept open with `keep`. */
export function rawSession(port, clientId, { tls, protocolVersion, keep = false }) {
  const id = Buffer.from(clientId);
  const body = Buffer.concat([
    Buffer.from([0, 4]),
    Buffer.from('MQTT'),
    Buffer.from([protocolVersion, 0x02, 0, 0]), // level 4 or 5, clean session, keep-alive 0
    protocolVersion === 5 ? Buffer.from([0]) : Buffer.alloc(0), // MQTT 5: no properties
    Buffer.from([id.length >> 8, id.length & 0xff]),
    id,
  ]);
  const packet = Buffer.concat([Buffer.from([0x10, body.length]), body]);
  return new Promise((resolve) => {
    const socket = tlsConnect({ port, host: '127.0.0.1', servername: 'localhost', ...tls });
    const timer = setTimeout(() => finish(false), 30_000);
    let settled = false;
    function finish(ok) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!ok || !keep) socket.destroy();
      resolve(ok ? socket : null);
    }
    socket.once('secureConnect', () => socket.write(packet));
    socket.once('data', (data) => finish(data[0] === 0x20 && data[3] === 0));
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(false));
  });
}

/** Run `task(i)` for i < total, at most `concurrency` at once; the results in order. */
export async function pool(total, concurrency, task) {
  let next = 0;
  const results = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

/** `--help`: print the script's leading comment (its usage) and exit, instead of starting a long run. */
export function helpFromHeader(scriptUrl, args) {
  if (!args.includes('--help') && !args.includes('-h')) return;
  const lines = readFileSync(new URL(scriptUrl), 'utf8').split('\n');
  const header = [];
  for (const line of lines) {
    if (line.startsWith('#!')) continue;
    if (!line.startsWith('//')) break;
    header.push(line.replace(/^\/\/ ?/, ''));
  }
  console.log(header.join('\n'));
  process.exit(0);
}
