import {
  closeSync,
  fchmodSync,
  fsyncSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
  mkdirSync,
} from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Mode for private keys and anything else secret. */
export const PRIVATE_MODE = 0o600;
export const PUBLIC_MODE = 0o644;

// Temp names: a random tag per process and a counter (a batch writes thousands; `wx` refuses a clash).
const processTag = randomBytes(6).toString('hex');
let tempCounter = 0;

function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${processTag}${(tempCounter++).toString(36)}.tmp`);
}

/** Create the temp file exclusively; its folder is made only when it is missing (no mkdir per file). */
function openTemp(temp: string, mode: number): number {
  try {
    return openSync(temp, 'wx', mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    mkdirSync(dirname(temp), { recursive: true });
    return openSync(temp, 'wx', mode);
  }
}

/**
 * Write data to a temporary file beside `path`, fsync it (unless `fsync: false`, for a caller that
 * flushes many files together), and return the temp path (not yet renamed).
 */
export function writeTemp(
  path: string,
  data: string | Uint8Array,
  mode = PUBLIC_MODE,
  { fsync = true }: { fsync?: boolean } = {},
): string {
  const temp = tempPathFor(path);
  const fd = openTemp(temp, mode);
  try {
    fchmodSync(fd, mode); // umask may have narrowed or widened nothing, but make the mode exact
    const buffer = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
    let offset = 0;
    while (offset < buffer.length) offset += writeSync(fd, buffer, offset);
    if (fsync) fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  return temp;
}

/** Write a file atomically: temp file, fsync, rename over the target. */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = PUBLIC_MODE): void {
  const temp = writeTemp(path, data, mode);
  try {
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  fsyncDir(dirname(path));
}

export function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic there.
  }
}
