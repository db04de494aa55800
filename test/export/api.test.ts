import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiService } from '../../src-main/api/service.js';
import type { MethodName, ParamsOf, ResultOf } from '../../src-main/api/contract/index.js';
import { tempDir } from '../helpers/tmp.js';
import { brokerConf, mtlsListener } from './conf-lines.js';
import { exportWorkshop, writeBrokerSettings } from './fixtures.js';
import { opensslPki } from './openssl-pki.js';

/** The export methods through the service, as the view and the CLI call them. */
describe('api: export.*', () => {
  const root = tempDir('mts-export-api-');
  let service: ApiService;
  const call = <M extends MethodName>(method: M, params: ParamsOf<M>) =>
    service.invoke(method, params) as Promise<ResultOf<M>>;
  const events: Array<[string, unknown]> = [];

  beforeAll(async () => {
    const ws = await exportWorkshop(join(root, 'ws'), ['site-bridge']);
    writeBrokerSettings(ws, brokerConf('allow_anonymous false', mtlsListener(8883)));
    service = new ApiService({ workspaceDir: join(root, 'ws'), surface: 'cli' });
    service.onEvent((topic, data) => events.push([topic, data]));
  });
  afterAll(async () => {
    await service.dispose();
  });

  it('export.settings says there is something to export and proposes /etc/mosquitto', async () => {
    expect(await call('export.settings', {})).toEqual({
      settings: { bridges: [] },
      hasBrokerSettings: true,
      defaultPrefix: '/etc/mosquitto',
    });
  });

  it('export.saveSettings keeps bridges and refuses a bad one naming the field', async () => {
    const saved = await call('export.saveSettings', {
      pathPrefix: '/opt/mosquitto',
      bridges: [
        {
          name: 'central',
          address: 'central.example.com:8883',
          topics: ['sites/# out 1'],
          certificate: 'site-bridge',
        },
      ],
    });
    expect(saved.bridges[0]!.name).toBe('central');
    await expect(
      call('export.saveSettings', { bridges: [{ name: 'x', address: 'h:8883', topics: ['a/# sideways'] }] }),
    ).rejects.toThrow(/bridges\[0\]\.topics\[0\]: direction must be in, out or both/);
    await expect(call('export.saveSettings', { pathPrefix: '/a b', bridges: [] })).rejects.toThrow(
      /pathPrefix/,
    );
    expect((await call('export.settings', {})).defaultPrefix).toBe('/opt/mosquitto');
  });

  it('export.preview returns every file with no private key in it, and the saved bridge', async () => {
    const preview = await call('export.preview', {});
    expect(preview.prefix).toBe('/opt/mosquitto');
    expect(preview.bridges).toEqual(['central']);
    const all = JSON.stringify(preview);
    expect(all).not.toMatch(/BEGIN PRIVATE KEY-----\\n[A-Za-z0-9+/]/);
    expect(preview.files.map((f) => f.path)).toEqual(
      expect.arrayContaining([
        'bridges/central/site-bridge.crt',
        'bridges/central/site-bridge.key',
        'clients/device-1/README.txt',
      ]),
    );
    expect(preview.files.find((f) => f.path === 'mosquitto.conf')!.content).toContain(
      'bridge_certfile /opt/mosquitto/bridges/central/site-bridge.crt',
    );
  });

  it('export.write writes a folder or a .tar.gz', async () => {
    const folder = join(root, 'out');
    const r = await call('export.write', { target: 'folder', path: folder, clients: ['device-1'] });
    expect(r.kind).toBe('folder');
    expect(r.clients.map((c) => [c.name, c.included])).toEqual([
      ['device-1', true],
      ['device-2', false],
      ['site-bridge', false],
    ]);
    expect(existsSync(join(folder, 'clients/device-2'))).toBe(false);
    const archive = join(root, 'b.tar.gz');
    const t = await call('export.write', { target: 'tar.gz', path: archive, clients: false });
    expect(t.target).toBe(archive);
    expect(statSync(archive).size).toBeGreaterThan(500);
    expect(events.filter(([t]) => t === 'export.written')).toEqual([
      ['export.written', { target: folder, kind: 'folder', files: r.files.length }],
      ['export.written', { target: archive, kind: 'tar.gz', files: t.files.length }],
    ]);
  });

  it('export.import brings a production config in', async () => {
    const prod = tempDir('mts-export-api-prod-');
    opensslPki(prod);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      join(prod, 'm.conf'),
      `listener 8884\ncertfile ${prod}/server.crt\nkeyfile ${prod}/server.key\nallow_anonymous true\n`,
    );
    await expect(call('export.import', { file: join(prod, 'm.conf') })).rejects.toThrow(
      /already has broker settings/,
    );
    const report = await call('export.import', { file: join(prod, 'm.conf'), replace: true });
    expect(report.listeners).toEqual([{ port: 8884, scheme: 'mqtts' }]);
    expect(report.removed).toEqual(['broker/ca.crt']);
    expect(report.certificates.map((c) => c.status)).toEqual(['added']);
    expect(events.filter(([t]) => t === 'export.imported' || t === 'pki.changed').map(([t]) => t)).toEqual([
      'export.imported',
      'pki.changed',
    ]);
  });
});
