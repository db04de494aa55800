/**
 * The inspector through its adapters: the api (workspace trust and identities, history) and the CLI of
 * CLI.md (JSON shape, exit codes), against Debian's Mosquitto and against our own broker.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MethodName, ParamsOf, ResultOf } from '../../src-main/api/contract/index.js';
import { ApiService } from '../../src-main/api/service.js';
import { startBroker, type RunningBroker } from '../../src-main/core/broker/index.js';
import { parseMosquittoConf } from '../../src-main/core/conf/index.js';
import { startMosquitto, type RunningMosquitto } from '../helpers/mosquitto.js';
import { freePort, waitForPort } from '../helpers/ports.js';
import { cli, run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';
import { buildTestPki, type TestPki } from './openssl-pki.js';

const dir = tempDir('mts-inspect-cli-');
let pki: TestPki;
let mosquitto: RunningMosquitto;
let ours: RunningBroker;
const ports: Record<string, number> = {};

/** The api service with typed calls. */
function api(workspaceDir: string) {
  const raw = new ApiService({ workspaceDir, surface: 'cli' });
  return {
    invoke: <M extends MethodName>(method: M, params: ParamsOf<M>) =>
      raw.invoke(method, params) as Promise<ResultOf<M>>,
  };
}

beforeAll(async () => {
  pki = buildTestPki(dir);
  const tls = [`certfile ${pki.serverChain}`, `keyfile ${pki.key('server')}`];
  const listeners: Record<string, string[]> = {
    healthy: [...tls],
    leafOnly: [`certfile ${pki.server}`, `keyfile ${pki.key('server')}`],
    mtls: [...tls, `cafile ${pki.caBundle}`, 'require_certificate true', 'use_identity_as_username true'],
  };
  const conf = (names: string[], portOf: (name: string) => number) => {
    const lines = ['per_listener_settings true'];
    for (const name of names)
      lines.push(`listener ${portOf(name)} 127.0.0.1`, 'allow_anonymous true', ...listeners[name]!);
    return lines.join('\n') + '\n';
  };
  for (const name of Object.keys(listeners)) {
    ports[name] = await freePort();
    ports[`ours-${name}`] = await freePort();
  }
  mosquitto = await startMosquitto(
    dir,
    conf(Object.keys(listeners), (name) => ports[name]!),
    ports.healthy!,
  );
  const oursText = conf(['leafOnly', 'mtls'], (name) => ports[`ours-${name}`]!);
  ours = await startBroker(parseMosquittoConf(oursText, join(dir, 'ours.conf')), {
    baseDir: dir,
    watchFiles: false,
  });
  await Promise.all(
    [ports.leafOnly, ports.mtls, ports['ours-leafOnly'], ports['ours-mtls']].map((port) =>
      waitForPort(port!),
    ),
  );
});

afterAll(async () => {
  await ours?.stop();
  await mosquitto?.stop();
});

