/** Small helpers for tests that drive a real broker with mqtt.js clients, with a timeout on every wait. */
import mqtt, { type MqttClient } from 'mqtt';

const WAIT_MS = 8000;

export function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), WAIT_MS);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

export interface Received {
  topic: string;
  payload: string;
}

export async function connect(
  port: number,
  clientId: string,
  username: string | undefined,
  tls?: { ca: string; cert: string; key: string },
): Promise<{ client: MqttClient; got: Received[] }> {
  const got: Received[] = [];
  const client = mqtt.connect(`${tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`, {
    clientId,
    ...(tls ? { ...tls, rejectUnauthorized: true } : {}),
    ...(username !== undefined ? { username } : {}),
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: WAIT_MS,
  });
  client.on('message', (topic, payload) => got.push({ topic, payload: payload.toString() }));
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
      client.once('close', () => reject(new Error(`connection of ${clientId} closed`)));
    }),
    `connect ${clientId}`,
  );
  client.removeAllListeners('error');
  client.on('error', () => undefined);
  return { client, got };
}

/**
 * Resolves once every message the broker queued for this client before now has arrived: the broker
 * writes the SUBACK of this new subscription after them on the same connection.
 */
let barrierCount = 0;
export async function barrier(client: MqttClient): Promise<void> {
  await withTimeout(client.subscribeAsync(`__barrier/${++barrierCount}`, { qos: 0 }), 'barrier');
}
