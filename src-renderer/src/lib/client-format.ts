/** How the message log shows payloads. */
export type PayloadView = 'text' | 'json' | 'hex';

export function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const decoder = new TextDecoder('utf-8');
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/** The payload as text when it is valid UTF-8, else undefined. */
export function utf8OrUndefined(bytes: Uint8Array): string | undefined {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return undefined;
  }
}

export function hexBytes(bytes: Uint8Array, max = bytes.length): string {
  let out = '';
  const n = Math.min(bytes.length, max);
  for (let i = 0; i < n; i++) out += (i ? ' ' : '') + bytes[i]!.toString(16).padStart(2, '0');
  return n < bytes.length ? out + ' …' : out;
}

/** Classic hex dump: offset, 16 bytes in hex, printable ASCII. */
export function hexDump(bytes: Uint8Array, maxBytes = 64 * 1024): string {
  const lines: string[] = [];
  const n = Math.min(bytes.length, maxBytes);
  for (let offset = 0; offset < n; offset += 16) {
    const row = bytes.subarray(offset, Math.min(offset + 16, n));
    const hex = Array.from(row, (b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${offset.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  if (n < bytes.length) lines.push(`… ${bytes.length - n} more bytes`);
  return lines.join('\n');
}

/** Pretty JSON when the payload parses, else undefined. */
export function prettyJson(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (!trimmed || !'{["-0123456789tfn'.includes(trimmed[0]!)) return undefined;
  try {
    return JSON.stringify(JSON.parse(trimmed), null, 2);
  } catch {
    return undefined;
  }
}

/** One line for the log row: cheap, bounded, whatever the payload size. */
export function previewLine(base64: string, view: PayloadView, max = 160): string {
  // Decode at most enough bytes for the preview.
  const head = base64.slice(0, Math.ceil((max * 4) / 3) + 4);
  const bytes = base64ToBytes(head.slice(0, head.length - (head.length % 4)));
  if (view === 'hex') return hexBytes(bytes, Math.floor(max / 3));
  const text = decoder.decode(bytes);
  const line = text.replace(/\s+/g, ' ');
  return line.length > max ? line.slice(0, max) + '…' : line;
}

/** The whole payload as the chosen view shows it (JSON falls back to text when it does not parse). */
/** Payloads larger than this are shown in part (the copy button copies what is shown). */
export const MAX_SHOWN_BYTES = 1024 * 1024;

export function fullPayload(base64: string, view: PayloadView): { text: string; note?: string } {
  const all = base64ToBytes(base64);
  if (view === 'hex') return { text: hexDump(all) };
  const bytes = all.length > MAX_SHOWN_BYTES ? all.subarray(0, MAX_SHOWN_BYTES) : all;
  const cut =
    bytes.length < all.length
      ? `first ${MAX_SHOWN_BYTES / 1024 / 1024} MB of ${byteSize(all.length)} shown`
      : '';
  const text = cut ? decoder.decode(bytes) : utf8OrUndefined(bytes);
  if (text === undefined) return { text: hexDump(bytes), note: 'not UTF-8 text: shown as hex' };
  if (view === 'json' && !cut) {
    const pretty = prettyJson(text);
    return pretty === undefined ? { text, note: 'not JSON: shown as text' } : { text: pretty };
  }
  return cut ? { text, note: cut } : { text };
}

export function clockTime(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function byteSize(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** The payload text as JSON, when it is JSON (text that cannot start a JSON value is not even tried). */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  const t = text.trim();
  if (!t || !'{["-0123456789tfn'.includes(t[0]!)) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(t) as unknown };
  } catch {
    return { ok: false };
  }
}
