import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Finds private key material in a value that crosses the api (a result, an error, an event): PEM key
 * blocks, DER keys (as base64 or hex strings), binary values (Buffers and typed arrays, which a JSON
 * transport would turn into byte lists) and the bytes of the given known keys in any common text
 * encoding, whole or inside a larger string.
 */
export interface KnownKey {
  label: string;
  /** Text pieces only this key's secret numbers produce (base64 at each alignment, base64url, hex). */
  needles: string[];
}

/** The workspace's private keys (keys/*.key) as needles. */
export function workspaceKeys(workspaceDir: string): KnownKey[] {
  const dir = join(workspaceDir, 'keys');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.key'))
    .map((f) => knownKey(f, createPrivateKey(readFileSync(join(dir, f)))));
}

export function knownKey(label: string, key: KeyObject): KnownKey {
  const needles: string[] = [];
  const add = (bytes: Buffer): void => {
    // The secret's bytes at each of the three base64 alignments (the key may sit anywhere inside a larger
    // encoded blob), 20 characters from inside the run so that no neighbouring byte changes them; and hex.
    for (let shift = 0; shift < 3; shift++) {
      const part = bytes.subarray(shift);
      needles.push(part.toString('base64').slice(4, 24), part.toString('base64url').slice(4, 24));
    }
    needles.push(bytes.subarray(0, 24).toString('hex'));
  };
  const jwk = key.export({ format: 'jwk' });
  for (const part of ['d', 'p', 'q'] as const) {
    const value = jwk[part];
    if (typeof value === 'string') add(Buffer.from(value, 'base64url'));
  }
  return { label, needles: [...new Set(needles.filter((n) => n.length >= 16))] };
}

const PEM_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----\s*(?:[A-Za-z-]+:[^\n]*\s*)*[A-Za-z0-9+/]{16}/;

function isDerKey(bytes: Buffer): boolean {
  for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
    try {
      createPrivateKey({ key: bytes, format: 'der', type });
      return true;
    } catch {
      // not this encoding
    }
  }
  return false;
}

/** A DER private key at any offset of the bytes (a key inside a larger structure). */
function containsDerKey(bytes: Buffer): boolean {
  if (bytes.length > 256 * 1024) return false;
  for (let i = 0; i + 2 < bytes.length; i++) {
    if (bytes[i] !== 0x30) continue;
    let length = bytes[i + 1];
    let header = 2;
    if (length & 0x80) {
      const n = length & 0x7f;
      if (n === 0 || n > 3 || i + 2 + n > bytes.length) continue;
      length = 0;
      for (let k = 0; k < n; k++) length = length * 256 + bytes[i + 2 + k];
      header += n;
    }
    if (length < 32 || i + header + length > bytes.length) continue;
    if (isDerKey(bytes.subarray(i, i + header + length))) return true;
  }
  return false;
}

function stringLeak(text: string): string | null {
  if (PEM_KEY.test(text)) return 'a PEM private key';
  const compact = text.replace(/\s+/g, '');
  if (compact.length >= 64) {
    if (/^[0-9a-fA-F]+$/.test(compact) && compact.length % 2 === 0) {
      if (containsDerKey(Buffer.from(compact, 'hex'))) return 'a DER private key (hex)';
    } else if (/^[A-Za-z0-9+/_-]+=*$/.test(compact)) {
      const bytes = Buffer.from(compact, /[_-]/.test(compact) ? 'base64url' : 'base64');
      if (containsDerKey(bytes)) return 'a DER private key (base64)';
    }
  }
  return null;
}

/** Where the first key material in `value` is, and what it is; null when there is none. */
export function findKeyMaterial(value: unknown, known: KnownKey[] = []): string | null {
  const seen = new Set<unknown>();
  const walk = (v: unknown, path: string): string | null => {
    if (v === null || v === undefined) return null;
    if (typeof v === 'string') {
      const what = stringLeak(v);
      return what ? `${path}: ${what}` : null;
    }
    if (typeof v !== 'object') return null;
    if (Buffer.isBuffer(v) || ArrayBuffer.isView(v) || v instanceof ArrayBuffer) {
      const view = v as ArrayBufferView;
      const bytes =
        v instanceof ArrayBuffer
          ? Buffer.from(v)
          : Buffer.from(view.buffer, view.byteOffset, view.byteLength);
      return `${path}: binary data (${bytes.length} bytes${containsDerKey(bytes) ? ', a DER private key' : ''})`;
    }
    if (seen.has(v)) return null;
    seen.add(v);
    const record = v as Record<string, unknown>;
    if (record.type === 'Buffer' && Array.isArray(record.data)) return `${path}: a serialized Buffer`;
    if (Array.isArray(v)) {
      if (v.length >= 32 && v.every((x) => Number.isInteger(x) && x >= 0 && x < 256)) {
        if (containsDerKey(Buffer.from(v as number[]))) return `${path}: a DER private key (byte list)`;
      }
      for (let i = 0; i < v.length; i++) {
        const found = walk(v[i], `${path}[${i}]`);
        if (found) return found;
      }
      return null;
    }
    for (const [k, x] of Object.entries(record)) {
      const found = walk(x, `${path}.${k}`);
      if (found) return found;
    }
    return null;
  };
  const found = walk(value, '$');
  if (found) return found;
  const json = JSON.stringify(value) ?? '';
  const lower = json.toLowerCase();
  for (const key of known) {
    for (const needle of key.needles) {
      const hit = /^[0-9a-f]+$/.test(needle) ? lower.includes(needle) : json.includes(needle);
      if (hit) return `bytes of the private key ${key.label}`;
    }
  }
  return null;
}
