import { describe, expect, it } from 'vitest';
import {
  MessageLog,
  PublishHistory,
  checkTopicFilter,
  checkTopicName,
  encodePayload,
  explainConnack,
  explainReason,
  isUtf8,
  topicMatches,
} from '../../src-main/core/client/index.js';

const msg = (topic: string, text = topic) => ({
  time: Date.now(),
  topic,
  payload: Buffer.from(text),
  qos: 0 as const,
  retain: false,
  dup: false,
});

describe('message log (ring buffer)', () => {
  it('keeps the newest `capacity` messages and counts what it dropped', () => {
    const log = new MessageLog(3);
    for (let i = 1; i <= 5; i++) log.push(msg(`t/${i}`));
    expect(log.size).toBe(3);
    expect(log.received).toBe(5);
    expect(log.dropped).toBe(2);
    expect(log.lastId).toBe(5);
    expect(log.query().messages.map((m) => m.id)).toEqual([3, 4, 5]);
    expect(log.query({ newestFirst: true, limit: 2 }).messages.map((m) => m.id)).toEqual([5, 4]);
    expect(log.query({ offset: 1, limit: 1 }).messages.map((m) => m.id)).toEqual([4]);
  });

  it('queries by MQTT filter or substring, with cursors', () => {
    const log = new MessageLog(100);
    for (const t of ['plant/1/temp', 'plant/2/temp', 'plant/2/hum', 'office/temp', '$SYS/broker/uptime'])
      log.push(msg(t));
    expect(log.query({ topic: 'plant/+/temp' }).messages.map((m) => m.topic)).toEqual([
      'plant/1/temp',
      'plant/2/temp',
    ]);
    expect(log.query({ topic: '#' }).matched).toBe(4); // "#" does not match $SYS topics
    expect(log.query({ topic: '$SYS/#' }).matched).toBe(1);
    expect(log.query({ topic: 'temp' }).matched).toBe(3);
    const page = log.query({ topic: 'plant', afterId: 1 });
    expect(page.matched).toBe(3);
    expect(page.messages.map((m) => m.id)).toEqual([2, 3]);
    expect(log.query({ beforeId: 3 }).messages.map((m) => m.id)).toEqual([1, 2]);
  });

  it('resizes keeping the newest, and clears without reusing ids', () => {
    const log = new MessageLog(10);
    for (let i = 1; i <= 8; i++) log.push(msg(`t/${i}`));
    log.resize(3);
    expect(log.query().messages.map((m) => m.id)).toEqual([6, 7, 8]);
    log.resize(5);
    log.push(msg('t/9'));
    expect(log.query().messages.map((m) => m.id)).toEqual([6, 7, 8, 9]);
    log.clear();
    expect(log.size).toBe(0);
    expect(log.push(msg('t/10')).id).toBe(10);
  });

  it('stays bounded under 200,000 messages', () => {
    const log = new MessageLog(1000);
    for (let i = 0; i < 200_000; i++) log.push(msg('load/x', 'p'));
    expect(log.size).toBe(1000);
    expect(log.dropped).toBe(199_000);
    expect(log.at(0)!.id).toBe(199_001);
  });
});

describe('publish history', () => {
  it('keeps distinct publishes newest first and counts resends', () => {
    const h = new PublishHistory(2);
    h.record({ topic: 'a', payload: '1', format: 'text', qos: 0, retain: false }, 1);
    h.record({ topic: 'b', payload: '2', format: 'text', qos: 1, retain: false }, 2);
    h.record({ topic: 'a', payload: '1', format: 'text', qos: 0, retain: false }, 3);
    expect(h.list().map((e) => [e.topic, e.count, e.time])).toEqual([
      ['a', 2, 3],
      ['b', 1, 2],
    ]);
    h.record({ topic: 'c', payload: '3', format: 'text', qos: 0, retain: true }, 4);
    expect(h.list().map((e) => e.topic)).toEqual(['c', 'a']);
  });
});

describe('payloads and topics', () => {
  it('encodes text, JSON, hex and base64, refusing bad input with the field named', () => {
    expect(encodePayload('héllo', 'text').toString()).toBe('héllo');
    expect(encodePayload('{ "a": 1 }', 'json').toString()).toBe('{ "a": 1 }');
    expect(encodePayload('0x0a:FF 10', 'hex')).toEqual(Buffer.from([0x0a, 0xff, 0x10]));
    expect(encodePayload('aGk=', 'base64').toString()).toBe('hi');
    expect(encodePayload('_-8', 'base64')).toEqual(Buffer.from('/+8', 'base64'));
    expect(() => encodePayload('{a:1}', 'json')).toThrow(/payload: not valid JSON/);
    expect(() => encodePayload('abc', 'hex')).toThrow(/even number of digits/);
    expect(() => encodePayload('zz', 'hex')).toThrow(/"z" is not a hex digit/);
    expect(() => encodePayload('a$b=', 'base64')).toThrow(/not valid base64/);
    expect(isUtf8(Buffer.from([0xff, 0xfe]))).toBe(false);
    expect(isUtf8(Buffer.from('ok'))).toBe(true);
  });

  it('checks topic names and filters and matches like MQTT', () => {
    expect(() => checkTopicName('a/+/b')).toThrow(/wildcard/);
    expect(() => checkTopicName('')).toThrow(/empty/);
    expect(() => checkTopicFilter('a/#/b')).toThrow(/"#" must be a whole level and the last one/);
    expect(() => checkTopicFilter('a/b+')).toThrow(/"\+" must fill a whole level/);
    expect(checkTopicFilter('+/x/#')).toBe('+/x/#');
    expect(topicMatches('sport/#', 'sport')).toBe(true);
    expect(topicMatches('sport/+', 'sport')).toBe(false);
    expect(topicMatches('sport/+', 'sport/')).toBe(true);
    expect(topicMatches('+/+', '/finance')).toBe(true);
    expect(topicMatches('#', '$SYS/x')).toBe(false);
    expect(topicMatches('+/monitor', '$SYS/monitor')).toBe(false);
  });
});

describe('reason codes in words', () => {
  it('explains MQTT 3.1.1 CONNACK codes and MQTT 5 reason codes', () => {
    expect(explainConnack(5, 4)).toMatchObject({ name: 'Not authorized' });
    expect(explainConnack(4, 4).meaning).toMatch(/username or password/);
    expect(explainConnack(1, 4).fix).toMatch(/protocol version/);
    expect(explainConnack(0x87, 5)).toMatchObject({ name: 'Not authorized' });
    expect(explainConnack(0x84, 5).fix).toMatch(/3\.1\.1/);
    expect(explainReason(0x8e).meaning).toMatch(/same client id/);
    expect(explainConnack(77, 4).meaning).toMatch(/does not define/);
  });
});
