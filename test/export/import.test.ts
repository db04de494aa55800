import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseMosquittoConf } from '../../src-main/core/conf/index.js';
import { exportMosquitto } from '../../src-main/core/export/export-mosquitto.js';
import { importMosquittoConf } from '../../src-main/core/export/import-mosquitto.js';
import { listCertificates } from '../../src-main/core/pki/index.js';
import { Workspace } from '../../src-main/core/workspace/workspace.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';
import { exportAndStart, passwordLine } from './fixtures.js';
import { received, subscribe } from './mosquitto-clients.js';
import { handToMosquitto, opensslPki } from './openssl-pki.js';

/** Every file of a folder with its mode and content hash: "nothing changed" means equal snapshots. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    let names: string[] = [];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names) {
      const full = join(d, name);
      const st = statSync(full);
      if (st.isDirectory()) walk(full);
      else
        out[relative(dir, full)] =
          `${(st.mode & 0o777).toString(8)} ${createHash('sha256').update(readFileSync(full)).digest('hex')}`;
    }
  };
  walk(dir);
  return out;
}

const prod = tempDir('mts-import-prod-');
const f = (name: string) => join(prod, name);
const ports = { mtls: 0, password: 0, ws: 0 };

/**
 * A production setup made by hand with openssl, the way an operator writes it: globals in
 * mosquitto.conf, listeners in conf.d/ (include_dir), options the local broker does not carry.
 */
function writeProduction(): string {
  opensslPki(prod);
  writeFileSync(f('acl'), 'pattern readwrite devices/%u/#\n\nuser operator\ntopic readwrite #\n');
  writeFileSync(f('passwd'), `${passwordLine('operator', 'op-secret')}\n`, { mode: 0o600 });
  mkdirSync(f('conf.d'));
  writeFileSync(
    f('conf.d/10-mtls.conf'),
    [
      `listener ${ports.mtls}`,
      `cafile ${f('ca.crt')}`,
      `certfile ${f('server.crt')}`,
      `keyfile ${f('server.key')}`,
      'require_certificate true',
      'use_identity_as_username true',
      'max_connections 1000',
      '',
    ].join('\n'),
  );
  writeFileSync(
    f('conf.d/20-password.conf'),
    [`listener ${ports.password}`, `certfile ${f('server.crt')}`, `keyfile ${f('server.key')}`, ''].join(
      '\n',
    ),
  );
  writeFileSync(
    f('conf.d/30-ws.conf'),
    [`listener ${ports.ws} 127.0.0.1`, 'protocol websockets', `crlfile ${f('not-there.pem')}`, ''].join('\n'),
  );
  const conf = [
    '# production broker',
    'user mosquitto',
    'persistence false',
    'allow_anonymous false',
    `acl_file ${f('acl')}`,
    `password_file ${f('passwd')}`,
    `include_dir ${f('conf.d')}`,
    '',
  ].join('\n');
  writeFileSync(f('mosquitto.conf'), conf);
  handToMosquitto(prod, [f('server.key'), f('passwd')]);
  return conf;
}

/** What we check on a running broker: the same answers before and after the import → export trip. */
async function behaviour(caDir: string, clientDir: string): Promise<Record<string, string>> {
  const tls = ['-h', 'localhost', '--cafile', join(caDir, 'ca.crt')];
  const cert = ['--cert', join(clientDir, 'client.crt'), '--key', join(clientDir, 'client.key')];
  const answers: Record<string, string> = {};
  const s = subscribe(
    `mosquitto_sub -h localhost -p ${ports.mtls} --cafile ${join(caDir, 'ca.crt')} --cert ${join(clientDir, 'client.crt')} --key ${join(clientDir, 'client.key')} -i watcher -t 'devices/#' -v`,
    caDir,
    { count: 2, waitSeconds: 3 },
  );
  await s.subscribed;
  const pub = (args: string[]) => run('mosquitto_pub', [...tls, '-q', '1', ...args], { timeoutMs: 8000 });
  answers.mtlsOwnTopic = String(
    (await pub(['-p', String(ports.mtls), ...cert, '-t', 'devices/client-1/a', '-m', 'own'])).code,
  );
  answers.mtlsOtherTopic = String(
    (await pub(['-p', String(ports.mtls), ...cert, '-t', 'devices/client-2/a', '-m', 'other'])).code,
  );
  answers.mtlsNoCert = String(
    (await pub(['-p', String(ports.mtls), '-t', 'devices/x', '-m', 'x'])).code === 0,
  );
  answers.passwordOk = String(
    (
      await pub([
        '-p',
        String(ports.password),
        '-u',
        'operator',
        '-P',
        'op-secret',
        '-t',
        'devices/client-1/b',
        '-m',
        'operator',
      ])
    ).code,
  );
  answers.passwordWrong = String(
    (await pub(['-p', String(ports.password), '-u', 'operator', '-P', 'nope', '-t', 'x', '-m', 'x'])).code ===
      0,
  );
  answers.delivered = received((await s.done).stdout).join(' | ');
  return answers;
}

