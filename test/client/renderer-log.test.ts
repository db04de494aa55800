import { describe, expect, it } from 'vitest';
import type { WireMessage } from '../../src-main/api/contract/client.js';
import { MessageStore, topicMatches } from '../../src-renderer/src/lib/client-log.js';
import { fullPayload, hexDump, previewLine, prettyJson } from '../../src-renderer/src/lib/client-format.js';

const wire = (id: number, topic: string, text = `m${id}`): WireMessage => ({
  id,
  time: 0,
  topic,
  payload: Buffer.from(text).toString('base64'),
  size: text.length,
  qos: 0,
  retain: false,
  dup: false,
});

describe("the renderer's message store", () => {
  it('keeps the newest messages, newest first, and ignores ids it already has', () => {
    const store = new MessageStore(3);
    expect(store.push([wire(1, 'a'), wire(2, 'b')])).toBe(2);
    expect(store.push([wire(2, 'b'), wire(3, 'c'), wire(4, 'd')])).toBe(2);
    expect(store.size).toBe(3);
    expect(store.dropped).toBe(1);
    expect([0, 1, 2].map((i) => store.at(i)!.id)).toEqual([4, 3, 2]);
    expect(store.at(3)).toBeUndefined();
  });

  it('filters by MQTT filter or substring, and follows the ring as old messages drop out', () => {
    const store = new MessageStore(4);
    store.push([wire(1, 'plant/1/temp'), wire(2, 'plant/1/hum'), wire(3, 'plant/2/temp')]);
    store.setFilter('plant/+/temp');
    expect(store.matched).toBe(2);
    expect(store.at(0)!.id).toBe(3);
    store.push([wire(4, 'office/temp'), wire(5, 'plant/3/temp'), wire(6, 'x')]);
    // ids 1 and 2 dropped out of the ring of 4
    expect(store.matched).toBe(2);
    expect([store.at(0)!.id, store.at(1)!.id]).toEqual([5, 3]);
    store.setFilter('temp');
    expect(store.matched).toBe(3);
    store.setFilter('');
    expect(store.matched).toBe(4);
    store.setCapacity(2);
    expect([store.at(0)!.id, store.at(1)!.id]).toEqual([6, 5]);
    store.clear();
    expect(store.size).toBe(0);
  });

  it('stays bounded with 300,000 messages through a filter', () => {
    const store = new MessageStore(100_000);
    store.setFilter('load/7');
    for (let batch = 0; batch < 600; batch++) {
      const messages: WireMessage[] = [];
      for (let i = 0; i < 500; i++) {
        const id = batch * 500 + i + 1;
        messages.push(wire(id, `load/${id % 10}`));
      }
      store.push(messages);
    }
    expect(store.size).toBe(100_000);
    expect(store.matched).toBe(10_000);
    expect(store.at(0)!.id).toBe(299_997);
  });

  it('matches topics like MQTT and formats payloads for the views', () => {
    expect(topicMatches('a/#', 'a')).toBe(true);
    expect(topicMatches('#', '$SYS/x')).toBe(false);
    expect(prettyJson('{"a":[1,2]}')).toBe('{\n  "a": [\n    1,\n    2\n  ]\n}');
    expect(prettyJson('hello')).toBeUndefined();
    expect(hexDump(new Uint8Array([0x41, 0x00, 0xff]))).toBe('00000000  41 00 ff' + ' '.repeat(39) + '  A..');
    const binary = Buffer.from([0xff, 0xfe, 0x00]).toString('base64');
    expect(fullPayload(binary, 'text').note).toMatch(/not UTF-8/);
    expect(fullPayload(Buffer.from('plain').toString('base64'), 'json')).toEqual({
      text: 'plain',
      note: 'not JSON: shown as text',
    });
    expect(previewLine(Buffer.from('a\nb  c').toString('base64'), 'text')).toBe('a b c');
    expect(previewLine(Buffer.from('x'.repeat(1000)).toString('base64'), 'text', 10)).toBe(
      'x'.repeat(10) + '…',
    );
  });
});
