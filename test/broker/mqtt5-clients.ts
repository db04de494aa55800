import mqtt, { type IClientOptions, type IConnackPacket, type IPublishPacket, type MqttClient } from 'mqtt';
import type { BrokerPair } from './differential.js';

/** An mqtt.js MQTT 5 client, the CONNACK it got and every message it received from the start. */
export interface V5Client {
  client: MqttClient;
  connack: IConnackPacket;
  seen: Seen[];
}

/** Connect an mqtt.js client with MQTT 5 (no reconnect); rejects on a refusal or a timeout. */
export function connectV5(port: number, options: IClientOptions = {}): Promise<V5Client> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
      protocolVersion: 5,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...options,
    });
    // collected from the start: queued messages can arrive in the same read as the CONNACK
    const seen = collectV5(client);
    client.once('connect', (connack) => resolve({ client, connack, seen }));
    client.once('error', (error) => {
      client.end(true);
      reject(error);
    });
  });
}

/** What a subscriber saw of one message, in terms both brokers can be compared on. */
export interface Seen {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
  properties?: Record<string, unknown>;
}

function seen(packet: IPublishPacket): Seen {
  const entry: Seen = {
    topic: packet.topic,
    payload: packet.payload.toString(),
    qos: packet.qos,
    retain: packet.retain,
  };
  if (packet.properties && Object.keys(packet.properties).length) {
    const properties: Record<string, unknown> = { ...packet.properties };
    if (Buffer.isBuffer(properties.correlationData))
      properties.correlationData = `hex:${properties.correlationData.toString('hex')}`;
    entry.properties = properties;
  }
  return entry;
}

/** Every message a client receives, in order. */
export function collectV5(client: MqttClient): Seen[] {
  const list: Seen[] = [];
  client.on('message', (_topic, _payload, packet) => list.push(seen(packet)));
  return list;
}

/**
 * Hold the acknowledgements of received QoS 1/2 messages (mqtt.js sends PUBACK/PUBREC when handleMessage
 * calls back): `release()` lets the held ones go, oldest first.
 */
export function holdAcks(client: MqttClient): { held: () => number; release: (count?: number) => void } {
  const callbacks: Array<() => void> = [];
  client.handleMessage = (_packet, callback) => {
    callbacks.push(() => callback());
  };
  return {
    held: () => callbacks.length,
    release(count = callbacks.length) {
      for (const callback of callbacks.splice(0, count)) callback();
    },
  };
}

export function subscribe(
  client: MqttClient,
  topic: string | string[],
  options: Parameters<MqttClient['subscribe']>[1] = { qos: 1 },
): Promise<number[]> {
  return new Promise((resolve, reject) =>
    client.subscribe(topic, options, (error, granted) =>
      error ? reject(error) : resolve((granted ?? []).map((g) => g.qos)),
    ),
  );
}

export function publish(
  client: MqttClient,
  topic: string,
  payload: string | Buffer,
  options: Parameters<MqttClient['publish']>[2] = {},
): Promise<void> {
  return new Promise((resolve, reject) =>
    client.publish(topic, payload, options, (error) => (error ? reject(error) : resolve())),
  );
}

export function end(client: MqttClient): Promise<void> {
  return new Promise((resolve) => client.end(false, {}, () => resolve()));
}

/** Drop the connection without DISCONNECT (the broker sees a network failure). */
export function drop(client: MqttClient): void {
  (client as unknown as { stream: { destroy(): void } }).stream.destroy();
  client.end(true);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Wait until `done()` holds or `ms` pass. */
export async function until(done: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await sleep(25);
}

/** Run the same scenario on Mosquitto and on our broker at once; Mosquitto's outcome first. */
export function onBoth<T>(
  pair: BrokerPair,
  scenario: (port: number, tag: string) => Promise<T>,
): Promise<[T, T]> {
  return Promise.all([
    scenario(pair.mosquitto.ports[0], 'mosquitto'),
    scenario(pair.ours.ports[0], 'ours'),
  ]).then((both) => {
    if (process.env.MQTT5_DEBUG) console.log(JSON.stringify(both, null, 1));
    return both;
  });
}
