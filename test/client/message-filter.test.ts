/** #19 item 9: the message log's filter searches what its box says, "topic or text" — the payload too. */
import { describe, expect, it } from 'vitest';
import type { WireMessage } from '../../src-main/api/contract/client.js';
import { MessageStore } from '../../src-renderer/src/lib/client-log.js';

const wire = (id: number, topic: string, payload: string | Buffer): WireMessage => {
  const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
  return {
    id,
    time: 0,
    topic,
    payload: bytes.toString('base64'),
    size: bytes.length,
    qos: 0,
    retain: false,
    dup: false,
  };
};

describe('the message log filter', () => {
  const store = new MessageStore(10);
  store.push([
    wire(1, 'plant/1/temp', '{"celsius": 21.5, "state": "OK"}'),
    wire(2, 'plant/1/alarm', 'Überhitzung: pump 3'),
    wire(3, 'plant/2/temp', Buffer.from([0xff, 0x00, 0x41])),
    wire(4, 'office/overheat', 'nothing here'),
  ]);

  it('finds text in the payload, case-insensitive, UTF-8 decoded', () => {
    store.setFilter('pump');
    expect(store.matched).toBe(1);
    expect(store.at(0)!.id).toBe(2);
    store.setFilter('überhitzung');
    expect(store.matched).toBe(1);
    store.setFilter('"state": "ok"');
    expect(store.at(0)!.id).toBe(1);
  });

  it('text still finds topics; binary payloads do not break it', () => {
    store.setFilter('overheat');
    expect(store.matched).toBe(1);
    expect(store.at(0)!.id).toBe(4);
    store.setFilter('A');
    expect([...Array(store.matched).keys()].map((i) => store.at(i)!.id)).toEqual([4, 3, 2, 1]);
  });

  it('with + or # it is an MQTT topic filter, payloads aside', () => {
    store.setFilter('plant/+/temp');
    expect(store.matched).toBe(2);
    store.setFilter('#');
    expect(store.matched).toBe(4);
  });

  it('new messages are judged the same way as they arrive', () => {
    store.setFilter('pump');
    store.push([wire(5, 'x/y', 'pump 4 stopped')]);
    expect(store.matched).toBe(2);
    expect(store.at(0)!.id).toBe(5);
  });
});
