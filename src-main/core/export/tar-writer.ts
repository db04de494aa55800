import { gzipSync } from 'node:zlib';

/**
 * A small POSIX ustar writer: regular files and directories with their modes, enough for a bundle that
 * `tar -xzf bundle.tar.gz -C /etc/mosquitto` (GNU tar, bsdtar, busybox) unpacks with keys kept 0600.
 * Names longer than 100 bytes use the ustar `prefix` field (up to 255 bytes in all).
 */

export interface TarEntry {
  /** Relative path with `/` separators; a directory ends with `/` or has `type: 'directory'`. */
  path: string;
  type?: 'file' | 'directory';
  data?: string | Uint8Array;
  /** Permission bits, e.g. 0o600. Files default to 0o644, directories to 0o755. */
  mode?: number;
  /** Seconds since the epoch (default: now). */
  mtime?: number;
  /**
   * Owner and group names (default root). Extracting as root, GNU tar gives the file to the user of that
   * name when the host has one, else to uid/gid 0.
   */
  uname?: string;
  gname?: string;
}

const BLOCK = 512;

function writeString(header: Buffer, value: string, offset: number, length: number): void {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > length) throw new Error(`tar: "${value}" does not fit in ${length} bytes`);
  bytes.copy(header, offset);
}

/** An octal number, zero padded, NUL terminated, as ustar numeric fields are. */
function writeOctal(header: Buffer, value: number, offset: number, length: number): void {
  const text = value.toString(8).padStart(length - 1, '0');
  if (text.length > length - 1) throw new Error(`tar: ${value} does not fit in a ${length}-byte field`);
  header.write(text + '\0', offset, length, 'ascii');
}

/** Split a path into ustar `prefix` (≤155 bytes) and `name` (≤100 bytes) at a `/`. */
function splitName(path: string): { prefix: string; name: string } {
  if (Buffer.byteLength(path) <= 100) return { prefix: '', name: path };
  for (let i = path.length - 1; i > 0; i--) {
    if (path[i] !== '/') continue;
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== '')
      return { prefix, name };
  }
  throw new Error(`tar: the path "${path}" is too long for a ustar archive`);
}

function normalise(path: string): string {
  const clean = path.replace(/\\/g, '/').replace(/^\/+/, '').replace(/\/+/g, '/');
  if (clean === '' || clean.split('/').some((part) => part === '..')) {
    throw new Error(`tar: refusing the path "${path}"`);
  }
  return clean;
}

function header(entry: TarEntry, defaultTime: number): Buffer {
  const isDir = entry.type === 'directory' || entry.path.endsWith('/');
  let path = normalise(entry.path);
  if (isDir && !path.endsWith('/')) path += '/';
  const size = isDir ? 0 : Buffer.byteLength(entry.data ?? '');
  const block = Buffer.alloc(BLOCK, 0);
  const { prefix, name } = splitName(path);
  writeString(block, name, 0, 100);
  writeOctal(block, entry.mode ?? (isDir ? 0o755 : 0o644), 100, 8);
  writeOctal(block, 0, 108, 8); // uid
  writeOctal(block, 0, 116, 8); // gid
  writeOctal(block, size, 124, 12);
  writeOctal(block, Math.floor(entry.mtime ?? defaultTime), 136, 12);
  block.write(isDir ? '5' : '0', 156, 1, 'ascii');
  block.write('ustar\0', 257, 6, 'ascii');
  block.write('00', 263, 2, 'ascii');
  writeString(block, entry.uname ?? 'root', 265, 32);
  writeString(block, entry.gname ?? entry.uname ?? 'root', 297, 32);
  writeString(block, prefix, 345, 155);
  // The checksum is computed with its own field read as eight spaces.
  block.fill(' ', 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return block;
}

/** The uncompressed tar archive of the entries, in order, with the two zero blocks that end it. */
export function tarArchive(entries: TarEntry[], now = Date.now() / 1000): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    parts.push(header(entry, now));
    const isDir = entry.type === 'directory' || entry.path.endsWith('/');
    if (isDir) continue;
    const data = Buffer.from(entry.data ?? '');
    parts.push(data);
    const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad, 0));
  }
  parts.push(Buffer.alloc(BLOCK * 2, 0));
  return Buffer.concat(parts);
}

/** A gzip-compressed tar archive (`.tar.gz`). */
export function tarGz(entries: TarEntry[], now?: number): Buffer {
  return gzipSync(tarArchive(entries, now), { level: 9 });
}
