import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

/**
 * Calls back when watched files change. It watches the folders, not the files, so a file replaced by an
 * atomic rename (how editors and our workspace write) is still seen; changes are debounced.
 */
export class FileWatcher {
  private readonly folders = new Map<string, FSWatcher>();
  private readonly callbacks = new Map<string, Array<() => void>>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly debounceMs = 150,
    private readonly onError: (error: Error) => void = () => undefined,
  ) {}

  /** Watch a file (or a folder's entries when `folder` is true). */
  add(path: string, callback: () => void, folder = false): void {
    const key = folder ? `${path}/` : path;
    const list = this.callbacks.get(key) ?? [];
    list.push(callback);
    this.callbacks.set(key, list);
    const dir = folder ? path : dirname(path);
    if (this.folders.has(dir)) return;
    try {
      const watcher = watch(dir, { persistent: false }, (_event, name) =>
        this.changed(dir, name?.toString()),
      );
      watcher.on('error', (error) => this.onError(error));
      this.folders.set(dir, watcher);
    } catch (error) {
      this.onError(error as Error);
    }
  }

  private changed(dir: string, name: string | undefined): void {
    if (this.closed) return;
    const keys: string[] = [];
    if (this.callbacks.has(`${dir}/`)) keys.push(`${dir}/`);
    for (const key of this.callbacks.keys()) {
      if (key.endsWith('/')) continue;
      if (dirname(key) === dir && (name === undefined || basename(key) === name)) keys.push(key);
    }
    for (const key of keys) {
      clearTimeout(this.timers.get(key));
      this.timers.set(
        key,
        setTimeout(() => {
          this.timers.delete(key);
          if (this.closed) return;
          for (const callback of this.callbacks.get(key) ?? []) callback();
        }, this.debounceMs),
      );
    }
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    for (const watcher of this.folders.values()) watcher.close();
    this.folders.clear();
  }
}
