import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { previewMosquittoExport } from '../../src-main/core/export/export-mosquitto.js';
import type { Workspace } from '../../src-main/core/workspace/workspace.js';
import type { RunningMosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/tmp.js';
import { brokerConf, tlsListener } from './conf-lines.js';
import { exportAndStart, exportWorkshop, passwordLine, writeBrokerSettings } from './fixtures.js';
import { readmeCommands, received, shell, subscribe } from './mosquitto-clients.js';

/** Server-side TLS only, users from a $7$ password file. */
describe('export mosquitto: password file + TLS, run by Debian Mosquitto', () => {
  const root = tempDir('mts-export-password-');
  const out = join(root, 'bundle');
  let broker: RunningMosquitto;
  let ws: Workspace;
  let result: Awaited<ReturnType<typeof exportAndStart>>['result'];
  const dir = join(out, 'clients/device-1');
  const readme = () => readFileSync(join(dir, 'README.txt'), 'utf8');

  beforeAll(async () => {
    ws = await exportWorkshop(join(root, 'ws'));
    const port = await freePort();
    writeBrokerSettings(ws, brokerConf('allow_anonymous false', 'password_file passwd', tlsListener(port)), {
      passwd: `${passwordLine('device-1', 'pw one')}\n${passwordLine('operator', 'op-secret')}\n`,
    });
    ({ broker, result } = await exportAndStart(ws, out, port));
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('writes the password file 0600 and masks its hashes in the preview', () => {
    expect(result.files).toContain('passwd');
    const conf = readFileSync(join(out, 'mosquitto.conf'), 'utf8');
    expect(conf).toContain(`password_file ${out}/passwd`);
    const chown = readFileSync(join(out, 'README.txt'), 'utf8')
      .split('\n')
      .find((l) => l.includes('chown mosquitto:'))!;
    expect(chown.trim().split(' ').slice(2).sort()).toEqual([`${out}/certs/server.key`, `${out}/passwd`]);
    const preview = previewMosquittoExport(ws, {}).files.find((f) => f.path === 'passwd')!;
    expect(preview).toMatchObject({
      masked: true,
      mode: '0600',
      content: 'device-1:••••••••\noperator:••••••••\n',
    });
  });

  it('the README commands log in with the user and $MQTT_PASSWORD and work', async () => {
    const { sub, pub } = readmeCommands(readme());
    expect(pub).toContain('-u device-1 -P "$MQTT_PASSWORD"');
    expect(pub).not.toContain('--cert');
    const env = { MQTT_PASSWORD: 'pw one' };
    const s = subscribe(sub, dir, { env });
    await s.subscribed;
    const p = await shell(pub, dir, env);
    expect(p.stderr).toBe('');
    expect(received((await s.done).stdout)).toEqual(['clients/device-1/hello hello from device-1']);
  });

  it('a wrong password and an unknown user are refused', async () => {
    const { pub } = readmeCommands(readme());
    // CONNACK 5 "not authorised" (mosquitto_pub exits with the CONNACK code), for both.
    const wrong = await shell(pub, dir, { MQTT_PASSWORD: 'nope' });
    expect(wrong.code).toBe(5);
    expect(wrong.stderr).toContain('Connection error: Connection Refused: not authorised.');
    const unknown = await shell(pub.replace('-u device-1', '-u mallory'), dir, { MQTT_PASSWORD: 'pw one' });
    expect(unknown.code).toBe(5);
    expect(unknown.stderr).toContain('Connection error: Connection Refused: not authorised.');
  });
});
