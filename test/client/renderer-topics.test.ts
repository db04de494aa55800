import { describe, expect, it } from 'vitest';
import type { WireMessage } from '../../src-main/api/contract/client.js';
import { TopicStore, rateOf, visibleRows } from '../../src-renderer/src/lib/client-topics.js';
import {
  PointRing,
  downsample,
  extractValue,
  numericPaths,
  pathProblem,
} from '../../src-renderer/src/lib/client-chart.js';
import { payloadDiff } from '../../src-renderer/src/lib/client-diff.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');
const wire = (id: number, topic: string, text = `m${id}`, extra: Partial<WireMessage> = {}): WireMessage => ({
  id,
  time: 1_000_000 + id,
  topic,
  payload: b64(text),
  size: Buffer.byteLength(text),
  qos: 0,
  retain: false,
  dup: false,
  ...extra,
});

describe('the live topic tree', () => {
  it('counts per topic and per branch, keeps a bounded history, ignores ids it saw', () => {
    const store = new TopicStore({ historySize: 3 });
    const messages = Array.from({ length: 10 }, (_, i) => wire(i + 1, i % 2 ? 'a/b/c' : 'a/d'));
    expect(store.push('c1', messages, 5_000)).toBe(10);
    expect(store.push('c1', messages.slice(5), 5_000)).toBe(0);
    expect(store.topics.get('a/b/c')!.count).toBe(5);
    expect(store.topics.get('a/b/c')!.history.map((m) => m.id)).toEqual([6, 8, 10]);
    expect(store.root.children.get('a')!.count).toBe(10);
    expect(store.root.children.get('a')!.topics).toBe(2);
    // Collapsed: one row; expanded: the branches in order.
    expect(visibleRows(store, new Set()).map((n) => n.path)).toEqual(['a']);
    expect(visibleRows(store, new Set(['a', 'a/b'])).map((n) => n.path)).toEqual([
      'a',
      'a/b',
      'a/b/c',
      'a/d',
    ]);
    expect(visibleRows(store, new Set(), 'C').map((n) => n.path)).toEqual(['a', 'a/b', 'a/b/c']);
  });

  it('rates over the last whole seconds; memory bounded by maxTopics', () => {
    const store = new TopicStore({ maxTopics: 2 });
    for (let s = 0; s < 5; s++)
      store.push(
        'c1',
        Array.from({ length: 100 }, (_, i) => wire(s * 100 + i + 1, 't')),
        10_000 + s * 1000,
      );
    expect(rateOf(store.topics.get('t')!, 15_000)).toBe(100);
    expect(rateOf(store.topics.get('t')!, 30_000)).toBe(0);
    store.push('c1', [wire(1000, 'u'), wire(1001, 'v'), wire(1002, 'w')]);
    expect(store.topics.size).toBe(2);
    expect(store.overflow).toBe(2);
  });

  it('an empty retained message (or an empty one on a retained topic) removes the topic and empty branches', () => {
    const store = new TopicStore();
    store.push('c1', [wire(1, 'x/y', 'on', { retain: true }), wire(2, 'x/z', 'off')]);
    store.push('c1', [wire(3, 'x/y', '')]);
    expect([...store.topics.keys()]).toEqual(['x/z']);
    store.push('c1', [wire(4, 'x/z', '', { retain: true })]);
    expect(store.topics.size).toBe(0);
    expect(store.root.children.size).toBe(0);
    // An empty message never creates a topic.
    store.push('c1', [wire(5, 'q', '')]);
    expect(store.topics.size).toBe(0);
  });
});

describe('chart values', () => {
  it('reads a number at a JSON path, or the payload itself', () => {
    const json = b64('{"temp": 21.5, "values": [3, 4], "on": true, "s": "7"}');
    expect(extractValue(json, '$.temp')).toBe(21.5);
    expect(extractValue(json, '$.values[1]')).toBe(4);
    expect(extractValue(json, '$.on')).toBe(1);
    expect(extractValue(json, '$.s')).toBe(7);
    expect(extractValue(json, '$.missing')).toBeUndefined();
    expect(extractValue(b64('42.5'), '')).toBe(42.5);
    expect(extractValue(b64('hello'), '')).toBeUndefined();
    expect(pathProblem('temp')).toMatch(/start it with \$/);
    expect(pathProblem('$.temp')).toBeNull();
    expect(numericPaths(json)).toEqual(['$.temp', '$.values[0]', '$.values[1]', '$.on']);
  });

  it('downsamples to min/max per pixel column and never drops the newest point', () => {
    const ring = new PointRing(200_000);
    for (let i = 0; i < 120_000; i++) ring.push(i / 10_000, i === 60_000 ? 1000 : Math.sin(i));
    const [t, v] = downsample(ring, 0, 12, 500);
    expect(t.length).toBeLessThanOrEqual(1001);
    expect(v).toContain(1000); // the spike survives
    expect(t[t.length - 1]).toBe(ring.time(ring.count - 1));
    expect(v[v.length - 1]).toBe(ring.value(ring.count - 1));
    // A bounded ring: the oldest points go.
    const small = new PointRing(10);
    for (let i = 0; i < 25; i++) small.push(i, i);
    expect([small.count, small.time(0), small.last?.value]).toEqual([10, 15, 24]);
  });
});

describe('payload diff', () => {
  it('compares JSON by key (order does not matter), text by line', () => {
    const d = payloadDiff(b64('{"a":1,"b":2}'), b64('{"b":3,"a":1}'));
    expect(d.kind).toBe('json');
    expect(d.lines.filter((l) => l.op !== ' ').map((l) => `${l.op}${l.text.trim()}`)).toEqual([
      '-"b": 2',
      '+"b": 3',
    ]);
    expect(payloadDiff(b64('{"a":1,"b":2}'), b64('{"b":2,"a":1}')).kind).toBe('same');
    const t = payloadDiff(b64('one\ntwo'), b64('one\nthree'));
    expect(t.kind).toBe('text');
    expect([t.added, t.removed]).toEqual([1, 1]);
    expect(payloadDiff(b64('\u0000\u00ff'), Buffer.from([0xff, 0xfe]).toString('base64')).kind).toBe(
      'binary',
    );
  });
});
