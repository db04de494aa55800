import type { WireMessage } from '../../../src-main/api/contract/client.js';

/**
 * The live topic tree of the Client view: per-topic aggregation of the messages the renderer receives in
 * its 50 ms batches (last value, count, rate, retained flag, QoS, age, a short history). Plain objects
 * outside Svelte's reactivity (like MessageStore): the view re-reads them when `version` changes. Memory is
 * bounded by `maxTopics × historySize`, never by the number of messages received.
 */

/** Seconds of the rate window (messages/s is the count of the last RATE_WINDOW whole seconds / RATE_WINDOW). */
export const RATE_WINDOW = 5;

export interface TopicMessage {
  id: number;
  time: number;
  payload: string;
  size: number;
  qos: 0 | 1 | 2;
  retain: boolean;
  properties?: WireMessage['properties'];
  /** The connection it came in on. */
  session: string;
}

export interface TopicStat {
  topic: string;
  count: number;
  last: TopicMessage;
  /** A retained message was seen on this topic (the last retained one not cleared since). */
  retained: boolean;
  /** Newest last, at most historySize. */
  history: TopicMessage[];
  /** Per-second counts, indexed by (second % RATE_WINDOW), with the second each slot belongs to. */
  buckets: Uint32Array;
  bucketSecond: Float64Array;
  /** Connections that delivered messages on this topic. */
  sessions: Set<string>;
}

export interface TopicNode {
  /** The level's own name ('' for an empty level). */
  name: string;
  /** The full topic of this node (its path). */
  path: string;
  depth: number;
  parent?: TopicNode;
  children: Map<string, TopicNode>;
  /** Sorted children, rebuilt only when a child is added or removed. */
  sorted?: TopicNode[];
  /** Messages on this topic and below. */
  count: number;
  /** Topics at and below this node. */
  topics: number;
  stat?: TopicStat;
}

export interface TopicStoreOptions {
  historySize?: number;
  maxTopics?: number;
}

export function rateOf(stat: TopicStat, now = Date.now()): number {
  const second = Math.floor(now / 1000);
  let sum = 0;
  // The last RATE_WINDOW whole seconds (the current one is still filling).
  for (let s = second - RATE_WINDOW; s < second; s++) {
    const slot = ((s % RATE_WINDOW) + RATE_WINDOW) % RATE_WINDOW;
    if (stat.bucketSecond[slot] === s) sum += stat.buckets[slot]!;
  }
  return sum / RATE_WINDOW;
}

function newNode(name: string, path: string, depth: number, parent?: TopicNode): TopicNode {
  return { name, path, depth, children: new Map(), count: 0, topics: 0, ...(parent ? { parent } : {}) };
}

export class TopicStore {
  readonly root: TopicNode = newNode('', '', -1);
  readonly topics = new Map<string, TopicStat>();
  historySize: number;
  readonly maxTopics: number;
  /** Messages on new topics refused because the store holds maxTopics already. */
  overflow = 0;
  /** Messages counted (all topics). */
  received = 0;
  version = 0;
  /** Highest message id seen per connection (pages and batches may overlap). */
  private lastIds = new Map<string, number>();
  /** Messages per second per connection: last 120 s, slot = second % 120. */
  private perSecond = new Map<string, { counts: Uint32Array; seconds: Float64Array }>();

  constructor(options: TopicStoreOptions = {}) {
    this.historySize = options.historySize ?? 20;
    this.maxTopics = options.maxTopics ?? 20_000;
  }

  /** Add a batch of one connection's messages (oldest first); returns how many were new. */
  push(session: string, messages: readonly WireMessage[], now = Date.now()): number {
    let lastId = this.lastIds.get(session) ?? 0;
    let added = 0;
    const second = Math.floor(now / 1000);
    for (const m of messages) {
      if (m.id <= lastId) continue;
      lastId = m.id;
      added++;
      this.add(session, m, second);
    }
    this.lastIds.set(session, lastId);
    if (added > 0) {
      this.countSecond(session, second, added);
      this.version++;
    }
    return added;
  }

  private add(session: string, m: WireMessage, second: number): void {
    let stat = this.topics.get(m.topic);
    const entry: TopicMessage = {
      id: m.id,
      time: m.time,
      payload: m.payload,
      size: m.size,
      qos: m.qos,
      retain: m.retain,
      session,
      ...(m.properties ? { properties: m.properties } : {}),
    };
    // An empty payload on a retained topic clears the retained message (brokers forward it to live
    // subscribers without the retain flag): the topic leaves the tree, as in MQTT Explorer. An empty
    // message never makes a new topic (it may be the echo of a deletion this view made).
    if (m.size === 0 && (!stat || m.retain || stat.retained)) {
      if (stat) this.remove(m.topic);
      return;
    }
    this.received++;
    if (!stat) {
      if (this.topics.size >= this.maxTopics) {
        this.overflow++;
        return;
      }
      stat = {
        topic: m.topic,
        count: 0,
        last: entry,
        retained: false,
        history: [],
        buckets: new Uint32Array(RATE_WINDOW),
        bucketSecond: new Float64Array(RATE_WINDOW).fill(-1),
        sessions: new Set(),
      };
      this.topics.set(m.topic, stat);
      this.insert(stat);
    }
    stat.count++;
    stat.last = entry;
    if (m.retain) stat.retained = true;
    stat.sessions.add(session);
    stat.history.push(entry);
    if (stat.history.length > this.historySize)
      stat.history.splice(0, stat.history.length - this.historySize);
    const slot = second % RATE_WINDOW;
    if (stat.bucketSecond[slot] !== second) {
      stat.bucketSecond[slot] = second;
      stat.buckets[slot] = 0;
    }
    stat.buckets[slot]!++;
    for (let node: TopicNode | undefined = this.nodeOf(m.topic); node; node = node.parent) node.count++;
  }

