/**
 * #19 item 9: an MQTT 3.1.1 client without a client id gets an id the way Mosquitto makes one,
 * `auto-XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX`, never aedes' `aedes_<uuid>` (users see it in the log and
 * in the connected-clients table).
 */
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../../src-main/core/broker/index.js';
import { parseMosquittoConf } from '../../src-main/core/conf/parse.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/tmp.js';

let broker: RunningBroker | undefined;
afterAll(async () => broker?.stop());

describe('a 3.1.1 CONNECT without client id', () => {
  it('is assigned auto-… as Mosquitto does', async () => {
    const dir = tempDir('mts-empty-id-');
    const port = await freePort();
    broker = await startBroker(
      parseMosquittoConf(`listener ${port} 127.0.0.1\nallow_anonymous true\n`, join(dir, 'mosquitto.conf')),
      { baseDir: dir, watchFiles: false },
    );
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
      clientId: '',
      clean: true,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    try {
      const ids = broker.clients().map((c) => c.clientId);
      expect(ids).toHaveLength(1);
      expect(ids[0]).toMatch(/^auto-[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
      expect(JSON.stringify(broker.events())).not.toContain('aedes_');
    } finally {
      await client.endAsync();
    }
  });
});
