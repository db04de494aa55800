import type { QoS } from './profile.js';
import { isWildcardFilter, topicMatches } from './topic.js';
import { MAX_LOG_BYTES } from './peer-limits.js';

/** MQTT 5 publish properties as the log keeps them (JSON-friendly). */
export interface MessageProperties {
  payloadFormatIndicator?: boolean;
  messageExpiryInterval?: number;
  contentType?: string;
  responseTopic?: string;
  /** Correlation data as hex. */
  correlationData?: string;
  userProperties?: Record<string, string | string[]>;
  subscriptionIdentifier?: number | number[];
  topicAlias?: number;
}

export interface LoggedMessage {
  /** 1, 2, 3… per connection, never reused (survives clear). */
  id: number;
  /** Arrival time, ms since the epoch. */
  time: number;
  topic: string;
  payload: Buffer;
  qos: QoS;
  retain: boolean;
  dup: boolean;
  properties?: MessageProperties;
}

export interface LogQuery {
  /** MQTT filter when it has + or #, else a substring of the topic. */
  topic?: string;
  /** Only messages with id greater than this. */
  afterId?: number;
  /** Only messages with id less than this. */
  beforeId?: number;
  /** Skip this many matches (counted from the newest when newestFirst, else from the oldest). */
  offset?: number;
  limit?: number;
  newestFirst?: boolean;
}

export interface LogPage {
  messages: LoggedMessage[];
  /** How many messages of the log match the topic filter (ignores afterId/beforeId/offset/limit). */
  matched: number;
  /** How many the log holds now. */
  size: number;
  /** Messages received since the connection opened (or since clear), including those dropped. */
  received: number;
  /** Oldest messages dropped because the log was full. */
  dropped: number;
}

/** Build the topic test of a query once (MQTT filter or substring). */
export function topicPredicate(text: string | undefined): (topic: string) => boolean {
  if (!text) return () => true;
  if (isWildcardFilter(text)) return (topic) => topicMatches(text, topic);
  return (topic) => topic.includes(text);
}

/** Bytes a logged message holds: its payload and topic (what a broker decides the size of). */
function weightOf(message: LoggedMessage | undefined): number {
  return message ? message.payload.length + message.topic.length : 0;
}

/**
 * A bounded ring buffer of received messages: memory stays bounded by `capacity` messages and by
 * `maxBytes` of payload and topic however fast and large messages arrive; the oldest are dropped first.
 */
export class MessageLog {
  private slots: Array<LoggedMessage | undefined>;
  private start = 0;
  private count = 0;
  private nextId = 1;
  private receivedCount = 0;
  private droppedCount = 0;
  private heldBytes = 0;

  constructor(
    capacity: number,
    readonly maxBytes: number = MAX_LOG_BYTES,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('log capacity must be a positive integer');
    this.slots = new Array<LoggedMessage | undefined>(capacity);
  }

  /** Payload and topic bytes the log holds now (at most maxBytes, or one message when it alone is larger). */
  get bytes(): number {
    return this.heldBytes;
  }

  get capacity(): number {
    return this.slots.length;
  }

  get size(): number {
    return this.count;
  }

  get received(): number {
    return this.receivedCount;
  }

  get dropped(): number {
    return this.droppedCount;
  }

  /** Id of the newest message (0 when none was ever logged). */
  get lastId(): number {
    return this.nextId - 1;
  }

  push(message: Omit<LoggedMessage, 'id'>): LoggedMessage {
    const entry: LoggedMessage = { id: this.nextId++, ...message };
    this.receivedCount++;
    if (this.count < this.slots.length) {
      this.slots[(this.start + this.count) % this.slots.length] = entry;
      this.count++;
    } else {
      this.heldBytes -= weightOf(this.slots[this.start]);
      this.slots[this.start] = entry;
      this.start = (this.start + 1) % this.slots.length;
      this.droppedCount++;
    }
    this.heldBytes += weightOf(entry);
    // Over the byte bound: drop the oldest (the newest always stays, so the user sees what came last).
    while (this.heldBytes > this.maxBytes && this.count > 1) {
      this.heldBytes -= weightOf(this.slots[this.start]);
      this.slots[this.start] = undefined;
      this.start = (this.start + 1) % this.slots.length;
      this.count--;
      this.droppedCount++;
    }
    return entry;
  }

  /** The i-th message, oldest first. */
  at(index: number): LoggedMessage | undefined {
    if (index < 0 || index >= this.count) return undefined;
    return this.slots[(this.start + index) % this.slots.length];
  }

  /** Change the capacity, keeping the newest messages that fit. */
  resize(capacity: number): void {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('log capacity must be a positive integer');
    const keep = Math.min(this.count, capacity);
    const kept: Array<LoggedMessage | undefined> = new Array(capacity);
    for (let i = 0; i < keep; i++) kept[i] = this.at(this.count - keep + i);
    this.droppedCount += this.count - keep;
    this.slots = kept;
    this.start = 0;
    this.count = keep;
    this.heldBytes = 0;
    for (let i = 0; i < keep; i++) this.heldBytes += weightOf(kept[i]);
  }

  /** Forget every message (ids keep counting up). */
  clear(): void {
    this.slots = new Array(this.slots.length);
    this.start = 0;
    this.count = 0;
    this.heldBytes = 0;
    this.receivedCount = 0;
    this.droppedCount = 0;
  }

  query(query: LogQuery = {}): LogPage {
    const test = topicPredicate(query.topic);
    const limit = query.limit ?? 500;
    let skip = query.offset ?? 0;
    const after = query.afterId ?? 0;
    const before = query.beforeId ?? Number.POSITIVE_INFINITY;
    const messages: LoggedMessage[] = [];
    let matched = 0;
    if (!query.topic && query.afterId === undefined && query.beforeId === undefined) {
      // Every message matches: index straight into the window.
      for (let n = skip; n < this.count && messages.length < limit; n++) {
        messages.push(this.at(query.newestFirst ? this.count - 1 - n : n)!);
      }
      return {
        messages,
        matched: this.count,
        size: this.count,
        received: this.receivedCount,
        dropped: this.droppedCount,
      };
    }
    for (let n = 0; n < this.count; n++) {
      const message = this.at(query.newestFirst ? this.count - 1 - n : n)!;
      if (!test(message.topic)) continue;
      matched++;
      if (message.id <= after || message.id >= before) continue;
      if (skip > 0) {
        skip--;
        continue;
      }
      if (messages.length < limit) messages.push(message);
    }
    return { messages, matched, size: this.count, received: this.receivedCount, dropped: this.droppedCount };
  }
}
