import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMosquittoConf } from '../../src-main/core/conf/index.js';
import { startBroker, type BrokerEvent, type RunningBroker } from '../../src-main/core/broker/index.js';
import { tempDir } from '../helpers/tmp.js';
import { collect, connectClient, distinctPorts, sleep } from './differential.js';

const dir = tempDir('mts-drain-');
let broker: RunningBroker;
let port: number;
const events: BrokerEvent[] = [];

beforeAll(async () => {
  [port] = await distinctPorts(1);
  broker = await startBroker(
    parseMosquittoConf(`listener ${port} 127.0.0.1\nallow_anonymous true\n`, 'drain.conf'),
    {
      baseDir: dir,
      drainTimeout: 500,
      onEvent: (e) => events.push(e),
    },
  );
});

afterAll(async () => {
  await broker?.stop();
});

describe('drainTimeout', () => {
  it('disconnects a subscriber that stopped reading, so the others keep receiving', async () => {
    // a raw subscriber that never reads again after SUBACK
    const frozen = connect({ port, host: '127.0.0.1' });
    await new Promise<void>((resolve) => frozen.once('connect', () => resolve()));
    const id = Buffer.from('frozen');
    const connectBody = Buffer.concat([
      Buffer.from([0, 4]),
      Buffer.from('MQTT'),
      Buffer.from([4, 2, 0, 0, 0, id.length]),
      id,
    ]);
    frozen.write(Buffer.concat([Buffer.from([0x10, connectBody.length]), connectBody]));
    const topic = Buffer.from('flood/#');
    const subBody = Buffer.concat([Buffer.from([0, 1, 0, topic.length]), topic, Buffer.from([0])]);
    frozen.write(Buffer.concat([Buffer.from([0x82, subBody.length]), subBody]));
    await sleep(200);
    frozen.pause();
    frozen.on('error', () => undefined);
    // a paused socket does not see the close: watch the broker's log instead
    const frozenClosed = () => events.some((e) => e.kind === 'disconnected' && e.clientId === 'frozen');

    const healthy = await connectClient(`mqtt://127.0.0.1:${port}`, { clientId: 'healthy' });
    const received = collect(healthy);
    await new Promise<void>((resolve, reject) =>
      healthy.subscribe('flood/#', { qos: 0 }, (e) => (e ? reject(e) : resolve())),
    );
    const publisher = await connectClient(`mqtt://127.0.0.1:${port}`, { clientId: 'publisher' });
    const payload = Buffer.alloc(64 * 1024, 1);
    // Publish until the frozen subscriber's buffers are full and the broker drops it (bounded: at most
    // 1,500 messages of 64 KiB and 25 s), so a slow, loaded machine gets there too.
    let count = 0;
    const deadline = Date.now() + 25_000;
    while (!frozenClosed() && count < 1500 && Date.now() < deadline) {
      for (let i = 0; i < 50; i++, count++) {
        await new Promise<void>((resolve) =>
          publisher.publish(`flood/${count}`, payload, { qos: 0 }, () => resolve()),
        );
      }
      await sleep(20);
    }
    while (received.length < count && Date.now() < deadline + 10_000) await sleep(50);
    expect(received.length).toBe(count);
    expect(frozenClosed()).toBe(true);
    expect(events.find((e) => e.kind === 'disconnected' && e.clientId === 'frozen')?.reason).toMatch(
      /drain timeout/,
    );
    publisher.end(true);
    healthy.end(true);
    frozen.destroy();
  }, 45_000);
});
