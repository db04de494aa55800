import type { Aedes } from 'aedes';
import { topicMatchesFilter } from '../../acl/topic-filter.js';

/** A message of the local broker as the bridge sees it. */
export interface LocalMessage {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
  /** The client that published it (the bridge's own local id for what it brought in). */
  clientId?: string;
}

/** What a bridge needs of the local broker: subscribe in process, and publish into it. */
export interface LocalSide {
  subscribe(filter: string, deliver: (message: LocalMessage) => void): () => void;
  publish(message: LocalMessage): Promise<void>;
  /** The retained messages matching a filter (sent out when a bridge connects, as Mosquitto does). */
  retained(filter: string): Promise<LocalMessage[]>;
}

interface AedesPacket {
  topic: string;
  payload: Buffer | string;
  qos?: 0 | 1 | 2;
  retain?: boolean;
  clientId?: string;
}

const asBuffer = (payload: Buffer | string) => (typeof payload === 'string' ? Buffer.from(payload) : payload);

/**
 * The local side over the aedes instance itself: subscriptions on its emitter (no MQTT connection, so
 * no listener, authentication or ACL is involved — Mosquitto's bridges bypass the ACL too), and
 * publishes that carry the bridge's local client id so its own subscriptions skip them (no-local).
 */
export function aedesLocalSide(aedes: Aedes): LocalSide {
  return {
    subscribe(filter, deliver) {
      const startsWithWildcard = filter.startsWith('#') || filter.startsWith('+');
      const handler = (packet: AedesPacket, cb: () => void) => {
        // A filter starting with a wildcard never matches a `$` topic ($SYS included).
        if (!(startsWithWildcard && packet.topic.startsWith('$'))) {
          const message: LocalMessage = {
            topic: packet.topic,
            payload: asBuffer(packet.payload),
            qos: packet.qos ?? 0,
            retain: Boolean(packet.retain),
          };
          if (packet.clientId !== undefined) message.clientId = packet.clientId;
          deliver(message);
        }
        cb();
      };
      aedes.subscribe(filter, handler as never, () => undefined);
      return () => aedes.unsubscribe(filter, handler as never, () => undefined);
    },
    publish(message) {
      return new Promise<void>((resolve, reject) => {
        const packet = {
          cmd: 'publish' as const,
          topic: message.topic,
          payload: message.payload,
          qos: message.qos,
          retain: message.retain,
          dup: false,
          ...(message.clientId !== undefined ? { clientId: message.clientId } : {}),
        };
        aedes.publish(packet as never, (error?: Error) => (error ? reject(error) : resolve()));
      });
    },
    async retained(filter) {
      const out: LocalMessage[] = [];
      const persistence = (
        aedes as unknown as {
          persistence: { createRetainedStreamCombi(p: string[]): AsyncIterable<AedesPacket> };
        }
      ).persistence;
      for await (const packet of persistence.createRetainedStreamCombi([filter])) {
        if (!topicMatchesFilter(filter, packet.topic)) continue;
        out.push({
          topic: packet.topic,
          payload: asBuffer(packet.payload),
          qos: packet.qos ?? 0,
          retain: true,
        });
        if (out.length >= 1000) break;
      }
      return out;
    },
  };
}
