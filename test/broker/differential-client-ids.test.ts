import { describe, expect, it } from 'vitest';
import { run } from '../helpers/run.js';
import { rawConnect } from './differential.js';
import { pairForFile } from './pair-for-file.js';
import { connectV5, end, onBoth } from './mqtt5-clients.js';

/**
 * mosquitto.conf's `auto_id_prefix` and `allow_zero_length_clientid`, Debian's Mosquitto 2.0.11 as the judge
 * (same conf on both brokers, per listener with per_listener_settings, as Mosquitto scopes them): the ids
 * assigned to clients that bring none, and the refusal of those clients where an id is required.
 */
const pair = pairForFile(
  'mts-diff-client-ids-',
  ([prefixed, strict]) =>
    [
      'per_listener_settings true',
      `listener ${prefixed} 127.0.0.1`,
      'allow_anonymous true',
      'auto_id_prefix dev-',
      `listener ${strict} 127.0.0.1`,
      'allow_anonymous true',
      'allow_zero_length_clientid false',
      '',
    ].join('\n'),
  { listeners: 2 },
);

/** The id mosquitto_pub was given (its debug output names the client), or how it was refused. */
async function pubId(port: number, version: 'mqttv5' | 'mqttv311'): Promise<string> {
  const result = await run(
    'mosquitto_pub',
    ['-h', '127.0.0.1', '-p', String(port), '-V', version, '-t', 'ids/a', '-m', 'x', '-d'],
    { timeoutMs: 10_000 },
  );
  const id = /Client (\S+) received CONNACK \(0\)/.exec(result.stdout)?.[1];
  if (id) return id.replace(/[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/, 'UUID');
  return `exit ${result.code}: ${(result.stderr.split('\n')[0] ?? '').trim()}`;
}

describe('client ids on both brokers', () => {
  it('assigns auto_id_prefix ids and refuses empty ids where allow_zero_length_clientid is false', async () => {
    const listenerOf = (pairSide: { ports: number[] }, index: number) => pairSide.ports[index];
    const scenario = async (side: { ports: number[] }) => {
      const [prefixed, strict] = [listenerOf(side, 0), listenerOf(side, 1)];
      const v5 = await connectV5(prefixed, { clientId: '' });
      const assigned = v5.connack.properties?.assignedClientIdentifier;
      await end(v5.client);
      return {
        'mosquitto_pub v5, prefixed listener': await pubId(prefixed, 'mqttv5'),
        'mosquitto_pub 3.1.1, prefixed listener': await pubId(prefixed, 'mqttv311'),
        'mqtt.js v5 assigned id': assigned?.replace(/[0-9A-F-]{36}$/, 'UUID'),
        'mosquitto_pub v5, strict listener': await pubId(strict, 'mqttv5'),
        'mosquitto_pub 3.1.1, strict listener': await pubId(strict, 'mqttv311'),
        'raw v5 empty id, strict listener': await rawConnect(strict, { clientId: '', clean: true, level: 5 }),
        'raw 3.1.1 empty id, strict listener': await rawConnect(strict, { clientId: '', clean: true }),
        'raw 3.1.1 with an id, strict listener': await rawConnect(strict, {
          clientId: 'has-one',
          clean: true,
        }),
      };
    };
    const [mosquitto, ours] = await onBoth(pair, async (_port, tag) =>
      scenario(tag === 'mosquitto' ? pair.mosquitto : pair.ours),
    );
    expect(ours).toEqual(mosquitto);
    expect(mosquitto).toEqual({
      'mosquitto_pub v5, prefixed listener': 'dev-UUID',
      'mosquitto_pub 3.1.1, prefixed listener': '(null)', // MQTT 3.1.1 does not tell the client its id
      'mqtt.js v5 assigned id': 'dev-UUID',
      'mosquitto_pub v5, strict listener': 'exit 128: Connection error: Unspecified error',
      'mosquitto_pub 3.1.1, strict listener':
        'exit 2: Connection error: Connection Refused: identifier rejected.',
      'raw v5 empty id, strict listener': 'connack 128',
      'raw 3.1.1 empty id, strict listener': 'connack 2',
      'raw 3.1.1 with an id, strict listener': 'accepted',
    });
    // the 3.1.1 client's assigned id, as our log shows it (Mosquitto's log says `dev-…` too)
    const ids = pair.ours.events.filter((e) => e.kind === 'connected' && e.protocolVersion === 4);
    expect(ids[0]?.clientId).toMatch(/^dev-[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
    const refused = pair.ours.events.filter((e) => e.kind === 'refused');
    expect(refused.map((e) => e.reason)).toContain(
      'a client id is required: allow_zero_length_clientid is false',
    );
  }, 30_000);
});
