/**
 * topicMatchesFilter against Mosquitto's own matching: one real subscriber per filter on Debian's
 * Mosquitto, a publisher sends every topic, and what each subscriber receives must be exactly what
 * topicMatchesFilter predicts. Plus filterProblem, filterCovers and filtersOverlap.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  filterCovers,
  filterProblem,
  filtersOverlap,
  isPublishTopic,
  topicMatchesFilter,
} from '../../src-main/core/acl/index.js';
import { startMosquitto, type RunningMosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { sharedTempDir } from '../helpers/tmp.js';
import { barrier, connect, withTimeout } from './mqtt-test-client.js';

const FILTERS = [
  '#',
  '+',
  '+/#',
  '/#',
  'a',
  'a/#',
  'a/+',
  'a/+/#',
  'a/+/c',
  '+/+',
  '+/b/#',
  'a//c',
  '/+',
  '+/',
  'a/b/',
  '$SYS/#',
  '$x/#',
  '$x/+',
  '+/x',
  '$x',
  'A',
  'a b',
];
const TOPICS = [
  'a',
  'a/',
  'a/b',
  'a/b/c',
  'a/b/c/d',
  'a//c',
  '/',
  '/a',
  '//',
  'b',
  'b/b',
  'x/b/y',
  '$x',
  '$x/a',
  '$x/a/b',
  '$y/x',
  'A',
  'a b',
  'é/ü',
];

describe('topicMatchesFilter agrees with Mosquitto subscriptions', () => {
  let broker: RunningMosquitto;
  let port: number;
  beforeAll(async () => {
    const dir = sharedTempDir('acl-topics-');
    port = await freePort();
    broker = await startMosquitto(
      dir,
      `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`,
      port,
    );
  });
  afterAll(async () => broker?.stop());

  test('every filter × topic', async () => {
    const subscribers = await Promise.all(FILTERS.map((_, i) => connect(port, `sub-${i}`, undefined)));
    try {
      await Promise.all(
        subscribers.map((s, i) => withTimeout(s.client.subscribeAsync(FILTERS[i]!, { qos: 0 }), FILTERS[i]!)),
      );
      const publisher = await connect(port, 'pub', undefined);
      for (const [i, topic] of TOPICS.entries()) {
        await withTimeout(publisher.client.publishAsync(topic, `m${i}`, { qos: 1 }), topic);
      }
      await publisher.client.endAsync();
      await Promise.all(subscribers.map((s) => barrier(s.client)));
      const mismatches: string[] = [];
      FILTERS.forEach((filter, f) => {
        TOPICS.forEach((topic, t) => {
          const theirs = subscribers[f]!.got.some((g) => g.payload === `m${t}` && g.topic === topic);
          const ours = topicMatchesFilter(filter, topic);
          if (ours !== theirs) mismatches.push(`${filter} ~ ${topic}: mosquitto ${theirs}, ours ${ours}`);
        });
      });
      expect(mismatches).toEqual([]);
    } finally {
      for (const s of subscribers) s.client.end(true);
    }
  });
});

describe('topic filters', () => {
  test('filterProblem follows mosquitto_sub_topic_check', () => {
    for (const ok of [
      '#',
      '+',
      'a/+/b',
      'a/#',
      '+/+/#',
      '',
      'a b',
      '$SYS/#',
      'a//b',
      `${'a/'.repeat(200)}a`,
    ]) {
      expect(filterProblem(ok), ok).toBeUndefined();
    }
    for (const bad of ['a+', '+a', 'a/#/b', '#/a', 'a#', 'a/b#', `${'a/'.repeat(201)}a`, 'x'.repeat(65536)]) {
      expect(filterProblem(bad), bad).toBeDefined();
    }
  });

  test('invalid filters and wildcard topics match nothing', () => {
    expect(topicMatchesFilter('a/#/b', 'a/x/b')).toBe(false);
    expect(topicMatchesFilter('a+', 'a+')).toBe(false);
    expect(topicMatchesFilter('#', 'a/+')).toBe(false);
    expect(topicMatchesFilter('', 'a')).toBe(false);
    expect(topicMatchesFilter('#', '')).toBe(false);
  });

  test('isPublishTopic refuses wildcards, empty topics and control characters', () => {
    expect(isPublishTopic('a/b')).toBe(true);
    expect(isPublishTopic('é/😀')).toBe(true);
    for (const bad of ['', 'a/+', '#', 'tab\there', 'nul\0', 'del\x7f', 'c1\x85', 'lone\ud800']) {
      expect(isPublishTopic(bad), JSON.stringify(bad)).toBe(false);
    }
  });

  test('filterCovers and filtersOverlap agree with topicMatchesFilter on every sample topic', () => {
    const filters = [...FILTERS, 'a/b', 'a/b/c', '+/b', 'a/+/+'];
    const topics = [...TOPICS, 'a/b/c/d/e', 'q', 'q/b'];
    for (const x of filters) {
      for (const y of filters) {
        const matchesX = topics.filter((t) => topicMatchesFilter(x, t));
        const matchesY = topics.filter((t) => topicMatchesFilter(y, t));
        if (filterCovers(x, y)) {
          // Every sample topic y matches, x matches too.
          expect(
            matchesY.every((t) => matchesX.includes(t)),
            `${x} covers ${y}`,
          ).toBe(true);
        }
        if (matchesY.some((t) => !matchesX.includes(t)))
          expect(filterCovers(x, y), `${x} covers ${y}`).toBe(false);
        if (matchesX.some((t) => matchesY.includes(t)))
          expect(filtersOverlap(x, y), `${x} overlaps ${y}`).toBe(true);
      }
    }
    expect(filterCovers('a/#', 'a')).toBe(true);
    expect(filterCovers('#', '$SYS/x')).toBe(false);
    expect(filterCovers('+/#', 'a/b/#')).toBe(true);
    expect(filterCovers('a/+', 'a/#')).toBe(false);
    expect(filtersOverlap('a/+', 'a/b/c')).toBe(false);
    expect(filtersOverlap('a/b/#', 'a')).toBe(false);
    expect(filtersOverlap('a/#', 'a')).toBe(true);
    expect(filtersOverlap('#', '$SYS/#')).toBe(false);
  });
});
