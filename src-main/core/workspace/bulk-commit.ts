import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PRIVATE_MODE, PUBLIC_MODE, fsyncDir } from './atomic-write.js';
import { WORKSPACE_FORMAT, type Workspace, type WorkspaceChange } from './workspace.js';

/**
 * `Workspace.commit` for thousands of files at once (a batch of certificates and keys), with the same
 * guarantees: every new file is written to a temp file and made durable before any is renamed into
 * place, so a crash or an error leaves the folder as it was. Instead of one fsync per file (milliseconds
 * each on a busy disk), the temp files are flushed together: one syncfs(2) of the filesystem on Linux
 * (`sync -f`), else parallel fsyncs.
 */
export async function commitMany(ws: Workspace, changes: WorkspaceChange[]): Promise<void> {
  const all: WorkspaceChange[] = [...changes];
  if (!changes.some((c) => c.path === 'workspace.json') && !ws.exists('workspace.json')) {
    all.push({ path: 'workspace.json', data: JSON.stringify({ format: WORKSPACE_FORMAT }, null, 2) + '\n' });
  }
  mkdirSync(ws.dir, { recursive: true });
  const staged: Array<{ temp: string; target: string }> = [];
  try {
    for (const change of all) {
      if ('remove' in change) continue;
      const target = ws.path(change.path);
      mkdirSync(dirname(target), { recursive: true });
      const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
      const mode = change.secret ? PRIVATE_MODE : PUBLIC_MODE;
      const fd = openSync(temp, 'wx', mode);
      staged.push({ temp, target });
      try {
        const buffer =
          typeof change.data === 'string' ? Buffer.from(change.data, 'utf8') : Buffer.from(change.data);
        let offset = 0;
        while (offset < buffer.length) offset += writeSync(fd, buffer, offset);
      } finally {
        closeSync(fd);
      }
      chmodSync(temp, mode);
    }
    await flush(
      ws.dir,
      staged.map((s) => s.temp),
    );
  } catch (error) {
    for (const { temp } of staged) rmSync(temp, { force: true });
    throw error;
  }
  const dirs = new Set<string>();
  for (const { temp, target } of staged) {
    renameSync(temp, target);
    dirs.add(dirname(target));
  }
  for (const change of all) {
    if (!('remove' in change)) continue;
    const target = ws.path(change.path);
    if (existsSync(target) && statSync(target).isFile()) rmSync(target);
    dirs.add(dirname(target));
  }
  for (const dir of dirs) fsyncDir(dir);
}

/** Make the files durable: one syncfs of their filesystem on Linux, else fsync each (in parallel). */
async function flush(dir: string, files: string[]): Promise<void> {
  if (process.platform === 'linux' && (await syncfs(dir))) return;
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const handle = await open(files[next++]!, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(32, files.length) }, worker));
}

function syncfs(dir: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('sync', ['-f', dir], { timeout: 60_000 }, (error) => resolve(!error));
  });
}