describe('import of a production mosquitto.conf, then export: Mosquitto treats it the same', () => {
  let ws: Workspace;
  let report: ReturnType<typeof importMosquittoConf>;
  let before: Record<string, string>;

  beforeAll(async () => {
    ports.mtls = await freePort();
    ports.password = await freePort();
    ports.ws = await freePort();
    const conf = writeProduction();
    const original = await startMosquitto(prod, conf, ports.mtls);
    try {
      before = await behaviour(prod, prod);
    } finally {
      await original.stop();
    }
    ws = new Workspace(join(tempDir('mts-import-ws-'), 'ws'));
    report = importMosquittoConf(ws, f('mosquitto.conf'));
  });

  it('the original behaves as expected (the reference for the round trip)', () => {
    expect(before).toEqual({
      mtlsOwnTopic: '0',
      mtlsOtherTopic: '0',
      mtlsNoCert: 'false',
      passwordOk: '0',
      passwordWrong: 'false',
      delivered: 'devices/client-1/a own | devices/client-1/b operator',
    });
  });

  it('reports each option not carried over with its real file and line, and what is kept only for export', () => {
    expect(report.notCarriedOver).toEqual([
      {
        file: f('conf.d/10-mtls.conf'),
        line: 7,
        option: 'max_connections 1000',
        reason: 'not supported by the local broker',
      },
      {
        file: f('conf.d/30-ws.conf'),
        line: 3,
        option: `crlfile ${f('not-there.pem')}`,
        reason: 'Mosquitto ignores it on websockets listeners',
      },
    ]);
    expect(report.keptForExport.map((k) => `${k.line}:${k.option}`)).toEqual([
      '2:user mosquitto',
      '3:persistence false',
    ]);
    expect(report.listeners).toEqual([
      { port: ports.mtls, scheme: 'mqtts' },
      { port: ports.password, scheme: 'mqtts' },
      { port: ports.ws, scheme: 'ws', address: '127.0.0.1' },
    ]);
  });

  it('copies the files beside broker/mosquitto.conf and the certificates and key into the workshop', () => {
    const conf = ws.readText('broker/mosquitto.conf')!;
    expect(conf).toContain('acl_file acl.conf');
    expect(conf).toContain('password_file passwd');
    expect(conf).toContain('cafile ca.crt');
    expect(conf).toContain('certfile server.crt');
    expect(conf).toContain('keyfile server.key');
    expect(conf).not.toMatch(/^include_dir/m);
    expect(statSync(ws.path('broker/server.key')).mode & 0o777).toBe(0o600);
    expect(statSync(ws.path('broker/passwd')).mode & 0o777).toBe(0o600);
    expect(ws.readText('broker/acl.conf')).toBe(readFileSync(f('acl'), 'utf8'));
    const certs = listCertificates(ws);
    expect(certs.map((c) => [c.name, c.isCa, c.hasKey])).toEqual([
      ['Lint-Test-CA', true, false],
      ['localhost', false, true],
    ]);
    expect(certs[1]!.issuerName).toBe('Lint-Test-CA');
    // the local broker's own parser takes the imported settings
    expect(parseMosquittoConf(conf, 'broker/mosquitto.conf').listeners).toHaveLength(3);
  });

  it('export after import gives a config Debian Mosquitto treats the same', async () => {
    const out = join(tempDir('mts-import-export-'), 'bundle');
    const { broker, conf } = await exportAndStart(ws, out, ports.mtls, { clients: false });
    try {
      expect(conf).toContain('user mosquitto');
      expect(conf).toContain('persistence false');
      expect(conf).toContain(`# not carried over by the import: max_connections 1000`);
      const after = await behaviour(join(out, 'certs'), prod);
      expect(after).toEqual(before);
    } finally {
      await broker.stop();
    }
  });

  it('export → import → export gives the same mosquitto.conf and files', () => {
    const first = exportMosquitto(ws, {
      outDir: join(tempDir('mts-rt1-'), 'b'),
      pathPrefix: '/etc/mosquitto',
      clients: false,
    });
    const ws2 = new Workspace(join(tempDir('mts-rt-ws-'), 'ws'));
    // Import the exported bundle as production would hold it: paths point into the bundle folder.
    const bundle = first.target;
    const confText = readFileSync(join(bundle, 'mosquitto.conf'), 'utf8').replaceAll(
      '/etc/mosquitto/',
      `${bundle}/`,
    );
    writeFileSync(join(bundle, 'mosquitto.conf'), confText);
    importMosquittoConf(ws2, join(bundle, 'mosquitto.conf'));
    const second = exportMosquitto(ws2, {
      outDir: join(tempDir('mts-rt2-'), 'b'),
      pathPrefix: '/etc/mosquitto',
      clients: false,
    });
    const body = (dir: string) =>
      readFileSync(join(dir, 'mosquitto.conf'), 'utf8')
        .split('\n')
        .filter((l) => l !== '' && !l.startsWith('#'))
        .join('\n');
    expect(body(second.target)).toEqual(body(first.target).replaceAll(`${bundle}/`, '/etc/mosquitto/'));
    for (const file of ['certs/ca.crt', 'certs/server.crt', 'certs/server.key', 'acl.conf', 'passwd']) {
      expect([file, readFileSync(join(second.target, file), 'utf8')]).toEqual([
        file,
        readFileSync(join(first.target, file), 'utf8'),
      ]);
    }
  });
});

