import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningMosquitto } from '../helpers/mosquitto.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { cli, run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';
import { brokerConf, mtlsListener } from './conf-lines.js';
import { exportWorkshop, writeBrokerSettings } from './fixtures.js';
import { readmeCommands, received, shell, subscribe } from './mosquitto-clients.js';
import { mosquittoUser, opensslPki } from './openssl-pki.js';

/** `mqtt-tls-studio export mosquitto` and `import mosquitto`, run as a user runs them (the built CLI). */
describe('CLI: export mosquitto / import mosquitto', () => {
  const root = tempDir('mts-export-cli-');
  const wsDir = join(root, 'ws');
  const out = join(root, 'prod');
  let port: number;
  let broker: RunningMosquitto | undefined;

  beforeAll(async () => {
    const ws = await exportWorkshop(wsDir);
    port = await freePort();
    writeBrokerSettings(ws, brokerConf('allow_anonymous false', 'acl_file acl.conf', mtlsListener(port)), {
      'acl.conf': 'pattern readwrite devices/%u/#\n',
    });
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('--help shows the usage and examples', async () => {
    const r = await cli(['export', 'mosquitto', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('mqtt-tls-studio export mosquitto --out DIR [--path-prefix PREFIX]');
    expect(r.stdout).toContain('Examples:');
  });

  it('writes DIR/mosquitto.conf and every file it names; mosquitto -c DIR/mosquitto.conf starts with it unchanged', async () => {
    const r = await cli(['export', 'mosquitto', '--out', out, '--workspace', wsDir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`wrote ${out}/ (`);
    expect(r.stdout).toContain('  clients/device-1/README.txt');
    const conf = readFileSync(join(out, 'mosquitto.conf'), 'utf8');
    for (const file of ['certs/ca.crt', 'certs/server.crt', 'certs/server.key', 'acl.conf']) {
      expect(conf).toContain(`${out}/${file}`);
      expect(existsSync(join(out, file))).toBe(true);
    }
    for (const file of ['ca.crt', 'device-1.crt', 'device-1.key', 'README.txt']) {
      expect(existsSync(join(out, 'clients/device-1', file))).toBe(true);
    }
    expect(statSync(join(out, 'clients/device-1/device-1.key')).mode & 0o777).toBe(0o600);
    // Written by root: the server key already belongs to the user Mosquitto drops to.
    expect(r.stdout).toContain('gave certs/server.key to the user "mosquitto"');
    expect(statSync(join(out, 'certs/server.key')).uid).toBe(mosquittoUser().uid);
    expect(statSync(join(out, 'clients/device-1/device-1.key')).uid).toBe(0);
    chmodSync(root, 0o755); // the temp folder itself is 0700
    // `mosquitto -c DIR/mosquitto.conf`, the file as written:
    const started = await startMosquitto(out, conf, port);
    broker = started;
    const dir = join(out, 'clients/device-1');
    const { sub, pub } = readmeCommands(readFileSync(join(dir, 'README.txt'), 'utf8'));
    const s = subscribe(sub, dir);
    await s.subscribed;
    expect((await shell(pub, dir)).code).toBe(0);
    expect(received((await s.done).stdout)).toEqual(['devices/device-1/hello hello from device-1']);
    await started.stop();
    broker = undefined;
  });

  it('--path-prefix puts every path under PREFIX; --json prints the result', async () => {
    const dir = join(root, 'etc');
    const r = await cli([
      'export',
      'mosquitto',
      '--out',
      dir,
      '--path-prefix',
      '/etc/mosquitto',
      '--workspace',
      wsDir,
      '--json',
    ]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ kind: 'folder', prefix: '/etc/mosquitto', target: dir });
    expect(doc.files).toContain('certs/server.key');
    const conf = readFileSync(join(dir, 'mosquitto.conf'), 'utf8');
    expect(conf).toContain('certfile /etc/mosquitto/certs/server.crt');
    expect(conf).not.toContain(dir);
  });

  it('--out NAME.tar.gz writes one archive; --p12-passphrase-file adds PKCS#12 files openssl opens', async () => {
    const pass = join(root, 'pass.txt');
    writeFileSync(pass, 'bundle secret\n');
    const archive = join(root, 'bundle.tar.gz');
    const r = await cli([
      'export',
      'mosquitto',
      '--out',
      archive,
      '--p12-passphrase-file',
      pass,
      '--workspace',
      wsDir,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const list = await run('tar', ['-tzf', archive]);
    expect(list.stdout.split('\n')).toEqual(
      expect.arrayContaining(['mosquitto.conf', 'clients/device-1/device-1.p12']),
    );
    const unpacked = join(root, 'unpacked');
    await run('mkdir', ['-p', unpacked]);
    await run('tar', ['-xzf', archive, '-C', unpacked]);
    expect(readFileSync(join(unpacked, 'mosquitto.conf'), 'utf8')).toContain(
      'cafile /etc/mosquitto/certs/ca.crt',
    );
    const info = await run('openssl', [
      'pkcs12',
      '-in',
      join(unpacked, 'clients/device-1/device-1.p12'),
      '-passin',
      'pass:bundle secret',
      '-nokeys',
      '-info',
    ]);
    expect(info.code).toBe(0);
    expect(info.stdout).toContain('subject=CN = device-1');
  });

  it('a workspace without broker settings: exit 1, one line naming the file, nothing written', async () => {
    const empty = join(root, 'empty-ws');
    const target = join(root, 'not-written');
    const r = await cli(['export', 'mosquitto', '--out', target, '--workspace', empty]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: .*broker\/mosquitto\.conf: the workspace has no broker settings yet/);
    expect(existsSync(target)).toBe(false);
  });

  it('--out is required (exit 2)', async () => {
    const r = await cli(['export', 'mosquitto', '--workspace', wsDir]);
    expect(r.code).toBe(2);
  });

  it('import mosquitto reads a production conf; a bad line exits 1 with FILE:LINE', async () => {
    const prod = tempDir('mts-export-cli-prod-');
    opensslPki(prod);
    const good = join(prod, 'mosquitto.conf');
    writeFileSync(
      good,
      [
        'allow_anonymous false',
        'listener 8883',
        `cafile ${prod}/ca.crt`,
        `certfile ${prod}/server.crt`,
        `keyfile ${prod}/server.key`,
        'require_certificate true',
        'memory_limit 100000000',
        '',
      ].join('\n'),
    );
    const target = join(root, 'imported-ws');
    const r = await cli(['import', 'mosquitto', good, '--workspace', target]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `not carried over: ${good}:7: memory_limit 100000000 (not supported by the local broker)`,
    );
    expect(readFileSync(join(target, 'broker/mosquitto.conf'), 'utf8')).toContain('certfile server.crt');
    const bad = join(prod, 'bad.conf');
    writeFileSync(bad, 'listener 8883\nrequire_certificate perhaps\n');
    const again = await cli(['import', 'mosquitto', bad, '--workspace', target, '--replace']);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      `error: ${bad}:2: invalid require_certificate value "perhaps": use true or false\n`,
    );
  });
});
