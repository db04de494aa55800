import { lookup } from 'node:dns/promises';
import { mkdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { previewMosquittoExport } from '../../src-main/core/export/export-mosquitto.js';
import { createCa, importCertificate, issueCertificate } from '../../src-main/core/pki/index.js';
import type { Workspace } from '../../src-main/core/workspace/workspace.js';
import type { RunningMosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/tmp.js';
import { brokerConf, mtlsListener, tlsListener } from './conf-lines.js';
import { exportAndStart, exportWorkshop, passwordLine, writeBrokerSettings } from './fixtures.js';
import { publish, readmeCommands, shell } from './mosquitto-clients.js';
import { opensslPki } from './openssl-pki.js';

/**
 * Export lint findings about what the bundle's clients meet (#19 item 5), each judged by Debian's
 * Mosquitto and mosquitto_pub on the exported bundle: a finding is there exactly when the client
 * command fails for the reason it names.
 */

const codes = (ws: Workspace, host?: string) =>
  previewMosquittoExport(ws, host ? { host } : {}).findings.map((f) => f.code);

describe('export lint: client host names, password users, the README root CA — judged by Mosquitto', () => {
  const root = tempDir('mts-export-reach-');
  const out = join(root, 'bundle');
  let ws: Workspace;
  let broker: RunningMosquitto | undefined;
  const ports = { mtls: 0, password: 0 };
  const conf = () =>
    brokerConf(
      'per_listener_settings false',
      'allow_anonymous false',
      'password_file passwd',
      '',
      mtlsListener(ports.mtls),
      // The same server certificate file on a second listener (the README's root CA used to go
      // missing for clients sent here).
      tlsListener(ports.password),
    );

  beforeAll(async () => {
    ws = await exportWorkshop(join(root, 'ws'));
    // A device of another CA: the mTLS listener does not trust it, so its bundle goes to the
    // password listener, whose password file does not know it.
    await createCa(ws, { name: 'other-root', cn: 'Other Devices Root' });
    await issueCertificate(ws, { ca: 'other-root', profile: 'client', name: 'sensor-9', cn: 'sensor-9' });
    ports.mtls = await freePort();
    ports.password = await freePort();
    writeBrokerSettings(ws, conf(), { passwd: `${passwordLine('device-1', 'pw one')}\n` });
    ({ broker } = await exportAndStart(ws, out, ports.mtls, { host: 'localhost' }));
  });
  afterAll(async () => {
    await broker?.stop();
  });

  const readme = (name: string) => readFileSync(join(out, 'clients', name, 'README.txt'), 'utf8');

  it("the README of a client sent to the second listener gives the server's root CA, and it verifies the broker", async () => {
    const text = readme('sensor-9');
    expect(text).not.toContain('not in the workshop');
    expect(text).toContain(`-p ${ports.password}`);
    const ca = readFileSync(join(out, 'clients/sensor-9/ca.crt'), 'utf8');
    const rootPem = readFileSync(join(ws.dir, 'certs/root-ca.crt'), 'utf8');
    expect(ca.trim()).toBe(rootPem.trim());
    expect(codes(ws)).not.toContain('SERVER_ROOT_UNKNOWN');
    // mosquitto_pub with that ca.crt gets through TLS to the password check (device-1 is a known user).
    const login = ['-u', 'device-1', '-P', 'pw one'];
    const ok = await publish(
      ports.password,
      'ca.crt',
      [...login, '-t', 'x', '-m', 'x', '-q', '1'],
      join(out, 'clients/sensor-9'),
    );
    expect([ok.code, ok.stderr]).toEqual([0, '']);
  });

  it('PASSWORD_USER_MISSING: the bundle whose commands log in as a user the password file lacks; Mosquitto refuses it', async () => {
    const findings = previewMosquittoExport(ws, { host: 'localhost' }).findings;
    const sensor = findings.find((f) => f.code === 'PASSWORD_USER_MISSING' && f.file.includes('sensor-9'));
    expect(sensor).toMatchObject({ severity: 'warning', file: 'clients/sensor-9/README.txt' });
    expect(sensor!.message).toContain(`port ${ports.password}`);
    expect(sensor!.message).toContain('"sensor-9"');
    expect(sensor!.fix).toContain('mosquitto_passwd');
    // device-2's commands use the mTLS listener: the password listener is only listed, so a note.
    const device2 = findings.find((f) => f.code === 'PASSWORD_USER_MISSING' && f.file.includes('device-2'));
    expect(device2?.severity).toBe('info');
    // device-1 is in the password file: nothing to say.
    expect(findings.some((f) => f.file.includes('device-1'))).toBe(false);

    const { pub } = readmeCommands(readme('sensor-9'));
    expect(pub).toContain('-u sensor-9');
    const refused = await shell(pub, join(out, 'clients/sensor-9'), { MQTT_PASSWORD: 'any' });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/not authori[sz]ed/i);
  });

  it('HOST_NOT_IN_SAN is reported exactly for the host names mosquitto_pub --cafile refuses', async () => {
    const hosts = ['localhost', '127.0.0.1', '127.0.0.2'];
    // This machine's own name, when it resolves to this machine (not in the certificate).
    const own = hostname();
    const address = await lookup(own, { family: 4 }).catch(() => undefined);
    if (address?.address.startsWith('127.')) hosts.push(own);
    const seen: Array<[string, boolean, boolean]> = [];
    for (const host of hosts) {
      const preview = previewMosquittoExport(ws, { host });
      const finding = preview.findings.find((f) => f.code === 'HOST_NOT_IN_SAN');
      const readmeText = preview.files.find((f) => f.path === 'clients/device-1/README.txt')!.content;
      const { pub } = readmeCommands(readmeText);
      expect(pub).toContain(`-h ${host} `);
      const result = await shell(pub, join(out, 'clients/device-1'));
      if (result.code !== 0) expect(result.stderr).toMatch(/host name verification failed|TLS error/i);
      seen.push([host, finding !== undefined, result.code !== 0]);
      if (finding) {
        expect(finding.severity).toBe('warning');
        expect(finding.message).toContain(`"${host}"`);
        expect(finding.message).toContain('dns:localhost, ip:127.0.0.1');
        expect(finding.fix).toContain('localhost, 127.0.0.1');
      }
    }
    // Differential: finding ⇔ refused, and both kinds of host occur.
    for (const [host, found, refused] of seen) expect([host, found]).toEqual([host, refused]);
    expect(seen.filter(([, found]) => found).map(([h]) => h)).toContain('127.0.0.2');
    expect(seen.filter(([, found]) => !found).map(([h]) => h)).toEqual(['localhost', '127.0.0.1']);
  });

  it('the fixes clear the findings: a known user, a host in the certificate', async () => {
    writeBrokerSettings(ws, conf(), {
      passwd: `${passwordLine('device-1', 'pw one')}\n${passwordLine('sensor-9', 'pw nine')}\n${passwordLine('device-2', 'pw two')}\n`,
    });
    expect(codes(ws, '127.0.0.1')).not.toContain('PASSWORD_USER_MISSING');
    expect(codes(ws, '127.0.0.1')).not.toContain('HOST_NOT_IN_SAN');
    await broker?.stop();
    const out2 = join(root, 'bundle-fixed');
    ({ broker } = await exportAndStart(ws, out2, ports.mtls, { host: '127.0.0.1' }));
    const { pub } = readmeCommands(readFileSync(join(out2, 'clients/sensor-9/README.txt'), 'utf8'));
    const ok = await shell(pub, join(out2, 'clients/sensor-9'), { MQTT_PASSWORD: 'pw nine' });
    expect([ok.code, ok.stderr]).toEqual([0, '']);
  });
});

describe('export lint: ACL user blocks nobody can log in as — judged by Mosquitto', () => {
  const root = tempDir('mts-export-acl-users-');
  const out = join(root, 'bundle');
  let ws: Workspace;
  let broker: RunningMosquitto | undefined;
  let port = 0;

  beforeAll(async () => {
    ws = await exportWorkshop(join(root, 'ws'));
    port = await freePort();
    writeBrokerSettings(
      ws,
      brokerConf('allow_anonymous false', 'password_file passwd', 'acl_file acl.conf', tlsListener(port)),
      {
        passwd: `${passwordLine('operator', 'op-secret')}\n`,
        'acl.conf': 'user operator\ntopic readwrite plant/#\n\nuser ghost\ntopic readwrite plant/#\n',
      },
    );
    ({ broker } = await exportAndStart(ws, out, port, { clients: false }));
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('ACL_USER_UNKNOWN names the block of a user the password file lacks; Mosquitto refuses that user', async () => {
    const findings = previewMosquittoExport(ws, { clients: false }).findings.filter(
      (f) => f.code === 'ACL_USER_UNKNOWN',
    );
    expect(findings).toEqual([expect.objectContaining({ severity: 'warning', file: 'acl.conf', line: 4 })]);
    expect(findings[0]!.message).toContain('"ghost"');
    const cafile = join(ws.dir, 'certs/root-ca.crt');
    const pub = (user: string, password: string) =>
      publish(port, cafile, ['-u', user, '-P', password, '-t', 'plant/a', '-m', 'x', '-q', '1']);
    const ghost = await pub('ghost', 'whatever');
    expect(ghost.code).not.toBe(0);
    expect(ghost.stderr).toMatch(/not authori[sz]ed/i);
    expect((await pub('operator', 'op-secret')).code).toBe(0);
  });

  it('stays silent where usernames are open: a listener taking the certificate CN', () => {
    writeBrokerSettings(
      ws,
      brokerConf('allow_anonymous false', 'password_file passwd', 'acl_file acl.conf', mtlsListener(port)),
    );
    expect(codes(ws)).not.toContain('ACL_USER_UNKNOWN');
  });
});

describe('export lint: a server certificate whose root CA the workshop lacks — judged by Mosquitto', () => {
  const root = tempDir('mts-export-root-unknown-');
  const prod = join(root, 'prod');
  let ws: Workspace;
  let broker: RunningMosquitto | undefined;
  let port = 0;

  beforeAll(async () => {
    ws = await exportWorkshop(join(root, 'ws'));
    mkdirSync(prod);
    opensslPki(prod);
    port = await freePort();
    writeBrokerSettings(ws, brokerConf(mtlsListener(port)));
    // The broker's certificate comes from another CA (openssl's), which the workshop does not hold.
    ws.commit([
      { path: 'broker/server.crt', data: readFileSync(join(prod, 'server.crt')) },
      { path: 'broker/server.key', data: readFileSync(join(prod, 'server.key')), secret: true },
    ]);
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('SERVER_ROOT_UNKNOWN: the client bundles get the broker cafile, which cannot verify that broker', async () => {
    const finding = previewMosquittoExport(ws, {}).findings.find((f) => f.code === 'SERVER_ROOT_UNKNOWN');
    expect(finding).toMatchObject({ severity: 'warning', file: 'mosquitto.conf' });
    expect(finding!.message).toContain('Lint Test CA');
    expect(finding!.message).toContain('device-1');
    expect(finding!.fix).toContain('import the root CA');
    const out = join(root, 'bundle');
    ({ broker } = await exportAndStart(ws, out, port, { host: 'localhost' }));
    const readme = readFileSync(join(out, 'clients/device-1/README.txt'), 'utf8');
    expect(readme).toContain('root CA is not in the workshop');
    const refused = await shell(readmeCommands(readme).pub, join(out, 'clients/device-1'));
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/certificate verify failed|TLS error/i);
    await broker.stop();
  });

  it('the fix (the root CA imported into the workshop) clears it, and the bundle works', async () => {
    importCertificate(ws, { name: 'lint-test-ca', cert: readFileSync(join(prod, 'ca.crt')) });
    expect(codes(ws)).not.toContain('SERVER_ROOT_UNKNOWN');
    const out = join(root, 'bundle-fixed');
    ({ broker } = await exportAndStart(ws, out, port, { host: 'localhost' }));
    const readme = readFileSync(join(out, 'clients/device-1/README.txt'), 'utf8');
    expect(readme).not.toContain('not in the workshop');
    const ok = await shell(readmeCommands(readme).pub, join(out, 'clients/device-1'));
    expect([ok.code, ok.stderr]).toEqual([0, '']);
  });
});
