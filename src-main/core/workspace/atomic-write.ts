import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync, mkdirSync, chmodSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Mode for private keys and anything else secret. */
export const PRIVATE_MODE = 0o600;
export const PUBLIC_MODE = 0o644;

function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
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
  mkdirSync(dirname(path), { recursive: true });
  const temp = tempPathFor(path);
  const fd = openSync(temp, 'wx', mode);
  try {
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
  chmodSync(temp, mode); // umask may have narrowed or widened nothing, but make the mode exact
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
