import { randomBytes } from 'node:crypto';
import type { Client, ConnectPacket } from 'aedes';
import mqttPacket from 'mqtt-packet';

/**
 * What Mosquitto 2.0.11 does for an MQTT 5 client (and, for the client id, any client) that aedes does
 * differently or leaves to its options, done through aedes' options and hooks: see startBroker.
 */

/** aedes' per-connection fields read or set here (not in its typings). */
interface ClientInternals {
  _serverKeepAlive?: number;
  _assignedClientId?: string;
  version?: number;
  maximumPacketSize?: number;
}

/**
 * A client id as Mosquitto generates one for a CONNECT without: auto_id_prefix (`auto-`), then 16 random bytes
 * in uppercase hex laid out like a UUID (`auto-0A7E0E42-94E8-C7FE-D184-7B242D8EEFF0`).
 */
export function generateClientId(prefix = 'auto-'): string {
  const hex = randomBytes(16).toString('hex').toUpperCase();
  return `${prefix}${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * At preConnect: give a CONNECT without client id Mosquitto's `auto-…` id (aedes would make `aedes_<uuid>`),
 * and a v5 client asking for keep alive 0 or more than max_keepalive that limit as Server Keep Alive, as
 * Mosquitto 2.0.11 does. (aedes' own `keepaliveLimit` would also refuse such a 3.1.1 client, with a return
 * code 3.1.1 does not have; Mosquitto accepts it.) Returns true when the id was assigned, so that
 * `reportAssignedId` can tell a v5 client.
 */
export function prepareConnect(
  client: Client,
  packet: ConnectPacket,
  maxKeepalive: number,
  autoIdPrefix?: string,
): boolean {
  if (packet.protocolVersion === 5 && (!packet.keepalive || packet.keepalive > maxKeepalive))
    (client as unknown as ClientInternals)._serverKeepAlive = maxKeepalive;
  if (packet.clientId) return false;
  packet.clientId = generateClientId(autoIdPrefix);
  return true;
}

/** After aedes read the CONNECT: report an id we assigned as the CONNACK's Assigned Client Identifier (v5). */
export function reportAssignedId(client: Client): void {
  const internals = client as unknown as ClientInternals;
  if (internals.version === 5) internals._assignedClientId = client.id;
}

/** The PUBLISH fields the size of a packet depends on. */
interface OutgoingPublish {
  topic: string;
  payload: Buffer | string;
  qos: number;
  properties?: Record<string, unknown>;
}

/**
 * True when a PUBLISH would be larger than the Maximum Packet Size the client set in its CONNECT:
 * Mosquitto does not send it (nor queue it) to that client, and keeps the connection ([MQTT-3.1.2-24]).
 * Only clients that set the property pay for the encoding.
 */
export function tooLargeForClient(client: Client, packet: OutgoingPublish): boolean {
  const max = (client as unknown as ClientInternals).maximumPacketSize;
  if (!max) return false;
  const size = mqttPacket.generate(
    {
      cmd: 'publish',
      topic: packet.topic,
      payload: packet.payload,
      qos: packet.qos as 0 | 1 | 2,
      dup: false,
      retain: false,
      ...(packet.qos > 0 ? { messageId: 1 } : {}),
      ...(packet.properties ? { properties: packet.properties } : {}),
    },
    { protocolVersion: 5 },
  ).length;
  return size > max;
}
