import { execFile } from 'node:child_process';
import { open } from 'node:fs/promises';
import type { Workspace, WorkspaceChange } from './workspace.js';

/**
 * `Workspace.commit` for thousands of files at once (a batch of certificates and keys), with the same
 * guarantees: every new file is written to a temp file and made durable before any is renamed into
 * place, so a crash or an error leaves the folder as it was. Instead of one fsync per file (milliseconds
 * each on a busy disk), the temp files are flushed together: one syncfs(2) of the filesystem on Linux
 * (`sync -f`), else parallel fsyncs.
 */
export async function commitMany(ws: Workspace, changes: WorkspaceChange[]): Promise<void> {
  const staged = ws.stage(changes, { fsync: false });
  try {
    await flush(ws.dir, staged.temps);
  } catch (error) {
    staged.discard();
    throw error;
  }
  staged.publish();
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
