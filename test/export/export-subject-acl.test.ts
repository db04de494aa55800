import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningMosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/tmp.js';
import { brokerConf, mtlsListener } from './conf-lines.js';
import { exportAndStart, exportWorkshop, writeBrokerSettings } from './fixtures.js';
import { readmeCommands, received, shell, subscribe } from './mosquitto-clients.js';

/** use_subject_as_username with user blocks keyed on the RFC 2253 subject. */
describe('export mosquitto: subject as username + ACL user blocks, run by Debian Mosquitto', () => {
  const root = tempDir('mts-export-subject-');
  const out = join(root, 'bundle');
  let broker: RunningMosquitto;
  let result: Awaited<ReturnType<typeof exportAndStart>>['result'];
  const readme = (name: string) => readFileSync(join(out, 'clients', name, 'README.txt'), 'utf8');

  beforeAll(async () => {
    const ws = await exportWorkshop(join(root, 'ws'));
    const port = await freePort();
    writeBrokerSettings(
      ws,
      brokerConf(
        'allow_anonymous false',
        'acl_file acl.conf',
        mtlsListener(port, { usernameFrom: 'subject' }),
      ),
      {
        'acl.conf': 'user CN=device-1\ntopic readwrite plant/1/#\n\nuser CN=device-2\ntopic read plant/1/#\n',
      },
    );
    ({ broker, result } = await exportAndStart(ws, out, port));
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('the READMEs name the subject as the username and pick topics the ACL grants', () => {
    expect(readme('device-1')).toContain(
      'the broker takes the username "CN=device-1" from the certificate\'s subject',
    );
    const { sub, pub } = readmeCommands(readme('device-1'));
    expect(sub).toContain("-t 'plant/1/#'");
    expect(pub).toContain('-t plant/1/hello');
    expect(readme('device-2')).toContain(
      'Note: the ACL grants this client no topic it may both publish to and read',
    );
    expect(result.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  it('device-1 publishes on plant/1 and device-2, allowed to read it, receives', async () => {
    const d1 = join(out, 'clients/device-1');
    const d2 = join(out, 'clients/device-2');
    const sub2 = subscribe(
      readmeCommands(readme('device-2')).sub.replace("'clients/device-2/#'", "'plant/1/#'"),
      d2,
    );
    await sub2.subscribed;
    const p = await shell(readmeCommands(readme('device-1')).pub, d1);
    expect(p.code).toBe(0);
    expect(received((await sub2.done).stdout)).toEqual(['plant/1/hello hello from device-1']);
  });

  it("device-2's publish on plant/1 is dropped (read-only grant)", async () => {
    const d1 = join(out, 'clients/device-1');
    const d2 = join(out, 'clients/device-2');
    const sub1 = subscribe(readmeCommands(readme('device-1')).sub, d1, { waitSeconds: 2 });
    await sub1.subscribed;
    const p = await shell(
      readmeCommands(readme('device-2')).pub.replace('clients/device-2/hello', 'plant/1/hello'),
      d2,
    );
    expect(p.code).toBe(0);
    expect(received((await sub1.done).stdout)).toEqual([]);
  });
});
