import { describe, expect, it } from 'vitest';
import { effectiveLimits, formatMosquittoConf, parseMosquittoConf } from '../../src-main/core/conf/index.js';
import { isUserError } from '../../src-main/core/user-error.js';
import { freePort } from '../helpers/ports.js';
import { run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * mosquitto.conf's tuning options (max_packet_size, max_inflight_messages, max_queued_messages,
 * max_topic_alias, max_keepalive): our parser accepts and refuses the values Debian's Mosquitto 2.0.11
 * starts with or refuses, keeps them through the formatter, and the broker serves Mosquitto's defaults
 * when they are unset. (What the broker does with them: test/broker/differential-broker-limits.test.ts.)
 */
const FILE = '/etc/mosquitto/limits.conf';
const dir = tempDir('mts-conf-limits-');

/** Does Debian's Mosquitto start with this line? (It exits with 3 at once on a refused value.) */
async function mosquittoAccepts(line: string): Promise<boolean> {
  const conf = join(dir, 'judge.conf');
  writeFileSync(conf, `listener ${await freePort()} 127.0.0.1\nallow_anonymous true\n${line}\n`);
  const result = await run('mosquitto', ['-c', conf], { timeoutMs: 700 });
  return result.code === null; // still running when killed
}

function oursAccepts(line: string): boolean {
  try {
    parseMosquittoConf(`listener 1883\n${line}\n`, FILE);
    return true;
  } catch (error) {
    if (!isUserError(error)) throw error;
    expect(error.location).toMatchObject({ file: FILE, line: 2 });
    return false;
  }
}

describe('tuning options', () => {
  it('accepts and refuses the values Mosquitto 2.0.11 does', async () => {
    const lines = [
      'max_packet_size 20',
      'max_packet_size 19',
      'max_packet_size 0',
      'max_packet_size 268435456',
      'max_inflight_messages 0',
      'max_inflight_messages -1',
      'max_inflight_messages 65535',
      'max_inflight_messages 65536',
      'max_queued_messages 0',
      'max_queued_messages -1',
      'max_topic_alias 0',
      'max_topic_alias 65535',
      'max_topic_alias 65536',
      'max_topic_alias -1',
      'max_keepalive 9',
      'max_keepalive 10',
      'max_keepalive 65535',
      'max_keepalive 65536',
      'max_keepalive',
    ];
    const mosquitto: Record<string, boolean> = {};
    const ours: Record<string, boolean> = {};
    for (const line of lines) {
      mosquitto[line] = await mosquittoAccepts(line);
      ours[line] = oursAccepts(line);
    }
    expect(ours).toEqual(mosquitto);
    expect(Object.values(mosquitto).filter(Boolean)).toHaveLength(11);
  }, 60_000);

  it('names the line and the range of a refused value', () => {
    expect(() => parseMosquittoConf('listener 1883\n\nmax_keepalive 5\n', FILE)).toThrow(
      `${FILE}:3: invalid max_keepalive value 5: must be 10 to 65535`,
    );
    expect(() => parseMosquittoConf('listener 1883\nmax_packet_size big\n', FILE)).toThrow(
      `${FILE}:2: invalid max_packet_size value "big": not a number`,
    );
  });

  it('keeps the values through the formatter and serves Mosquitto defaults when unset', () => {
    const conf = parseMosquittoConf(
      [
        'max_packet_size 1000',
        'listener 1883',
        'max_inflight_messages -1',
        'max_queued_messages 50',
        'max_topic_alias 0',
        'max_keepalive 60',
        'max_keepalive 120',
        '',
      ].join('\n'),
      FILE,
    );
    expect(conf.limits).toEqual({
      maxPacketSize: 1000,
      maxInflightMessages: -1,
      maxQueuedMessages: 50,
      maxTopicAlias: 0,
      maxKeepalive: 120, // a later line wins, as in Mosquitto
    });
    expect(conf.source?.lines['limits.maxKeepalive']).toBe(7);
    const again = parseMosquittoConf(formatMosquittoConf(conf), FILE);
    expect(again.limits).toEqual(conf.limits);
    expect(effectiveLimits(conf.limits)).toEqual({
      maxPacketSize: 1000,
      receiveMaximum: 0, // no limit: no Receive Maximum in the CONNACK
      maxQueuedMessages: 50,
      topicAliasMaximum: 0,
      maxKeepalive: 120,
    });
    expect(effectiveLimits(parseMosquittoConf('listener 1883\n', FILE).limits)).toEqual({
      maxPacketSize: 0,
      receiveMaximum: 20,
      maxQueuedMessages: 1000,
      topicAliasMaximum: 10,
      maxKeepalive: 65535,
    });
  });

  it('reads auto_id_prefix and allow_zero_length_clientid as security options (per listener when asked)', () => {
    const text = [
      'per_listener_settings true',
      'listener 1883',
      'allow_anonymous true',
      'auto_id_prefix dev-',
      'listener 1884',
      'allow_zero_length_clientid false',
      '',
    ].join('\n');
    const conf = parseMosquittoConf(text, FILE);
    expect(conf.listeners.map((l) => l.security)).toEqual([
      { allowAnonymous: true, autoIdPrefix: 'dev-' },
      { allowZeroLengthClientid: false },
    ]);
    expect(parseMosquittoConf(formatMosquittoConf(conf), FILE).listeners.map((l) => l.security)).toEqual(
      conf.listeners.map((l) => l.security),
    );
    // Mosquitto 2.0.11: "Duplicate auto_id_prefix value in configuration."
    expect(() => parseMosquittoConf('listener 1883\nauto_id_prefix a-\nauto_id_prefix b-\n', FILE)).toThrow(
      `${FILE}:3: duplicate auto_id_prefix value`,
    );
  });
});
