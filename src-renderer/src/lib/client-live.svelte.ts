import { api } from '../api/index.js';
import type { WireMessage } from '../../../src-main/api/contract/client.js';
import { extractValue, PointRing } from './client-chart.js';
import { TopicStore } from './client-topics.js';

/** The merged tree's key: every connection at once. */
export const ALL = '*';

export interface ChartSeries {
  key: string;
  /** A connection id, or ALL. */
  session: string;
  topic: string;
  /** '' (the payload is the number) or a JSON path such as $.temp. */
  path: string;
  label: string;
  points: PointRing;
  /** Messages on the topic that gave no number at this path. */
  misses: number;
}

/** The slow clock's period: text that follows the flood (tree cells, legends) changes at most 4 times a second. */
export const SLOW_MS = 250;

/**
 * Where the Client view's live state lives: one topic tree per connection and one merged across them,
 * fed from the 50 ms `client.messages` batches, and the chart series fed from the same messages. Views
 * read the plain stores and redraw when `version` changes (at most once per animation frame: the charts)
 * or when `slow` changes (at most every SLOW_MS: the tree's cells, the legends — re-laying out and
 * painting dozens of text cells on every frame of a 10,000 msg/s flood costs more than it tells).
 */
export class LiveTopics {
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- plain on purpose: read when `version` changes
  readonly stores = new Map<string, TopicStore>();
  readonly merged: TopicStore;
  /** Reassigned on every change ($state.raw: the points are not reactive, `version` says they moved). */
  series: ChartSeries[] = $state.raw([]);
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- plain on purpose: read when `version` changes
  private byTopic = new Map<string, ChartSeries[]>();
  version = $state(0);
  /** Like `version`, at most every SLOW_MS (the first change at once, the last one never lost). */
  slow = $state(0);
  private frame = 0;
  private slowTimer: ReturnType<typeof setTimeout> | 0 = 0;
  private slowAt = 0;
  private offs: Array<() => void> = [];
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- plain on purpose: read when `version` changes
  private seeded = new Set<string>();

  constructor(readonly historySize = 20) {
    this.merged = new TopicStore({ historySize });
  }

  start(): void {
    this.offs.push(
      api.on('client.messages', (batch) => this.push(batch.id, batch.messages)),
      api.on('client.removed', ({ id }) => this.forget(id)),
    );
  }

  stop(): void {
    this.offs.forEach((off) => off());
    this.offs = [];
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    if (this.slowTimer) clearTimeout(this.slowTimer);
    this.slowTimer = 0;
  }

  store(session: string): TopicStore {
    if (session === ALL) return this.merged;
    let store = this.stores.get(session);
    if (!store) {
      store = new TopicStore({ historySize: this.historySize });
      this.stores.set(session, store);
    }
    return store;
  }

  /** Fill a connection's tree from the log the main process kept (once, when the view opens). */
  async seed(session: string, limit: number): Promise<void> {
    if (this.seeded.has(session)) return;
    this.seeded.add(session);
    try {
      const page = await api.call('client.messages', { id: session, limit });
      this.push(session, page.messages);
    } catch {
      this.seeded.delete(session);
    }
  }

  push(session: string, messages: readonly WireMessage[]): void {
    if (this.store(session).push(session, messages) === 0) return;
    this.merged.push(session, messages);
    if (this.byTopic.size > 0) {
      for (const m of messages) {
        const list = this.byTopic.get(m.topic);
        if (!list) continue;
        for (const s of list) {
          if (s.session !== ALL && s.session !== session) continue;
          const value = extractValue(m.payload, s.path);
          if (value === undefined) s.misses++;
          else s.points.push(m.time / 1000, value);
        }
      }
    }
    this.changed();
  }

  /** A topic's retained message was deleted: it leaves every tree. */
  removeTopic(topic: string): void {
    for (const store of this.stores.values()) store.remove(topic);
    this.merged.remove(topic);
    this.changed();
  }

  forget(session: string): void {
    this.stores.delete(session);
    this.seeded.delete(session);
    this.merged.forgetSession(session);
    for (const s of this.series.filter((x) => x.session === session)) this.removeSeries(s.key);
    this.changed();
  }

  clear(session: string): void {
    this.stores.get(session)?.clear();
    this.changed();
  }

  addSeries(session: string, topic: string, path: string): ChartSeries {
    const key = `${session}|${topic}|${path}`;
    const existing = this.series.find((s) => s.key === key);
    if (existing) return existing;
    const series: ChartSeries = {
      key,
      session,
      topic,
      path,
      label: path && path !== '$' ? `${topic} ${path}` : topic,
      points: new PointRing(),
      misses: 0,
    };
    // Start from what the tree's history holds, so the line does not begin empty.
    const stat = this.store(session).topics.get(topic);
    for (const m of stat?.history ?? []) {
      const value = extractValue(m.payload, path);
      if (value !== undefined) series.points.push(m.time / 1000, value);
    }
    this.series = [...this.series, series];
    const list = this.byTopic.get(topic) ?? [];
    list.push(series);
    this.byTopic.set(topic, list);
    this.changed();
    return series;
  }

  removeSeries(key: string): void {
    const gone = this.series.find((s) => s.key === key);
    if (!gone) return;
    this.series = this.series.filter((s) => s !== gone);
    const list = (this.byTopic.get(gone.topic) ?? []).filter((s) => s.key !== key);
    if (list.length) this.byTopic.set(gone.topic, list);
    else this.byTopic.delete(gone.topic);
    this.changed();
  }

  private changed(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.version++;
      this.tickSlow();
    });
  }

  private tickSlow(): void {
    if (this.slowTimer) return;
    const wait = this.slowAt + SLOW_MS - performance.now();
    if (wait <= 0) {
      this.slowAt = performance.now();
      this.slow++;
      return;
    }
    this.slowTimer = setTimeout(() => {
      this.slowTimer = 0;
      this.slowAt = performance.now();
      this.slow++;
    }, wait);
  }
}
