import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  exportMosquitto,
  exportMosquittoTarGz,
  previewMosquittoExport,
} from '../../src-main/core/export/export-mosquitto.js';
import { buildCrl, revokeCertificate, tlsMaterial } from '../../src-main/core/pki/index.js';
import type { Workspace } from '../../src-main/core/workspace/workspace.js';
import { startMosquitto, type RunningMosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';
import { exportWorkshop, writeBrokerSettings } from './fixtures.js';
import { publish, readmeCommands, shell } from './mosquitto-clients.js';
import { handToMosquitto, mosquittoUser } from './openssl-pki.js';

/**
 * The CRL: taken fresh from the workshop, checked to cover every client CA; the .tar.gz: unpacked with
 * GNU tar where its prefix says and run by Debian Mosquitto; the preview: every file, keys masked,
 * nothing written; a lint error stops the export.
 */
describe('export mosquitto: CRL, .tar.gz and preview', () => {
  const root = tempDir('mts-export-crl-');
  let ws: Workspace;
  let port: number;
  let broker: RunningMosquitto | undefined;
  const conf = (p: number) =>
    [
      'allow_anonymous false',
      `listener ${p}`,
      'cafile ca.crt',
      'certfile server.crt',
      'keyfile server.key',
      'crlfile crl.pem',
      'require_certificate true',
      'use_identity_as_username true',
      '',
    ].join('\n');

  beforeAll(async () => {
    ws = await exportWorkshop(join(root, 'ws'), ['device-3']);
    port = await freePort();
    const stale = buildCrl(ws, 'intermediate-ca');
    writeBrokerSettings(ws, conf(port), { 'crl.pem': stale });
    await new Promise((r) => setTimeout(r, 1100)); // CRL times have one-second resolution
    revokeCertificate(ws, 'device-2', 'keyCompromise');
  });
  afterAll(async () => {
    await broker?.stop();
  });

  /** mosquitto_pub as a workshop client (its chain and key written to root), to devices/<client>/x. */
  const publishAs = (client: string, cafile: string) => {
    const material = tlsMaterial(ws, client);
    writeFileSync(join(root, `${client}.crt`), material.chain);
    writeFileSync(join(root, `${client}.key`), material.key);
    const tls = ['--cert', join(root, `${client}.crt`), '--key', join(root, `${client}.key`)];
    return publish(port, cafile, [...tls, '-t', `devices/${client}/x`, '-m', 'x']);
  };

  it('the preview lists every file with keys masked and writes nothing', () => {
    const out = join(root, 'never-written');
    const preview = previewMosquittoExport(ws, { pathPrefix: out });
    expect(preview.prefix).toBe(out);
    const key = preview.files.find((f) => f.path === 'certs/server.key')!;
    expect(key).toMatchObject({ masked: true, mode: '0600' });
    expect(key.content).toBe(
      '-----BEGIN PRIVATE KEY-----\n••• private key, not shown •••\n-----END PRIVATE KEY-----\n',
    );
    for (const file of preview.files)
      expect(file.content).not.toContain(tlsMaterial(ws, 'broker').key.split('\n')[1]);
    const clientKey = preview.files.find((f) => f.path === 'clients/device-1/device-1.key')!;
    expect(clientKey.content).toBe(
      '-----BEGIN PRIVATE KEY-----\n••• private key, not shown •••\n-----END PRIVATE KEY-----\n',
    );
    expect(preview.files.find((f) => f.path === 'mosquitto.conf')!.content).toContain(
      `crlfile ${out}/certs/crl.pem`,
    );
    expect(preview.clients).toEqual([
      { name: 'device-1', cn: 'device-1', included: true },
      { name: 'device-2', cn: 'device-2', included: false, reason: 'revoked (keyCompromise)' },
      { name: 'device-3', cn: 'device-3', included: true },
    ]);
    expect(preview.findings.map((f) => f.code)).toContain('CRL_REFRESHED');
    expect(() => statSync(out)).toThrow();
  });

  it('the .tar.gz unpacked at its prefix runs in Mosquitto: device-1 gets in, revoked device-2 does not', async () => {
    const target = join(root, 'etc-mosquitto');
    const archive = join(root, 'bundle.tar.gz');
    const result = exportMosquittoTarGz(ws, { file: archive, pathPrefix: target, host: 'localhost' });
    expect(result.kind).toBe('tar.gz');
    expect(statSync(archive).mode & 0o777).toBe(0o600);
    mkdirSync(target);
    const untar = await run('tar', ['-xzf', archive, '-C', target]);
    expect(untar.code).toBe(0);
    expect(statSync(join(target, 'certs/server.key')).mode & 0o777).toBe(0o600);
    // Named "mosquitto" in the archive, so GNU tar run by root gives it to that user.
    expect(statSync(join(target, 'certs/server.key')).uid).toBe(mosquittoUser().uid);
    expect((await run('tar', ['-tvzf', archive])).stdout).toMatch(
      /-rw------- mosquitto\/mosquitto .* certs\/server\.key/,
    );
    chmodSync(root, 0o755);
    broker = await startMosquitto(target, readFileSync(join(target, 'mosquitto.conf'), 'utf8'), port);
    const d1 = join(target, 'clients/device-1');
    const ok = await shell(readmeCommands(readFileSync(join(d1, 'README.txt'), 'utf8')).pub, d1);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const refused = await publishAs('device-2', join(d1, 'ca.crt'));
    expect(refused.code).not.toBe(0);
    await broker.stop();
    broker = undefined;
  });

  it('a crlfile without the CRL of the client CA stops the export — and Mosquitto would refuse every client', async () => {
    // Only the root's CRL: the clients' issuer is the intermediate.
    const rootCrl = buildCrl(ws, 'root-ca');
    writeBrokerSettings(ws, conf(port), { 'crl.pem': rootCrl });
    const out = join(root, 'refused');
    const preview = previewMosquittoExport(ws, { pathPrefix: out });
    expect(preview.findings[0]).toMatchObject({
      code: 'CRL_MISSING_FOR_ISSUER',
      severity: 'error',
      line: 10,
    });
    expect(() => exportMosquitto(ws, { outDir: out })).toThrow(
      /mosquitto\.conf:10 \(broker settings line 6\): listener \d+: the crlfile has no CRL from "CN=Export Test Intermediate CA"/,
    );
    expect(() => statSync(out)).toThrow();
    // The judge: the same bundle written anyway is refused by Mosquitto for device-1.
    const bundle = join(root, 'judge');
    mkdirSync(bundle);
    for (const file of preview.files) {
      if (file.masked) continue;
      mkdirSync(join(bundle, file.path, '..'), { recursive: true });
      writeFileSync(join(bundle, file.path), file.content);
    }
    const material = tlsMaterial(ws, 'broker');
    writeFileSync(join(bundle, 'certs/server.key'), material.key, { mode: 0o600 });
    handToMosquitto(root, [join(bundle, 'certs/server.key')]);
    const text = readFileSync(join(bundle, 'mosquitto.conf'), 'utf8').replaceAll(out, bundle);
    broker = await startMosquitto(bundle, text, port);
    const refused = await publishAs('device-1', join(bundle, 'certs/ca.crt'));
    expect(refused.code).not.toBe(0);
    expect(broker.log()).toMatch(/unable to get certificate CRL|certificate verify failed/);
  });

  it('a lint error names the broker settings line and writes nothing', () => {
    writeBrokerSettings(
      ws,
      [
        'allow_anonymous false',
        `listener ${port}`,
        'cafile ca.crt',
        'certfile server.crt',
        'keyfile server.key',
        'use_identity_as_username true',
        '',
      ].join('\n'),
    );
    const out = join(root, 'never');
    expect(() => exportMosquitto(ws, { outDir: out })).toThrow(
      /mosquitto\.conf:10 \(broker settings line 6\): listener \d+: use_identity_as_username without require_certificate true/,
    );
    expect(() => statSync(out)).toThrow();
  });
});
