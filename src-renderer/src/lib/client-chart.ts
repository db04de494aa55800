import { JSONPath } from 'jsonpath-plus';
import { base64ToBytes } from './client-format.js';

/**
 * Live chart series of the Client view: a numeric topic, or a JSON path in its payload (`$.temp`,
 * `$.values[0]`), over time. Points are kept in a bounded ring (memory follows `capacity`, not the number
 * of messages); drawing takes a min/max-per-pixel sample of the visible window that always keeps the
 * newest point.
 */

const decoder = new TextDecoder('utf-8');

/** Is this a JSON path of the payload ('$', '$.temp', '$.values[0]', "$['a b']") rather than none? */
export function isPath(path: string): boolean {
  return path.trim().startsWith('$') && path.trim() !== '$';
}

/** Check a JSON path the user typed; an error sentence, or null when it can be used. */
export function pathProblem(path: string): string | null {
  const p = path.trim();
  if (p === '' || p === '$') return null;
  if (!p.startsWith('$')) return `"${p}" is not a JSON path: start it with $ (e.g. $.temp, $.values[0])`;
  try {
    JSONPath({ path: p, json: {}, wrap: false, eval: false });
    return null;
  } catch (error) {
    return `"${p}": ${(error as Error).message}`;
  }
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/**
 * The number a payload gives for a series: the payload itself when no path is set (text "21.5", "true"),
 * else the value at the JSON path (the first match). undefined when there is none.
 */
export function extractValue(payloadBase64: string, path: string): number | undefined {
  if (payloadBase64.length > 1_400_000) return undefined; // > 1 MB: not a reading
  const text = decoder.decode(base64ToBytes(payloadBase64));
  if (!isPath(path)) return toNumber(text.trim() === '' ? undefined : (safeParse(text) ?? text));
  const json = safeParse(text);
  if (json === undefined || json === null || typeof json !== 'object') return undefined;
  // eval: false — filter scripts are off (the renderer's CSP forbids eval, and a path is data here).
  const found: unknown = JSONPath({ path: path.trim(), json, wrap: false, eval: false });
  return toNumber(Array.isArray(found) ? found[0] : found);
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A bounded ring of (time in seconds, value) points, oldest first. */
export class PointRing {
  private readonly times: Float64Array;
  private readonly values: Float64Array;
  private start = 0;
  count = 0;

  constructor(readonly capacity = 50_000) {
    this.times = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
  }

  push(time: number, value: number): void {
    const i = (this.start + this.count) % this.capacity;
    this.times[i] = time;
    this.values[i] = value;
    if (this.count < this.capacity) this.count++;
    else this.start = (this.start + 1) % this.capacity;
  }

  time(i: number): number {
    return this.times[(this.start + i) % this.capacity]!;
  }

  value(i: number): number {
    return this.values[(this.start + i) % this.capacity]!;
  }

  /** Index of the first point at or after `time` (binary search). */
  firstAtOrAfter(time: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.time(mid) < time) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  get last(): { time: number; value: number } | undefined {
    return this.count ? { time: this.time(this.count - 1), value: this.value(this.count - 1) } : undefined;
  }

  clear(): void {
    this.start = 0;
    this.count = 0;
  }
}

/**
 * At most ~2 points per pixel column of the window [from, to]: the min and the max of each column in time
 * order, plus the newest point whatever happens. uPlot draws what it is given and has no decimation of its
 * own; min/max per column keeps every spike visible, which averaging (or LTTB at this rate) would not.
 */
export function downsample(ring: PointRing, from: number, to: number, columns: number): [number[], number[]] {
  const t: number[] = [];
  const v: number[] = [];
  const first = ring.firstAtOrAfter(from);
  const n = ring.count;
  if (first >= n) return [t, v];
  const width = Math.max(1, columns);
  if (n - first <= width * 2) {
    for (let i = first; i < n; i++) {
      t.push(ring.time(i));
      v.push(ring.value(i));
    }
    return [t, v];
  }
  const span = Math.max(1e-9, to - from);
  let column = -1;
  let minI = -1;
  let maxI = -1;
  const flush = () => {
    if (minI < 0) return;
    const a = Math.min(minI, maxI);
    const b = Math.max(minI, maxI);
    t.push(ring.time(a));
    v.push(ring.value(a));
    if (b !== a) {
      t.push(ring.time(b));
      v.push(ring.value(b));
    }
  };
  for (let i = first; i < n; i++) {
    const c = Math.floor(((ring.time(i) - from) / span) * width);
    if (c !== column) {
      flush();
      column = c;
      minI = i;
      maxI = i;
      continue;
    }
    if (ring.value(i) < ring.value(minI)) minI = i;
    if (ring.value(i) > ring.value(maxI)) maxI = i;
  }
  flush();
  // Never drop the latest value.
  if (t[t.length - 1] !== ring.time(n - 1)) {
    t.push(ring.time(n - 1));
    v.push(ring.value(n - 1));
  }
  return [t, v];
}

/** Merge several series' sampled points onto one x axis (uPlot's aligned data), null where a series has none. */
export function align(series: Array<[number[], number[]]>): [number[], ...Array<Array<number | null>>] {
  const xs = [...new Set(series.flatMap(([t]) => t))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = series.map(([t, v]) => {
    const y = new Array<number | null>(xs.length).fill(null);
    t.forEach((x, i) => (y[index.get(x)!] = v[i]!));
    return y;
  });
  return [xs, ...ys];
}

/** JSON paths of the numbers in a payload (`$.temp`, `$.values[0]`), for the chart's path picker. */
export function numericPaths(payloadBase64: string, max = 30): string[] {
  if (payloadBase64.length > 200_000) return [];
  const text = decoder.decode(base64ToBytes(payloadBase64));
  const json = safeParse(text);
  if (typeof json === 'number') return ['$'];
  const out: string[] = [];
  const walk = (value: unknown, path: string, depth: number) => {
    if (out.length >= max || depth > 6) return;
    if (typeof value === 'number' || typeof value === 'boolean') {
      out.push(path);
      return;
    }
    if (Array.isArray(value)) value.slice(0, 20).forEach((v, i) => walk(v, `${path}[${i}]`, depth + 1));
    else if (value && typeof value === 'object')
      for (const [k, v] of Object.entries(value))
        walk(
          v,
          /^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}['${k.replace(/'/g, "\\'")}']`,
          depth + 1,
        );
  };
  walk(json, '$', 0);
  return out;
}
