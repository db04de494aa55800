/**
 * The chain wizard's core (#19 item 3) through the api: `pki.chainDefaults` offers free names,
 * `pki.checkChain` names the field of every problem and infers dns/ip SANs from typed hosts,
 * `pki.createChain` writes the whole chain in ONE commit — or, when any step fails, leaves the
 * workspace byte-identical — and `openssl verify` accepts what it made, from a new root or an existing CA.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { ApiService } from '../../src-main/api/service.js';
import type { MethodName, ParamsOf, ResultOf } from '../../src-main/api/contract/index.js';
import { Workspace } from '../../src-main/core/workspace/workspace.js';
import { tempDir } from '../helpers/tmp.js';
import { expectRefusedUnchanged, opensslOk, snapshot } from './helpers.js';

function service(dir: string) {
  const raw = new ApiService({ workspaceDir: dir, surface: 'cli' });
  const events: Array<{ topic: string; data: unknown }> = [];
  raw.onEvent((topic, data) => events.push({ topic, data }));
  const invoke = <M extends MethodName>(m: M, p: ParamsOf<M>) => raw.invoke(m, p) as Promise<ResultOf<M>>;
  return { invoke, events };
}

const PLAN = {
  root: { name: 'root', cn: 'Chain Root' },
  intermediate: { name: 'issuing', cn: 'Chain Issuing' },
  server: { name: 'broker', cn: 'broker.lan', hosts: 'broker.lan, 192.168.1.50, localhost, ::1' },
  clients: { text: 'sensor-1\nsensor-2\n' },
} satisfies ParamsOf<'pki.createChain'>;

/** `openssl verify` of workspace certificate `name` against `root`, its intermediates untrusted. */
async function verify(ws: string, root: string, untrusted: string[], name: string, extra: string[] = []) {
  const chainFile = join(ws, `untrusted-${name}.pem`);
  writeFileSync(
    chainFile,
    untrusted.map((n) => readFileSync(join(ws, 'certs', `${n}.crt`), 'utf8')).join(''),
  );
  const out = await opensslOk([
    'verify',
    '-CAfile',
    join(ws, 'certs', `${root}.crt`),
    ...(untrusted.length ? ['-untrusted', chainFile] : []),
    ...extra,
    join(ws, 'certs', `${name}.crt`),
  ]);
  return out;
}

