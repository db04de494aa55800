import type { PayloadFormat } from './payload.js';
import type { QoS } from './profile.js';

/** MQTT 5 properties a user may set on a publish (JSON-friendly). */
export interface PublishProperties {
  payloadFormatIndicator?: boolean;
  messageExpiryInterval?: number;
  contentType?: string;
  responseTopic?: string;
  /** Correlation data as hex. */
  correlationData?: string;
  userProperties?: Record<string, string>;
}

/** A publish as the user asked for it: enough to send it again. */
export interface PublishRequest {
  topic: string;
  payload: string;
  format: PayloadFormat;
  qos: QoS;
  retain: boolean;
  properties?: PublishProperties;
}

export interface PublishHistoryEntry extends PublishRequest {
  /** Last time it was sent, ms since the epoch. */
  time: number;
  /** How many times it was sent. */
  count: number;
}

function keyOf(request: PublishRequest): string {
  return JSON.stringify([
    request.topic,
    request.payload,
    request.format,
    request.qos,
    request.retain,
    request.properties ?? null,
  ]);
}

/** The most recent distinct publishes, newest first; sending one again moves it to the top. */
export class PublishHistory {
  private entries: PublishHistoryEntry[] = [];

  constructor(private readonly capacity = 50) {}

  record(request: PublishRequest, time = Date.now()): PublishHistoryEntry {
    const key = keyOf(request);
    const index = this.entries.findIndex((e) => keyOf(e) === key);
    const previous = index >= 0 ? this.entries.splice(index, 1)[0]! : undefined;
    const entry: PublishHistoryEntry = {
      ...structuredClone(request),
      time,
      count: (previous?.count ?? 0) + 1,
    };
    this.entries.unshift(entry);
    if (this.entries.length > this.capacity) this.entries.length = this.capacity;
    return entry;
  }

  list(): PublishHistoryEntry[] {
    return this.entries.map((e) => structuredClone(e));
  }

  clear(): void {
    this.entries = [];
  }
}
