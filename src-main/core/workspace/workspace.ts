import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { PRIVATE_MODE, PUBLIC_MODE, fsyncDir } from './atomic-write.js';
import { discardStaged, renameStaged, stageFiles } from './staged-write.js';
import { UserError } from '../user-error.js';

/** The on-disk format version written to workspace.json. */
export const WORKSPACE_FORMAT = 1;

export type WorkspaceChange =
  { path: string; data: string | Uint8Array; secret?: boolean } | { path: string; remove: true };

/** A commit whose new files are written to temp files but not yet renamed into place. */
export interface StagedCommit {
  /** The temp files, for a caller that makes them durable itself. */
  temps: string[];
  /** Rename the temp files into place, apply the removals, fsync the folders touched. */
  publish(): void;
  /** Remove the temp files: the workspace stays as it was. */
  discard(): void;
}

/**
 * A workspace is a folder: `workspace.json` (format marker), one JSON index per domain
 * (e.g. `certificates.json`), and the PEM/text files they name. Every change goes through `commit`,
 * which writes every new file to a temp file first and renames them into place only when all were
 * written, so a failed command leaves the folder as it was.
 */
export class Workspace {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  /** Absolute path of a file inside the workspace; refuses paths that escape it. */
  path(relative: string): string {
    const full = resolve(this.dir, relative);
    if (full !== this.dir && !full.startsWith(this.dir + sep)) {
      throw new UserError(`path ${relative} is outside the workspace ${this.dir}`, 'BAD_PATH', {
        field: 'path',
      });
    }
    return full;
  }

  exists(relative: string): boolean {
    return existsSync(this.path(relative));
  }

  /** True when the folder has no workspace files yet. */
  isEmpty(): boolean {
    if (!existsSync(this.dir)) return true;
    return readdirSync(this.dir).filter((name) => !name.startsWith('.')).length === 0;
  }

  readText(relative: string): string | undefined {
    const full = this.path(relative);
    if (!existsSync(full)) return undefined;
    return readFileSync(full, 'utf8');
  }

  readBytes(relative: string): Buffer | undefined {
    const full = this.path(relative);
    if (!existsSync(full)) return undefined;
    return readFileSync(full);
  }

  readJson<T>(relative: string, fallback: T): T {
    const text = this.readText(relative);
    if (text === undefined) return fallback;
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new UserError(
        `${this.path(relative)}: not valid JSON (${(error as Error).message})`,
        'BAD_WORKSPACE',
        { file: this.path(relative) },
      );
    }
  }

  /** Apply a set of file changes all together: temp files first, then renames, then removals. */
  commit(changes: WorkspaceChange[]): void {
    this.stage(changes).publish();
  }

  /**
   * The first half of a commit: every new file written to a temp file beside its target (fsynced each,
   * unless `fsync: false` for a caller that flushes the temp files together before publishing), nothing
   * visible yet. `publish()` renames them into place and applies the removals; `discard()` drops them.
   */
  stage(changes: WorkspaceChange[], options: { fsync?: boolean } = {}): StagedCommit {
    const all: WorkspaceChange[] = [...changes];
    if (!changes.some((c) => c.path === 'workspace.json') && !this.exists('workspace.json')) {
      all.push({
        path: 'workspace.json',
        data: JSON.stringify({ format: WORKSPACE_FORMAT }, null, 2) + '\n',
      });
    }
    mkdirSync(this.dir, { recursive: true });
    const staged = stageFiles(
      all.flatMap((change) =>
        'remove' in change
          ? []
          : [
              {
                target: this.path(change.path),
                data: change.data,
                mode: change.secret ? PRIVATE_MODE : PUBLIC_MODE,
              },
            ],
      ),
      options,
    );
    return {
      temps: staged.map((s) => s.temp),
      discard: () => discardStaged(staged),
      publish: () => {
        const dirs = renameStaged(staged);
        for (const change of all) {
          if (!('remove' in change)) continue;
          const target = this.path(change.path);
          if (existsSync(target) && statSync(target).isFile()) rmSync(target);
          dirs.add(dirname(target));
        }
        for (const dir of dirs) fsyncDir(dir);
      },
    };
  }

  /** Convenience for one JSON index file. */
  jsonChange(relative: string, value: unknown): WorkspaceChange {
    return { path: relative, data: JSON.stringify(value, null, 2) + '\n' };
  }
}
