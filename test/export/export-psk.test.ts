import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logLine, type RunningMosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/tmp.js';
import { brokerConf, mtlsListener } from './conf-lines.js';
import { exportAndStart, exportWorkshop, writeBrokerSettings } from './fixtures.js';
import { received, shell, subscribe } from './mosquitto-clients.js';

const KEY = '00112233445566778899aabbccddeeff';

/** A TLS-PSK listener (identity as username) beside an mTLS one, with an ACL for the PSK identity. */
describe('export mosquitto: TLS-PSK, run by Debian Mosquitto', () => {
  const root = tempDir('mts-export-psk-');
  const out = join(root, 'bundle');
  let broker: RunningMosquitto;
  let result: Awaited<ReturnType<typeof exportAndStart>>['result'];
  let pskPort: number;
  const psk = () =>
    readFileSync(join(out, 'README.txt'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.includes('--psk-identity sensor-1'));

  beforeAll(async () => {
    const ws = await exportWorkshop(join(root, 'ws'));
    pskPort = await freePort();
    const tlsPort = await freePort();
    writeBrokerSettings(
      ws,
      brokerConf(
        'allow_anonymous false',
        'psk_file psk.txt',
        'acl_file acl.conf',
        `listener ${pskPort}`,
        'psk_hint studio',
        'use_identity_as_username true',
        '',
        mtlsListener(tlsPort),
      ),
      {
        'psk.txt': `sensor-1:${KEY}\nsensor-2:ffeeddccbbaa99887766554433221100\n`,
        'acl.conf': 'user sensor-1\ntopic readwrite sensors/1/#\n\npattern readwrite devices/%u/#\n',
      },
    );
    ({ broker, result } = await exportAndStart(ws, out, pskPort));
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('exports the PSK file 0600 and lists PSK commands with the ACL topics', () => {
    expect(result.files).toContain('psk.txt');
    expect(result.findings.filter((f) => f.severity === 'error')).toEqual([]);
    const [sub, pub] = psk();
    expect(sub).toContain(
      `-p ${pskPort} --psk-identity sensor-1 --psk "$PSK_HEX" -i sensor-1-sub -t 'sensors/1/#'`,
    );
    expect(pub).toContain('-t sensors/1/hello');
  });

  it('the PSK identity publishes and receives with the right key', async () => {
    const [sub, pub] = psk() as [string, string];
    const env = { PSK_HEX: KEY };
    const s = subscribe(sub, out, { env });
    await s.subscribed;
    const p = await shell(pub, out, env);
    expect(p.stderr).toBe('');
    expect(received((await s.done).stdout)).toEqual(['sensors/1/hello hello from sensor-1']);
  });

  it('a wrong key is refused at the handshake', async () => {
    const [, pub] = psk() as [string, string];
    const from = broker.log().length;
    const p = await shell(pub, out, { PSK_HEX: 'abcdef0123456789' });
    // A TLS error (not a timeout kill, not a CONNACK refusal): mosquitto_pub exits 1, or 8 (MOSQ_ERR_TLS)
    // when the alert arrives after its connect call returned. Mosquitto names the wrong key: the TLS 1.3
    // PSK binder (or, in TLS 1.2, the Finished MAC) does not verify.
    expect([1, 8]).toContain(p.code);
    expect(p.stderr).toMatch(/A TLS error occurred/);
    await logLine(broker, from, /binder does not verify|bad record mac|decrypt(ion failed| error)/);
  });
});
