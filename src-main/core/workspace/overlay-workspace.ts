import { relative } from 'node:path';
import { Workspace, type StagedCommit, type WorkspaceChange } from './workspace.js';

type Pending = { data: string | Uint8Array; secret?: boolean } | null;

/**
 * A workspace seen through a layer of changes held in memory: reads see what was committed to the
 * overlay, else the real folder; commits go to memory only. Several operations written for a real
 * workspace (create a CA, issue a leaf…) can so be run one after another and their files written by
 * ONE commit of `changes()` to the base at the end, or dropped. Private keys stay in this process's
 * memory; nothing touches the disk until the caller commits.
 */
export class OverlayWorkspace extends Workspace {
  private readonly pending = new Map<string, Pending>();

  constructor(readonly base: Workspace) {
    super(base.dir);
  }

  private key(relativePath: string): string {
    return relative(this.dir, this.path(relativePath));
  }

  override exists(relativePath: string): boolean {
    const hit = this.pending.get(this.key(relativePath));
    if (hit !== undefined) return hit !== null;
    return super.exists(relativePath);
  }

  override readText(relativePath: string): string | undefined {
    const hit = this.pending.get(this.key(relativePath));
    if (hit === null) return undefined;
    if (hit !== undefined)
      return typeof hit.data === 'string' ? hit.data : Buffer.from(hit.data).toString('utf8');
    return super.readText(relativePath);
  }

  override readBytes(relativePath: string): Buffer | undefined {
    const hit = this.pending.get(this.key(relativePath));
    if (hit === null) return undefined;
    if (hit !== undefined) return Buffer.from(hit.data);
    return super.readBytes(relativePath);
  }

  override commit(changes: WorkspaceChange[]): void {
    for (const change of changes) {
      this.pending.set(
        this.key(change.path),
        'remove' in change ? null : { data: change.data, ...(change.secret ? { secret: true } : {}) },
      );
    }
  }

  override stage(changes: WorkspaceChange[]): StagedCommit {
    return { temps: [], publish: () => this.commit(changes), discard: () => undefined };
  }

  /** Every change made through the overlay, the last one of each path, in the order first written. */
  changes(): WorkspaceChange[] {
    return [...this.pending].map(([path, value]) =>
      value === null ? { path, remove: true as const } : { path, ...value },
    );
  }
}