  private nodeOf(topic: string): TopicNode | undefined {
    let node = this.root;
    for (const level of topic.split('/')) {
      const next = node.children.get(level);
      if (!next) return undefined;
      node = next;
    }
    return node;
  }

  private insert(stat: TopicStat): void {
    let node = this.root;
    const levels = stat.topic.split('/');
    levels.forEach((level, i) => {
      let next = node.children.get(level);
      if (!next) {
        next = newNode(level, levels.slice(0, i + 1).join('/'), i, node);
        node.children.set(level, next);
        node.sorted = undefined;
      }
      node = next;
    });
    node.stat = stat;
    for (let n: TopicNode | undefined = node; n; n = n.parent) n.topics++;
  }

  /** Forget a topic (its retained message was deleted); empty branches go with it. */
  remove(topic: string): void {
    const stat = this.topics.get(topic);
    const node = this.nodeOf(topic);
    if (!stat || !node) return;
    this.topics.delete(topic);
    node.stat = undefined;
    for (let n: TopicNode | undefined = node; n; n = n.parent) {
      n.topics--;
      n.count -= stat.count;
    }
    let n: TopicNode | undefined = node;
    while (n && n.parent && n.topics === 0 && n.children.size === 0) {
      n.parent.children.delete(n.name);
      n.parent.sorted = undefined;
      n = n.parent;
    }
    this.version++;
  }

  /** Forget everything of one connection (closed): its topics stay when another connection saw them. */
  forgetSession(session: string): void {
    this.lastIds.delete(session);
    this.perSecond.delete(session);
    for (const stat of [...this.topics.values()]) {
      stat.sessions.delete(session);
      if (stat.sessions.size === 0) this.remove(stat.topic);
    }
    this.version++;
  }

  clear(): void {
    this.topics.clear();
    this.root.children.clear();
    this.root.sorted = undefined;
    this.root.count = 0;
    this.root.topics = 0;
    this.overflow = 0;
    this.received = 0;
    this.version++;
  }

  setHistorySize(size: number): void {
    this.historySize = size;
    for (const stat of this.topics.values())
      if (stat.history.length > size) stat.history.splice(0, stat.history.length - size);
    this.version++;
  }

  private countSecond(session: string, second: number, n: number): void {
    let row = this.perSecond.get(session);
    if (!row) {
      row = { counts: new Uint32Array(120), seconds: new Float64Array(120).fill(-1) };
      this.perSecond.set(session, row);
    }
    const slot = second % 120;
    if (row.seconds[slot] !== second) {
      row.seconds[slot] = second;
      row.counts[slot] = 0;
    }
    row.counts[slot]! += n;
  }

  /** Messages per second of a connection for the last `seconds` whole seconds, oldest first. */
  messagesPerSecond(session: string, seconds = 60, now = Date.now()): { t: number[]; v: number[] } {
    const row = this.perSecond.get(session);
    const current = Math.floor(now / 1000);
    const t: number[] = [];
    const v: number[] = [];
    for (let s = current - seconds; s < current; s++) {
      t.push(s);
      const slot = s % 120;
      v.push(row && row.seconds[slot] === s ? row.counts[slot]! : 0);
    }
    return { t, v };
  }

  get sessions(): string[] {
    return [...this.perSecond.keys()];
  }
}

/** Children of a node in display order (levels sorted like file names, numbers in numeric order). */
export function childrenOf(node: TopicNode): TopicNode[] {
  if (!node.sorted) {
    node.sorted = [...node.children.values()].sort((a, b) =>
      a.name.localeCompare(b.name, undefined, { numeric: true }),
    );
  }
  return node.sorted;
}

/**
 * The rows the tree shows: expanded nodes depth first. With a search text, every topic whose name
 * contains it (case-insensitive) is shown with its ancestors, expanded.
 */
export function visibleRows(store: TopicStore, expanded: ReadonlySet<string>, search = ''): TopicNode[] {
  const rows: TopicNode[] = [];
  const needle = search.trim().toLowerCase();
  if (needle) {
    const keep = new Set<TopicNode>();
    for (const stat of store.topics.values()) {
      if (!stat.topic.toLowerCase().includes(needle)) continue;
      for (let n: TopicNode | undefined = findNode(store, stat.topic); n && n.depth >= 0; n = n.parent) {
        if (keep.has(n)) break;
        keep.add(n);
      }
    }
    const walk = (node: TopicNode) => {
      for (const child of childrenOf(node)) {
        if (!keep.has(child)) continue;
        rows.push(child);
        walk(child);
      }
    };
    walk(store.root);
    return rows;
  }
  const walk = (node: TopicNode) => {
    for (const child of childrenOf(node)) {
      rows.push(child);
      if (child.children.size > 0 && expanded.has(child.path)) walk(child);
    }
  };
  walk(store.root);
  return rows;
}

export function findNode(store: TopicStore, topic: string): TopicNode | undefined {
  let node = store.root;
  for (const level of topic.split('/')) {
    const next = node.children.get(level);
    if (!next) return undefined;
    node = next;
  }
  return node;
}

/** "3 s", "2 min", "1 h" since `time`. */
export function age(time: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - time) / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  return `${Math.floor(s / 3600)} h`;
}

export function rateText(rate: number): string {
  if (rate === 0) return '0/s';
  if (rate < 10) return `${rate.toFixed(1)}/s`;
  return `${Math.round(rate).toLocaleString()}/s`;
}
