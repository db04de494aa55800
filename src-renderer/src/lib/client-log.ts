import type { WireMessage } from '../../../src-main/api/contract/client.js';

/** Does `topic` match the MQTT filter (wildcards at the first level skip `$` topics)? */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** The log's topic filter: an MQTT filter when it has + or #, else a substring. */
export function topicTest(text: string): (topic: string) => boolean {
  const trimmed = text.trim();
  if (!trimmed) return () => true;
  if (trimmed.includes('+') || trimmed.includes('#')) return (topic) => topicMatches(trimmed, topic);
  return (topic) => topic.includes(trimmed);
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** A message's payload as text (base64 on the wire; undecodable bytes become U+FFFD). */
export function payloadText(message: Pick<WireMessage, 'payload'>): string {
  const binary = atob(message.payload);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return utf8.decode(bytes);
}

/**
 * The log's filter as its box says, "topic or text": with + or # an MQTT topic filter; otherwise text
 * found in the topic or in the payload (case-insensitive).
 */
export function messageTest(text: string): (message: Pick<WireMessage, 'topic' | 'payload'>) => boolean {
  const trimmed = text.trim();
  if (!trimmed) return () => true;
  if (trimmed.includes('+') || trimmed.includes('#'))
    return (message) => topicMatches(trimmed, message.topic);
  const needle = trimmed.toLowerCase();
  return (message) =>
    message.topic.toLowerCase().includes(needle) || payloadText(message).toLowerCase().includes(needle);
}

/**
 * The renderer's copy of one connection's message log: a ring buffer bounded by `capacity` (the same
 * size as the main process keeps), plus the subset that matches the topic filter. Plain objects, not
 * reactive state: the view re-reads it when `version` changes, so 100,000 messages cost no proxies.
 */
export class MessageStore {
  private ring: WireMessage[];
  private start = 0;
  private count = 0;
  /** Matching messages, oldest first, from `matchStart` on (compacted now and then). */
  private matches: WireMessage[] = [];
  private matchStart = 0;
  private test: (message: WireMessage) => boolean = () => true;
  private filterText = '';
  /** Highest id seen (events and pages may overlap). */
  lastId = 0;
  /** Messages that arrived but were pushed out before the renderer saw them, plus those dropped here. */
  dropped = 0;
  /** Changes on every mutation; views depend on it. */
  version = 0;

  constructor(public capacity: number) {
    this.ring = new Array<WireMessage>(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** How many match the filter. */
  get matched(): number {
    return this.filterText ? this.matches.length - this.matchStart : this.count;
  }

  get filter(): string {
    return this.filterText;
  }

  /** The i-th message of the filtered view, newest first. */
  at(index: number): WireMessage | undefined {
    if (!this.filterText) {
      if (index < 0 || index >= this.count) return undefined;
      return this.ring[(this.start + this.count - 1 - index) % this.capacity];
    }
    const n = this.matches.length - this.matchStart;
    if (index < 0 || index >= n) return undefined;
    return this.matches[this.matches.length - 1 - index];
  }

  private oldest(): WireMessage | undefined {
    return this.count > 0 ? this.ring[this.start] : undefined;
  }

  /** Append messages (oldest first); ids at or below `lastId` are ignored. Returns how many were added. */
  push(messages: WireMessage[], skipped = 0): number {
    this.dropped += skipped;
    let added = 0;
    for (const message of messages) {
      if (message.id <= this.lastId) continue;
      this.lastId = message.id;
      added++;
      if (this.count < this.capacity) {
        this.ring[(this.start + this.count) % this.capacity] = message;
        this.count++;
      } else {
        this.ring[this.start] = message;
        this.start = (this.start + 1) % this.capacity;
        this.dropped++;
      }
      if (this.filterText && this.test(message)) this.matches.push(message);
    }
    if (this.filterText && added > 0) this.trimMatches();
    if (added > 0 || skipped > 0) this.version++;
    return added;
  }

  private trimMatches(): void {
    const oldestId = this.oldest()?.id ?? Number.POSITIVE_INFINITY;
    while (this.matchStart < this.matches.length && this.matches[this.matchStart]!.id < oldestId)
      this.matchStart++;
    if (this.matchStart > 4096 && this.matchStart * 2 > this.matches.length) {
      this.matches = this.matches.slice(this.matchStart);
      this.matchStart = 0;
    }
  }

  setFilter(text: string): void {
    this.filterText = text.trim();
    this.test = messageTest(this.filterText);
    this.matches = [];
    this.matchStart = 0;
    if (this.filterText) {
      for (let i = 0; i < this.count; i++) {
        const message = this.ring[(this.start + i) % this.capacity]!;
        if (this.test(message)) this.matches.push(message);
      }
    }
    this.version++;
  }

  setCapacity(capacity: number): void {
    if (capacity === this.capacity) return;
    const keep = Math.min(this.count, capacity);
    const kept = new Array<WireMessage>(capacity);
    for (let i = 0; i < keep; i++) kept[i] = this.ring[(this.start + this.count - keep + i) % this.capacity]!;
    this.dropped += this.count - keep;
    this.ring = kept;
    this.capacity = capacity;
    this.start = 0;
    this.count = keep;
    this.setFilter(this.filterText);
  }

  clear(): void {
    this.ring = new Array<WireMessage>(this.capacity);
    this.start = 0;
    this.count = 0;
    this.matches = [];
    this.matchStart = 0;
    this.dropped = 0;
    this.version++;
  }
}
