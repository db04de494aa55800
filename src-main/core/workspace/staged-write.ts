import { rmSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeTemp } from './atomic-write.js';

/** A file written to a temp file beside its target, not yet renamed into place. */
export interface StagedFile {
  temp: string;
  target: string;
}

export interface FileToStage {
  target: string;
  data: string | Uint8Array;
  mode: number;
}

/**
 * The first half of an all-or-nothing write: every file goes to a temp file beside its target (fsynced
 * each, unless `fsync: false` for a caller that flushes them together), in the order `files` yields
 * them. When one fails (or `files` throws), the temp files already written are removed and the error is
 * thrown, so nothing is left behind.
 */
export function stageFiles(files: Iterable<FileToStage>, options: { fsync?: boolean } = {}): StagedFile[] {
  const staged: StagedFile[] = [];
  try {
    for (const file of files) {
      staged.push({ temp: writeTemp(file.target, file.data, file.mode, options), target: file.target });
    }
  } catch (error) {
    discardStaged(staged);
    throw error;
  }
  return staged;
}

/** Remove the temp files of a staged write that will not happen. */
export function discardStaged(staged: readonly StagedFile[]): void {
  for (const { temp } of staged) rmSync(temp, { force: true });
}

/** The second half: rename every staged file into place; returns the folders touched (to fsync). */
export function renameStaged(staged: readonly StagedFile[]): Set<string> {
  const dirs = new Set<string>();
  for (const { temp, target } of staged) {
    renameSync(temp, target);
    dirs.add(dirname(target));
  }
  return dirs;
}