describe('pki.createChain: the whole chain in one commit', () => {
  afterEach(() => vi.restoreAllMocks());

  test('defaults on an empty workspace; hosts typed bare become dns:/ip: SANs', async () => {
    const { invoke } = service(join(tempDir('chain-'), 'ws'));
    const defaults = await invoke('pki.chainDefaults', {});
    expect(defaults).toMatchObject({
      root: 'root',
      intermediate: 'issuing',
      server: 'broker',
      clients: ['device-1', 'device-2'],
      cas: [],
    });
    expect(defaults.machineHosts.slice(0, 1)).toEqual(['localhost']);
    expect(defaults.machineHosts).toContain('127.0.0.1');
    if (/^[a-z0-9.-]+$/.test(hostname().toLowerCase()))
      expect(defaults.machineHosts).toContain(hostname().toLowerCase());
    const check = await invoke('pki.checkChain', {
      ...PLAN,
      server: { ...PLAN.server, hosts: 'broker.lan, 192.168.1.50 IP:10.0.0.7;dns:Mqtt.Local  [fe80::1] ::1' },
    });
    expect(check.problems).toEqual([]);
    expect(check.serverSans).toEqual([
      'dns:broker.lan',
      'ip:192.168.1.50',
      'ip:10.0.0.7',
      'dns:Mqtt.Local',
      'ip:fe80::1',
      'ip:::1',
    ]);
    expect(check.issuer).toBe('issuing');
    expect(check.clients).toEqual(['sensor-1', 'sensor-2']);
  });

  test('every problem names its field, before anything is made', async () => {
    const dir = join(tempDir('chain-'), 'ws');
    const { invoke } = service(dir);
    const check = await invoke('pki.checkChain', {
      root: { name: 'bad name', cn: '' },
      intermediate: { name: 'issuing', cn: 'I', days: 5000 },
      server: { name: 'issuing', cn: 'b', hosts: 'broker.lan, :, 192.168.1.300' },
      clients: { text: 'ok-1\nbad/id\nok-1\n', days: 0 },
    });
    const byField = check.problems.map((p) => [p.field, p.message]);
    expect(byField).toEqual([
      ['root.name', expect.stringMatching(/^root\.name: "bad name" is not a valid name/)],
      ['root.cn', 'root.cn: a common name is required'],
      ['server.name', 'server.name: "issuing" is already the name of the intermediate CA in this chain'],
      [
        'server.hosts',
        'server.hosts: ":" is neither a host name nor an IP address (write dns:NAME or ip:ADDRESS)',
      ],
      ['clients', expect.stringMatching(/^clients line 2: "bad\/id" is not a valid name/)],
      ['clients', 'clients line 3: "ok-1" is already the name of the client on line 1 in this chain'],
      ['clients.days', expect.stringMatching(/^clients\.days: must be a whole number of days/)],
    ]);
    // The intermediate's days are checked against the root's (default 3650 days).
    const days = await invoke('pki.checkChain', {
      root: { name: 'r', cn: 'R', days: 100 },
      intermediate: { name: 'i', cn: 'I', days: 100 },
      server: { name: 's', cn: 's', hosts: '192.168.1.300' },
    });
    expect(days.problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/^intermediate\.days: 100 days would outlive CA "r" .*; use at most 99$/),
      'server.hosts: "192.168.1.300" is not a valid IP address',
    ]);
    // createChain refuses with the first problem (and how many more), writing nothing at all.
    await expectRefusedUnchanged(
      dir,
      () => invoke('pki.createChain', { ...PLAN, server: { ...PLAN.server, hosts: 'dns:' } }),
      /^server\.hosts: "dns:" is not kind:value/,
    );
    expect(snapshot(dir)).toEqual({});
  });

  test('one commit makes root, intermediate, server and clients; openssl verifies every one', async () => {
    const dir = join(tempDir('chain-'), 'ws');
    const { invoke, events } = service(dir);
    const stage = vi.spyOn(Workspace.prototype, 'stage');
    const result = await invoke('pki.createChain', PLAN);
    expect(stage).toHaveBeenCalledTimes(1); // the overlay's own commits never reach the folder
    expect(result.created.map((c) => `${c.name}:${c.kind}:${c.issuerName ?? '-'}`)).toEqual([
      'root:root-ca:-',
      'issuing:intermediate-ca:root',
      'broker:server:issuing',
      'sensor-1:client:issuing',
      'sensor-2:client:issuing',
    ]);
    expect(JSON.stringify(result)).not.toContain('PRIVATE KEY');
    expect(events.filter((e) => e.topic === 'pki.changed').map((e) => e.data)).toEqual([
      { names: ['root', 'issuing', 'broker', 'sensor-1', 'sensor-2'] },
    ]);
    for (const name of ['root', 'issuing', 'broker', 'sensor-1', 'sensor-2'])
      expect(statSync(join(dir, 'keys', `${name}.key`)).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'crl', 'issuing.crl')).isFile()).toBe(true);
    expect((await invoke('pki.show', { name: 'broker' })).summary.san).toEqual([
      'dns:broker.lan',
      'ip:192.168.1.50',
      'dns:localhost',
      'ip:::1',
    ]);
    for (const check of [
      ['-verify_hostname', 'broker.lan'],
      ['-verify_ip', '192.168.1.50'],
      ['-verify_ip', '::1'],
    ]) {
      expect(await verify(dir, 'root', ['issuing'], 'broker', ['-purpose', 'sslserver', ...check])).toContain(
        ': OK',
      );
    }
    for (const device of ['sensor-1', 'sensor-2'])
      expect(await verify(dir, 'root', ['issuing'], device, ['-purpose', 'sslclient'])).toContain(': OK');
    expect((await invoke('pki.verifyWorkspace', { name: 'broker', host: '192.168.1.50' })).ok).toBe(true);

    // The next run's defaults are free names; the CAs are offered as starting points.
    const next = await invoke('pki.chainDefaults', {});
    expect(next).toMatchObject({ root: 'root-2', intermediate: 'issuing-2', server: 'broker-2' });
    expect(next.cas.map((c) => `${c.name}:${c.kind}:${c.allowsIntermediate}`)).toEqual([
      'root:root-ca:true',
      'issuing:intermediate-ca:false',
    ]);
  });

  test('use an existing CA: leaves straight from an intermediate, or a new intermediate under a root', async () => {
    const dir = join(tempDir('chain-'), 'ws');
    const { invoke } = service(dir);
    await invoke('pki.createChain', { ...PLAN, server: undefined, clients: { text: 'device-1\ndevice-2' } });
    const defaults = await invoke('pki.chainDefaults', {});
    expect(defaults.clients).toEqual(['device-3', 'device-4']);

    // An intermediate of path length 0 cannot take another intermediate; a leaf is no CA at all.
    const refused = await invoke('pki.checkChain', {
      existingCa: 'issuing',
      intermediate: { name: 'sub', cn: 'Sub' },
      clients: { text: 'device-1' },
    });
    expect(refused.problems.map((p) => p.message)).toEqual([
      'intermediate: CA "issuing" has path length 0, so it may only issue end-entity certificates; issue the server and clients from it directly',
      'clients line 1: a certificate named "device-1" already exists in the workspace',
    ]);
    expect((await invoke('pki.checkChain', { existingCa: 'device-1' })).problems[0]?.message).toBe(
      'existingCa: "device-1" is not a CA certificate (basicConstraints CA:FALSE)',
    );
    expect((await invoke('pki.checkChain', { existingCa: 'issuing' })).problems[0]?.message).toBe(
      'plan: nothing to create: add an intermediate CA, a server or clients under the existing CA',
    );

    const fromIssuing = await invoke('pki.createChain', {
      existingCa: 'issuing',
      server: { name: 'broker', cn: 'broker.lan', hosts: 'broker.lan 10.1.2.3' },
      clients: { text: defaults.clients.join('\n') },
    });
    expect(fromIssuing.created.map((c) => `${c.name}:${c.issuerName}`)).toEqual([
      'broker:issuing',
      'device-3:issuing',
      'device-4:issuing',
    ]);
    expect(await verify(dir, 'root', ['issuing'], 'broker', ['-verify_ip', '10.1.2.3'])).toContain(': OK');

    const underRoot = await invoke('pki.createChain', {
      existingCa: 'root',
      intermediate: { name: 'plant-2', cn: 'Plant 2 CA', keyType: 'rsa-2048' },
      clients: { text: 'plant-2-dev-1' },
    });
    expect(underRoot.created.map((c) => `${c.name}:${c.kind}:${c.issuerName}`)).toEqual([
      'plant-2:intermediate-ca:root',
      'plant-2-dev-1:client:plant-2',
    ]);
    expect(
      await verify(dir, 'root', ['plant-2'], 'plant-2-dev-1', [
        '-purpose',
        'sslclient',
        '-crl_check_all',
        '-CRLfile',
        join(dir, 'crl', 'plant-2.crl'),
        '-CRLfile',
        join(dir, 'crl', 'root.crl'),
      ]),
    ).toContain(': OK');
  });

  test('a step that fails after the certificates were made in memory leaves the workspace byte-identical', async () => {
    const dir = join(tempDir('chain-'), 'ws');
    const { invoke } = service(dir);
    await invoke('pki.createCa', { name: 'old-root', cn: 'Old Root' });
    // A stray folder where a client's certificate would go (not in the index): the last file to write.
    mkdirSync(join(dir, 'certs', 'sensor-2.crt'));
    const error = await expectRefusedUnchanged(
      dir,
      () => invoke('pki.createChain', PLAN),
      /certs\/sensor-2\.crt: already exists although the workspace index does not name it; move it away and try again \(nothing was written\)$/,
    );
    expect(error.code).toBe('BAD_WORKSPACE');
    expect((await invoke('pki.list', {})).map((c) => c.name)).toEqual(['old-root']);
  });

  test('another process busy with the certificates: refused, nothing written', async () => {
    const dir = join(tempDir('chain-'), 'ws');
    const { invoke } = service(dir);
    await invoke('pki.createCa', { name: 'old-root', cn: 'Old Root' });
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      writeFileSync(join(dir, '.certificates.lock'), String(other.pid));
      await expectRefusedUnchanged(
        dir,
        () => invoke('pki.createChain', { existingCa: 'old-root', clients: { text: 'a\nb' } }),
        new RegExp(`being changed by another process \\(pid ${other.pid}\\)`),
      );
    } finally {
      other.kill();
    }
  });
});