describe('bad imports: reported with file and line, nothing half-imported', () => {
  const dir = tempDir('mts-import-bad-');
  const ws = new Workspace(join(dir, 'ws'));
  const g = (name: string) => join(dir, name);

  beforeAll(() => {
    opensslPki(dir);
    ws.commit([{ path: 'notes.txt', data: 'existing workspace content\n' }]);
  });

  const cases: Array<[string, () => string, RegExp]> = [
    [
      'a missing referenced file',
      () =>
        [
          'allow_anonymous false',
          'listener 8883',
          `cafile ${g('ca.crt')}`,
          `certfile ${g('missing.crt')}`,
          `keyfile ${g('server.key')}`,
          '',
        ].join('\n'),
      /bad\.conf:4: .*missing\.crt does not exist/,
    ],
    [
      'an unknown option',
      () => ['listener 8883', 'allow_anonymous true', 'colour blue', ''].join('\n'),
      /bad\.conf:3: unknown option "colour"/,
    ],
    ['a bad line', () => ['listener eighty', ''].join('\n'), /bad\.conf:1: invalid listener port "eighty"/],
    [
      'a key that does not match the certificate',
      () => ['listener 8883', `certfile ${g('server.crt')}`, `keyfile ${g('client.key')}`, ''].join('\n'),
      /bad\.conf:3: this key does not match the certificate/,
    ],
    [
      'a bad line in the ACL file',
      () => {
        writeFileSync(g('bad.acl'), 'user x\ntopic readwrite a/#\n  # indented comment\n');
        return ['listener 8883', 'allow_anonymous true', `acl_file ${g('bad.acl')}`, ''].join('\n');
      },
      /bad\.acl:3: a comment must start in column 1/,
    ],
    [
      'a bad line in an include_dir file',
      () => {
        mkdirSync(g('inc'), { recursive: true });
        writeFileSync(g('inc/a.conf'), 'listener 8883\nallow_anonymous maybe\n');
        return ['# main', `include_dir ${g('inc')}`, ''].join('\n');
      },
      /inc\/a\.conf:2: invalid allow_anonymous value "maybe"/,
    ],
    ['a missing conf file', () => '', /nowhere\.conf: no such file/],
  ];

  for (const [what, write, message] of cases) {
    it(`${what}: one clear error, the workspace untouched`, () => {
      const file = what === 'a missing conf file' ? g('nowhere.conf') : g('bad.conf');
      if (what !== 'a missing conf file') writeFileSync(file, write());
      const before = snapshot(ws.dir);
      expect(() => importMosquittoConf(ws, file)).toThrow(message);
      expect(snapshot(ws.dir)).toEqual(before);
    });
  }

  it('existing broker settings are not replaced unless asked', () => {
    writeFileSync(g('ok.conf'), 'listener 8883\nallow_anonymous true\n');
    importMosquittoConf(ws, g('ok.conf'));
    const before = snapshot(ws.dir);
    expect(() => importMosquittoConf(ws, g('ok.conf'))).toThrow(/already has broker settings/);
    expect(snapshot(ws.dir)).toEqual(before);
    expect(importMosquittoConf(ws, g('ok.conf'), { replace: true }).listeners).toEqual([
      { port: 8883, scheme: 'mqtt' },
    ]);
  });
});
