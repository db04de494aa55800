import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiService } from '../../src-main/api/service.js';
import type { MethodName, ParamsOf, ResultOf } from '../../src-main/api/contract/index.js';
import { parseMosquittoConf } from '../../src-main/core/conf/index.js';
import { startBroker } from '../../src-main/core/broker/index.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/tmp.js';

describe('bridges through the api', () => {
  let service: ApiService;
  let ws: string;
  const call = <M extends MethodName>(m: M, p: ParamsOf<M>) => service.invoke(m, p) as Promise<ResultOf<M>>;

  beforeAll(async () => {
    ws = join(tempDir('bridge-api-'), 'ws');
    service = new ApiService({ workspaceDir: ws, surface: 'cli' });
    await call('quickstart.run', { port: await freePort() });
  }, 60_000);
  afterAll(() => service.dispose());

  it('the bridge editor saves one list: export.json and the connection sections that run and export', async () => {
    const saved = await call('broker.bridgesSave', {
      bridges: [
        {
          name: 'central',
          address: 'mqtt.example.com:8883',
          topics: ['sites/# out 1'],
          certificate: 'device-1',
        },
      ],
    });
    expect(saved.map((b) => b.name)).toEqual(['central']);
    expect((await call('export.settings', {})).settings.bridges.map((b) => b.name)).toEqual(['central']);
    const conf = parseMosquittoConf(readFileSync(join(ws, 'broker/mosquitto.conf'), 'utf8'), 'x.conf');
    expect(conf.bridges[0]).toMatchObject({
      name: 'central',
      addresses: ['mqtt.example.com:8883'],
      topics: ['sites/# out 1'],
      cafile: 'bridges/central/ca.crt',
      certfile: 'bridges/central/device-1.crt',
      keyfile: 'bridges/central/device-1.key',
    });
    expect(statSync(join(ws, 'broker/bridges/central/device-1.key')).mode & 0o777).toBe(0o600);
    // Exported once, from the conf.
    const preview = await call('export.preview', {});
    const exported = preview.files.find((f) => f.path === 'mosquitto.conf')!;
    expect(exported.content.match(/^connection central$/gm)).toHaveLength(1);
    expect(preview.bridges).toEqual(['central']);
  });

  it('issues a bridge certificate under a chosen CA and points the section at it', async () => {
    const issued = await call('broker.bridgeIssueCertificate', { bridge: 'central', ca: 'intermediate-ca' });
    expect(issued).toMatchObject({
      certificate: 'bridge-central',
      certfile: 'bridge-central.crt',
      keyfile: 'bridge-central.key',
    });
    const list = await call('pki.list', {});
    expect(list.find((c) => c.name === 'bridge-central')).toMatchObject({
      kind: 'client',
      issuerName: 'intermediate-ca',
    });
    const conf = parseMosquittoConf(readFileSync(join(ws, 'broker/mosquitto.conf'), 'utf8'), 'x.conf');
    expect(conf.bridges[0]).toMatchObject({ certfile: 'bridge-central.crt', keyfile: 'bridge-central.key' });
    expect(statSync(join(ws, 'broker/bridge-central.key')).mode & 0o777).toBe(0o600);
    await expect(
      call('broker.bridgeIssueCertificate', { bridge: 'nope', ca: 'intermediate-ca' }),
    ).rejects.toThrow(/no bridge named "nope"/);
  });

  it('a topic line Mosquitto refuses stops the broker start with its line', async () => {
    const text = `listener ${await freePort()} 127.0.0.1\nallow_anonymous true\nconnection c\naddress 127.0.0.1:1\ntopic "" out 0 only/local/\n`;
    await expect(startBroker(parseMosquittoConf(text, '/tmp/b.conf'), { baseDir: '/tmp' })).rejects.toThrow(
      /\/tmp\/b\.conf:5: bridge "c": invalid bridge remapping/,
    );
  });
});
