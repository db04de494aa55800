import { diffJson, diffLines } from 'diff';
import { base64ToBytes, parseJson, utf8OrUndefined } from './client-format.js';

export interface DiffLine {
  op: '+' | '-' | ' ';
  text: string;
}

export interface PayloadDiff {
  /** json: both payloads parse (keys compared in canonical order); text: line by line. */
  kind: 'json' | 'text' | 'binary' | 'same' | 'too-large';
  lines: DiffLine[];
  added: number;
  removed: number;
}

/** Payloads larger than this are not compared (a diff is quadratic at worst). */
export const MAX_DIFF_BYTES = 64 * 1024;

/**
 * How the next payload differs from the previous one: JSON-aware when both are JSON (jsdiff's diffJson
 * compares canonical, key-sorted pretty JSON, so reordered keys are not a change), else line by line.
 */
export function payloadDiff(previous: string, next: string): PayloadDiff {
  if (previous === next) return { kind: 'same', lines: [], added: 0, removed: 0 };
  const a = base64ToBytes(previous);
  const b = base64ToBytes(next);
  if (a.length > MAX_DIFF_BYTES || b.length > MAX_DIFF_BYTES)
    return { kind: 'too-large', lines: [], added: 0, removed: 0 };
  const ta = utf8OrUndefined(a);
  const tb = utf8OrUndefined(b);
  if (ta === undefined || tb === undefined) return { kind: 'binary', lines: [], added: 0, removed: 0 };
  const ja = parseJson(ta);
  const jb = parseJson(tb);
  const json = ja.ok && jb.ok;
  const changes = json
    ? diffJson(ja.value as object, jb.value as object)
    : diffLines(ta.endsWith('\n') ? ta : ta + '\n', tb.endsWith('\n') ? tb : tb + '\n');
  const lines: DiffLine[] = [];
  let added = 0;
  let removed = 0;
  for (const change of changes) {
    const op = change.added ? '+' : change.removed ? '-' : ' ';
    const parts = change.value.replace(/\n$/, '').split('\n');
    for (const text of parts) lines.push({ op, text });
    if (change.added) added += parts.length;
    if (change.removed) removed += parts.length;
  }
  if (added === 0 && removed === 0) return { kind: 'same', lines: [], added, removed };
  return { kind: json ? 'json' : 'text', lines, added, removed };
}
