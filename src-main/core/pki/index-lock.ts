/**
 * One writer at a time on a workspace's certificate index: the desktop app, the CLI and a batch in
 * progress must not overwrite each other's index. `.certificates.lock` (created exclusively, holding the
 * writer's pid) is taken around every read-modify-commit; a lock left by a dead process is taken over.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { UserError } from '../user-error.js';
import type { Workspace } from '../workspace/workspace.js';

const LOCK = '.certificates.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Take the index lock or throw a UserError saying who holds it. Returns the release function. */
export function lockIndex(ws: Workspace): () => void {
  const path = ws.path(LOCK);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        // The workspace folder does not exist yet: nothing to protect; the commit creates it.
        return () => undefined;
      }
      if (code !== 'EEXIST') throw error;
      let holder = NaN;
      try {
        holder = Number(readFileSync(path, 'utf8'));
      } catch {
        continue; // released meanwhile
      }
      if (Number.isInteger(holder) && holder > 0 && alive(holder)) {
        throw new UserError(
          holder === process.pid
            ? 'the workspace is busy with another certificate operation; try again when it has finished'
            : `the workspace's certificates are being changed by another process (pid ${holder}); try again`,
          'BUSY',
        );
      }
      rmSync(path, { force: true }); // left by a process that died
    }
  }
  throw new UserError(`cannot lock ${path}`, 'BUSY', { file: path });
}