describe('mqtt-tls-studio inspect (CLI.md)', () => {
  const workspace = () => mkdtempSync(join(dir, 'ws-'));

  it('a healthy broker: exit 0 and the JSON shape of CLI.md', async () => {
    const result = await cli([
      'inspect',
      `localhost:${ports.healthy}`,
      '--ca',
      pki.root.cert,
      '--json',
      '--workspace',
      workspace(),
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const doc = JSON.parse(result.stdout);
    expect(doc).toMatchObject({
      ok: true,
      protocol: 'TLSv1.3',
      cipher: 'TLS_AES_256_GCM_SHA384',
      servername: 'localhost',
      alpn: null,
      problems: [],
    });
    expect(doc.chain).toHaveLength(2);
    expect(Object.keys(doc.chain[0]).sort()).toEqual([
      'fingerprint256',
      'issuer',
      'notAfter',
      'notBefore',
      'serial',
      'subject',
    ]);
    expect(doc.chain[0].subject).toBe('CN=localhost');
  });

  it('the missing intermediate: exit 1, the code, and the human view names the fix', async () => {
    const json = await cli([
      'inspect',
      `localhost:${ports.leafOnly}`,
      '--ca',
      pki.root.cert,
      '--json',
      '--workspace',
      workspace(),
    ]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).problems.map((problem: { code: string }) => problem.code)).toEqual([
      'MISSING_INTERMEDIATE',
    ]);
    const human = await cli([
      'inspect',
      `localhost:${ports.leafOnly}`,
      '--ca',
      pki.root.cert,
      '--workspace',
      workspace(),
    ]);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/FAILED/);
    expect(human.stdout).toMatch(/MISSING_INTERMEDIATE: /);
    expect(human.stdout).toMatch(/fix: .*certfile/);
    expect(human.stdout).toContain(
      `openssl s_client -connect localhost:${ports.leafOnly} -servername localhost -CAfile ${pki.root.cert}`,
    );
  });

  it('mutual TLS with --cert/--key and --mqtt: exit 0; without a certificate: exit 1, CLIENT_CERT_REQUIRED', async () => {
    const ok = await cli([
      'inspect',
      `localhost:${ports.mtls}`,
      '--ca',
      pki.root.cert,
      '--cert',
      pki.client,
      '--key',
      pki.key('device-1'),
      '--mqtt',
      '--json',
      '--workspace',
      workspace(),
    ]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).mqtt).toMatchObject({ returnCode: 0 });
    const refused = await cli([
      'inspect',
      `localhost:${ports.mtls}`,
      '--ca',
      pki.root.cert,
      '--mqtt',
      '--json',
      '--workspace',
      workspace(),
    ]);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout).problems[0].code).toBe('CLIENT_CERT_REQUIRED');
  });

  it('a PKCS#12 as --cert with --passphrase-file', async () => {
    const p12 = pki.pki.pkcs12('device-1', [pki.inter.cert], 'secret');
    const passFile = join(dir, 'p12.pass');
    writeFileSync(passFile, 'secret\n');
    const result = await cli([
      'inspect',
      `localhost:${ports.mtls}`,
      '--ca',
      pki.root.cert,
      '--cert',
      p12,
      '--passphrase-file',
      passFile,
      '--mqtt',
      '--workspace',
      workspace(),
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/client certificate: requested .*ours: accepted/);
  });

  it('bad usage exits 2; an unreadable file exits 1 with one line naming it', async () => {
    expect((await cli(['inspect', '--workspace', workspace()])).code).toBe(2);
    expect((await cli(['inspect', 'localhost:1', '--tls-min', '1.1', '--workspace', workspace()])).code).toBe(
      2,
    );
    expect((await cli(['inspect', 'localhost:1', '--key', 'k.pem', '--workspace', workspace()])).code).toBe(
      2,
    );
    const missing = await cli([
      'inspect',
      'localhost:1',
      '--ca',
      join(dir, 'nope.crt'),
      '--workspace',
      workspace(),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain(`${join(dir, 'nope.crt')}: cannot read the CA file`);
  });
});

describe('against our own broker', () => {
  it('missing intermediate, client certificate required, and a refused certificate explained', async () => {
    const service = api(mkdtempSync(join(dir, 'ws-')));
    const trust = { kind: 'pem' as const, pem: readFileSync(pki.root.cert, 'utf8'), label: 'root.crt' };
    const leafOnly = await service.invoke('inspect.probe', {
      target: `localhost:${ports['ours-leafOnly']}`,
      trust,
    });
    expect(leafOnly.problems.map((problem) => problem.code)).toEqual(['MISSING_INTERMEDIATE']);
    const none = await service.invoke('inspect.probe', {
      target: `localhost:${ports['ours-mtls']}`,
      trust,
      mqtt: true,
    });
    expect(none.problems.map((problem) => problem.code)).toEqual(['CLIENT_CERT_REQUIRED']);
    const rogue = await service.invoke('inspect.probe', {
      target: `localhost:${ports['ours-mtls']}`,
      trust,
      mqtt: true,
      clientCert: {
        kind: 'pem',
        certPem: readFileSync(pki.rogueClient, 'utf8'),
        keyPem: readFileSync(pki.key('device-rogue'), 'utf8'),
      },
    });
    // Our broker finishes the handshake and refuses the login (FACTS.md): the report says both.
    expect(rogue.problems.map((problem) => problem.code)).toEqual(['MQTT_NOT_AUTHORIZED']);
    expect(rogue.problems[0]!.message).toMatch(/client certificate went through the TLS handshake/);
    expect(rogue.clientAuth).toMatchObject({ requested: true, certificatesSent: 1 });
    const good = await service.invoke('inspect.probe', {
      target: `localhost:${ports['ours-mtls']}`,
      trust,
      mqtt: true,
      clientCert: {
        kind: 'pem',
        certPem: readFileSync(pki.client, 'utf8'),
        keyPem: readFileSync(pki.key('device-1'), 'utf8'),
      },
    });
    expect(good.problems).toEqual([]);
    expect(good.mqtt?.returnCode).toBe(0);
    expect(ours.events().some((event) => JSON.stringify(event).includes('device-1'))).toBe(true);
  });
});

describe('the api', () => {
  it('workspace CA as trust and workspace certificate as identity; history without secrets', async () => {
    const workspaceDir = mkdtempSync(join(dir, 'ws-'));
    const service = api(workspaceDir);
    await service.invoke('pki.createCa', { name: 'root', cn: 'Workspace Root' });
    await service.invoke('pki.createCa', { name: 'inter', cn: 'Workspace Intermediate', parent: 'root' });
    await service.invoke('pki.issue', {
      ca: 'inter',
      profile: 'server',
      name: 'broker',
      cn: 'localhost',
      san: ['dns:localhost', 'ip:127.0.0.1'],
    });
    await service.invoke('pki.issue', { ca: 'inter', profile: 'client', name: 'device-9', cn: 'device-9' });
    const out = join(workspaceDir, 'export');
    await service.invoke('pki.export', { name: 'broker', outDir: out });
    const port = await freePort();
    const broker = await startBroker(
      parseMosquittoConf(
        `listener ${port} 127.0.0.1\ncertfile ${join(out, 'broker.chain.crt')}\nkeyfile ${join(out, 'broker.key')}\ncafile ${join(out, 'ca.crt')}\nrequire_certificate true\nuse_identity_as_username true\n`,
        join(dir, 'ws.conf'),
      ),
      { baseDir: dir, watchFiles: false },
    );
    try {
      const report = await service.invoke('inspect.probe', {
        target: `localhost:${port}`,
        trust: { kind: 'workspace', name: 'root' },
        clientCert: { kind: 'workspace', name: 'device-9' },
        mqtt: { password: 'never stored' },
      });
      expect(report.problems).toEqual([]);
      expect(report.mqtt?.returnCode).toBe(0);
      // The command names the workspace's real files and runs as it is (#19 item 8).
      expect(report.opensslCommand).toContain(
        `-CAfile ${join(workspaceDir, 'certs', 'root.crt')} -cert ${join(workspaceDir, 'certs', 'device-9.crt')} -key ${join(workspaceDir, 'keys', 'device-9.key')} -cert_chain ${join(workspaceDir, 'certs', 'inter.crt')}`,
      );
      const ran = await run('sh', ['-c', report.opensslCommand], { timeoutMs: 15_000 });
      expect(ran.stdout + ran.stderr).toContain('Verify return code: 0 (ok)');
      expect(ran.stdout + ran.stderr).not.toMatch(/No such file|Could not (open|read)/);
    } finally {
      await broker.stop();
    }
    const history = await service.invoke('inspect.history', {});
    expect(history[0]).toMatchObject({
      target: `localhost:${port}`,
      ok: true,
      trust: { kind: 'workspace', name: 'root' },
      clientCertificate: 'device-9',
      mqtt: true,
    });
    const stored = readFileSync(join(workspaceDir, 'inspector-history.json'), 'utf8');
    expect(stored).not.toContain('never stored');
    expect(stored).not.toContain('PRIVATE KEY');
    expect(await service.invoke('inspect.forget', {})).toEqual([]);
  });
});
