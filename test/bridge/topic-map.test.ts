import { describe, expect, it } from 'vitest';
import { parseTopicLine, remapIn, remapOut } from '../../src-main/core/broker/bridge/index.js';
import { parseMosquittoConf, formatMosquittoConf } from '../../src-main/core/conf/index.js';

/** Mosquitto 2.0.11's bridge topic rules (conf.c, bridge_topic.c); the differential test checks them live. */
describe('bridge topic lines', () => {
  it('defaults to out and QoS 0; prefixes are prepended as written', () => {
    expect(parseTopicLine('a/#')).toMatchObject({
      direction: 'out',
      qos: 0,
      localTopic: 'a/#',
      remoteTopic: 'a/#',
    });
    expect(parseTopicLine('sensors/# both 2 site/ factory/')).toMatchObject({
      direction: 'both',
      qos: 2,
      localTopic: 'site/sensors/#',
      remoteTopic: 'factory/sensors/#',
    });
    expect(parseTopicLine('x in 1 "" remote/')).toMatchObject({ localTopic: 'x', remoteTopic: 'remote/x' });
  });

  it('an empty pattern "" needs both prefixes (Mosquitto: Invalid bridge remapping)', () => {
    expect(parseTopicLine('"" out 0 local/alarm remote/alarm')).toMatchObject({
      localTopic: 'local/alarm',
      remoteTopic: 'remote/alarm',
    });
    expect(() => parseTopicLine('"" out 0 local/')).toThrow(/invalid bridge remapping/);
    expect(() => parseTopicLine('a/# out 1 bad/+/ x/')).toThrow(/local prefix 'bad\/\+\/'/);
    expect(() => parseTopicLine('a/# sideways')).toThrow(/direction 'sideways'/);
    expect(() => parseTopicLine('a/# out 3')).toThrow(/QoS level '3'/);
  });

  it('remaps out and in with the first matching line that has a prefix', () => {
    const topics = [
      'sensors/# out 1 site/ factory/',
      'cmd/# in 1 site/ factory/',
      'plain/# both 0',
      '"" out 0 l/alarm r/alarm',
    ].map(parseTopicLine);
    expect(remapOut(topics, 'site/sensors/t1')).toBe('factory/sensors/t1');
    expect(remapOut(topics, 'l/alarm')).toBe('r/alarm');
    expect(remapOut(topics, 'plain/x')).toBe('plain/x');
    expect(remapIn(topics, 'factory/cmd/go')).toBe('site/cmd/go');
    // an out-only line does not remap incoming messages
    expect(remapIn(topics, 'factory/sensors/back')).toBe('factory/sensors/back');
  });
});

describe('bridge options in mosquitto.conf', () => {
  const conf = [
    'listener 1883',
    'connection up',
    'address a.example:8883 b.example:8883',
    'round_robin true',
    'topic # out 1',
    'notifications false',
    'notification_topic status/up',
    'notifications_local_only true',
    'start_type lazy',
    'idle_timeout 30',
    'threshold 5',
    'restart_timeout 2 20',
    'try_private false',
    'local_clientid here',
    'bridge_attempt_unsubscribe false',
    'bridge_max_packet_size 1000',
    'bridge_outgoing_retain false',
    'bridge_protocol_version mqttv50',
    '',
  ].join('\n');

  it('are read and written back unchanged', () => {
    const parsed = parseMosquittoConf(conf, 'x.conf');
    expect(parsed.bridges[0]).toMatchObject({
      roundRobin: true,
      notifications: false,
      notificationTopic: 'status/up',
      notificationsLocalOnly: true,
      startType: 'lazy',
      idleTimeout: 30,
      threshold: 5,
      restartTimeout: { base: 2, cap: 20 },
      tryPrivate: false,
      localClientId: 'here',
      attemptUnsubscribe: false,
      maxPacketSize: 1000,
      outgoingRetain: false,
      protocolVersion: 'mqttv50',
    });
    expect(parseMosquittoConf(formatMosquittoConf(parsed), 'y.conf').bridges).toEqual(parsed.bridges);
  });

  it('a bad value names its line', () => {
    expect(() =>
      parseMosquittoConf('listener 1\nconnection c\naddress h\ntopic #\nstart_type eager\n', 'b.conf'),
    ).toThrow(/b\.conf:5: invalid start_type "eager"/);
    expect(() =>
      parseMosquittoConf('listener 1\nconnection c\naddress h\ntopic #\nrestart_timeout 9 3\n', 'b.conf'),
    ).toThrow(/b\.conf:5: backoff cap 3 is lower than the base 9/);
  });
});
