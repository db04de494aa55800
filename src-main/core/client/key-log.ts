import { closeSync, existsSync, fchmodSync, fstatSync, openSync, realpathSync, writeSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { UserError } from '../user-error.js';

/**
 * The TLS key log (NSS `SSLKEYLOGFILE` format) that lets Wireshark decrypt a connection's traffic. Node
 * hands each secret as a ready line on the socket's `keylog` event; we append the lines to a file the
 * user chose, private to them (0600).
 */

export interface KeyLogWriter {
  readonly path: string;
  /** Lines written so far (one per secret). */
  readonly lines: number;
  attach(socket: TLSSocket): void;
  /** Append one line as Node's `keylog` event gives it. */
  write(line: Buffer): void;
  close(): void;
}

export interface KeyLogPlace {
  /** The workspace folder: a key log never goes there (it is shared, exported, committed). */
  workspaceDir?: string;
  /** The field to name in errors. */
  field?: string;
}

function inside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** Check where a key log may go; a UserError naming the field when it may not. */
export function checkKeyLogPath(path: unknown, place: KeyLogPlace = {}): string {
  const field = place.field ?? 'keyLogFile';
  const fail = (why: string): never => {
    throw new UserError(`${field}: ${why}`, 'BAD_KEY_LOG', { field });
  };
  if (typeof path !== 'string' || path.trim() === '') fail('give the file to write the TLS key log to');
  const text = (path as string).trim();
  if (!isAbsolute(text))
    fail(`"${text}" is not an absolute path (e.g. /home/me/mqtt-keys.log): say exactly where it goes`);
  const folder = dirname(text);
  if (!existsSync(folder)) fail(`the folder ${folder} does not exist`);
  if (place.workspaceDir && inside(real(place.workspaceDir), join(real(folder), basename(text)))) {
    fail(
      `${text} is inside the workspace folder; a key log decrypts your traffic and must not be shared with the workspace — choose a file outside it`,
    );
  }
  return text;
}

/**
 * Open (append to, or create) a key log file with mode 0600. An existing file keeps its lines (Wireshark
 * reads any number of sessions from one file) but is made private.
 */
export function openKeyLog(path: unknown, place: KeyLogPlace = {}): KeyLogWriter {
  const field = place.field ?? 'keyLogFile';
  const file = checkKeyLogPath(path, place);
  let fd: number;
  try {
    fd = openSync(file, 'a', 0o600);
    if (!fstatSync(fd).isFile()) {
      closeSync(fd);
      throw Object.assign(new Error('not a regular file'), { code: 'EISDIR' });
    }
    fchmodSync(fd, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'is a folder, not a file'
          : (code ?? 'cannot be written');
    throw new UserError(`${field}: cannot write ${file} (${why})`, 'BAD_KEY_LOG', { field });
  }
  let open = true;
  let lines = 0;
  const sockets = new WeakSet<TLSSocket>();
  const write = (line: Buffer): void => {
    if (!open) return;
    // Node's line ends with a newline already; a missing one would glue two secrets together.
    const text = line[line.length - 1] === 0x0a ? line : Buffer.concat([line, Buffer.from('\n')]);
    writeSync(fd, text);
    lines++;
  };
  return {
    path: file,
    get lines() {
      return lines;
    },
    attach(socket) {
      if (sockets.has(socket)) return;
      sockets.add(socket);
      socket.on('keylog', write);
    },
    write,
    close() {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}
