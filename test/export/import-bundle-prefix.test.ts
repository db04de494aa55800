import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportMosquitto, exportMosquittoTarGz } from '../../src-main/core/export/export-mosquitto.js';
import { importMosquittoConf } from '../../src-main/core/export/import-mosquitto.js';
import { Workspace } from '../../src-main/core/workspace/workspace.js';
import { run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';
import { brokerConf, mtlsListener, tlsListener } from './conf-lines.js';
import { exportWorkshop, passwordLine, writeBrokerSettings } from './fixtures.js';

/**
 * Export then import of the same bundle (#19 item 5): a bundle made for production names its files
 * under /etc/mosquitto; imported from the export folder or an unpacked .tar.gz, those paths map back
 * to the bundle folder.
 */
describe('import of an exported bundle maps the production prefix back to the bundle folder', () => {
  const root = tempDir('mts-import-prefix-');
  let ws: Workspace;
  const conf = brokerConf(
    'per_listener_settings false',
    'allow_anonymous false',
    'password_file passwd',
    'acl_file acl.conf',
    '',
    mtlsListener(18883),
    tlsListener(18884),
  );

  beforeAll(async () => {
    ws = await exportWorkshop(join(root, 'ws'));
    writeBrokerSettings(ws, conf, {
      passwd: `${passwordLine('operator', 'op-secret')}\n`,
      'acl.conf': 'pattern readwrite devices/%u/#\n\nuser operator\ntopic readwrite #\n',
    });
  });

  /** The conf's settings without comments and blank lines. */
  const body = (file: string) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'))
      .join('\n');

  it('from the export folder: every /etc/mosquitto path is read from the folder, and a new export is the same', () => {
    const first = exportMosquitto(ws, {
      outDir: join(root, 'bundle'),
      pathPrefix: '/etc/mosquitto',
      clients: false,
    });
    const confFile = join(first.target, 'mosquitto.conf');
    expect(readFileSync(confFile, 'utf8')).toContain('certfile /etc/mosquitto/certs/server.crt');

    const ws2 = new Workspace(join(tempDir('mts-import-prefix-ws-'), 'ws'));
    const report = importMosquittoConf(ws2, confFile);
    expect(report.pathPrefix).toMatchObject({
      from: '/etc/mosquitto',
      to: first.target,
      how: 'export header',
    });
    expect(report.pathPrefix!.options.map((o) => `${o.option} ${o.path}`).sort()).toEqual([
      'acl_file acl.conf',
      'cafile certs/ca.crt',
      'certfile certs/server.crt',
      'certfile certs/server.crt',
      'keyfile certs/server.key',
      'keyfile certs/server.key',
      'password_file passwd',
    ]);
    for (const f of report.files) expect(f.from.startsWith(first.target + '/')).toBe(true);

    const second = exportMosquitto(ws2, {
      outDir: join(root, 'bundle-2'),
      pathPrefix: '/etc/mosquitto',
      clients: false,
    });
    expect(body(join(second.target, 'mosquitto.conf'))).toEqual(body(confFile));
    for (const file of ['certs/ca.crt', 'certs/server.crt', 'certs/server.key', 'acl.conf', 'passwd']) {
      expect([file, readFileSync(join(second.target, file), 'utf8')]).toEqual([
        file,
        readFileSync(join(first.target, file), 'utf8'),
      ]);
    }
  });

  it('from an unpacked .tar.gz (the production prefix, unpacked anywhere)', async () => {
    const archive = join(root, 'bundle.tar.gz');
    exportMosquittoTarGz(ws, { file: archive, clients: false });
    const unpacked = join(root, 'unpacked');
    mkdirSync(unpacked);
    const tar = await run('tar', ['-xzf', archive, '-C', unpacked]);
    expect(tar.code).toBe(0);
    const ws3 = new Workspace(join(tempDir('mts-import-prefix-tgz-'), 'ws'));
    const report = importMosquittoConf(ws3, join(unpacked, 'mosquitto.conf'));
    expect(report.pathPrefix?.from).toBe('/etc/mosquitto');
    expect(report.listeners.map((l) => l.port)).toEqual([18883, 18884]);
    expect(ws3.readText('broker/passwd')).toContain('operator:');
  });

  it('without the export header: the prefix of the missing paths is inferred', () => {
    const first = exportMosquitto(ws, {
      outDir: join(root, 'bundle-edited'),
      pathPrefix: '/srv/broker',
      clients: false,
    });
    const confFile = join(first.target, 'mosquitto.conf');
    const edited = readFileSync(confFile, 'utf8')
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .join('\n');
    writeFileSync(confFile, edited);
    const ws4 = new Workspace(join(tempDir('mts-import-prefix-inferred-'), 'ws'));
    const report = importMosquittoConf(ws4, confFile);
    expect(report.pathPrefix).toMatchObject({ from: '/srv/broker', how: 'inferred' });
    expect(report.files.length).toBeGreaterThan(0);
  });

  it('a file missing from the bundle too is still one clear error naming the line, nothing written', () => {
    const first = exportMosquitto(ws, {
      outDir: join(root, 'bundle-broken'),
      pathPrefix: '/etc/mosquitto',
      clients: false,
    });
    rmSync(join(first.target, 'passwd'));
    const ws5 = new Workspace(join(tempDir('mts-import-prefix-broken-'), 'ws'));
    expect(() => importMosquittoConf(ws5, join(first.target, 'mosquitto.conf'))).toThrow(
      /mosquitto\.conf:7: password_file \/etc\/mosquitto\/passwd: no such file, and the bundle folder has no .*\/bundle-broken\/passwd either$/,
    );
    expect(ws5.exists('broker/mosquitto.conf')).toBe(false);
  });
});
