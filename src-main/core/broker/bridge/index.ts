/**
 * Bridges: the local broker runs the `connection` sections of its conf as Mosquitto 2.0.11 does —
 * topic mapping (topic-map), defaults and checks (bridge-settings), TLS (bridge-tls), one remote
 * connection over mqtt.js (remote-link), the local side in process (local-side), and one runner per
 * bridge with backoff, start types and notifications (bridge-runner). A bridge never blocks the broker.
 */
import { existsSync } from 'node:fs';
import type { MosquittoConf } from '../../conf/index.js';
import { messageOf } from '../../user-error.js';
import { FileWatcher } from '../file-watcher.js';
import { loadConfFile } from '../workspace-settings.js';
import { BridgeRunner, type BridgeLog, type RunnerTiming } from './bridge-runner.js';
import { resolveBridge, type ResolvedBridge } from './bridge-settings.js';
import type { BridgeProblem, BridgeStatus } from './bridge-status.js';
import { bridgeTls, type BridgeTls } from './bridge-tls.js';
import type { LocalSide } from './local-side.js';

export type { BridgeStatus, BridgeState, BridgeProblem, BridgeInspectTarget } from './bridge-status.js';
export { aedesLocalSide, type LocalSide, type LocalMessage } from './local-side.js';
export { parseTopicLine, remapIn, remapOut, type BridgeTopic } from './topic-map.js';
export { resolveBridge, type ResolvedBridge } from './bridge-settings.js';

export interface BridgeLogEntry {
  level: 'info' | 'warning' | 'error';
  bridge: string;
  message: string;
  problem?: BridgeProblem;
  file?: string;
  line?: number;
}

export interface BridgeSetOptions {
  log: (entry: BridgeLogEntry) => void;
  /** A bridge's status changed (state, counters). */
  changed: (status: BridgeStatus) => void;
  timing?: RunnerTiming;
  /** Restart a bridge alone when its files or its section change (default true). */
  watch?: boolean;
}

interface Prepared {
  bridge: ResolvedBridge;
  tls: BridgeTls | undefined;
  /** The section as written, to tell a changed section on reload. */
  key: string;
}

/**
 * Check every bridge section and read its files: a UserError naming the conf line when one cannot
 * run (a bad topic line, a missing CA file), before the broker opens any listener.
 */
export function prepareBridges(conf: MosquittoConf, baseDir: string): Prepared[] {
  return conf.bridges.map((section, index) => {
    const bridge = resolveBridge(conf, index, baseDir);
    return { bridge, tls: bridgeTls(bridge), key: JSON.stringify(section) };
  });
}

/** The running bridges of one broker. */
export class BridgeSet {
  private readonly runners = new Map<string, { runner: BridgeRunner; key: string; tlsKey: string }>();
  private watcher: FileWatcher | undefined;
  private readonly watched = new Set<string>();
  private closed = false;

  constructor(
    prepared: Prepared[],
    private readonly local: LocalSide,
    private readonly options: BridgeSetOptions,
    private readonly confFile?: string,
  ) {
    for (const p of prepared) this.add(p);
    if (options.watch !== false) this.watch();
  }

  private add(p: Prepared): BridgeRunner {
    const b = p.bridge;
    const log: BridgeLog = (level, message, problem) =>
      this.options.log({
        level,
        bridge: b.name,
        message,
        ...(problem ? { problem } : {}),
        ...(b.where.file ? { file: b.where.file } : {}),
        ...(b.where.line !== undefined ? { line: b.where.line } : {}),
      });
    const runner: BridgeRunner = new BridgeRunner(
      b,
      p.tls,
      this.local,
      log,
      () => this.options.changed(runner.status()),
      this.options.timing,
    );
    this.runners.set(b.name, { runner, key: p.key, tlsKey: tlsKey(p.tls) });
    return runner;
  }

  startAll(): void {
    for (const { runner } of this.runners.values()) runner.start();
  }

  list(): BridgeStatus[] {
    return [...this.runners.values()].map((r) => r.runner.status());
  }

  get(name: string): BridgeRunner | undefined {
    return this.runners.get(name)?.runner;
  }

  /** Watch the files of every bridge (each file once; the callback finds the bridges using it). */
  private watch(): void {
    const watcher = (this.watcher ??= new FileWatcher(150, () => undefined));
    if (this.confFile && existsSync(this.confFile) && !this.watched.has(this.confFile)) {
      this.watched.add(this.confFile);
      watcher.add(this.confFile, () => void this.reloadConf());
    }
    for (const { runner } of this.runners.values()) {
      for (const file of bridgeTlsFiles(runner.bridge)) {
        if (this.watched.has(file)) continue;
        this.watched.add(file);
        watcher.add(file, () => {
          for (const [name, entry] of this.runners)
            if (bridgeTlsFiles(entry.runner.bridge).includes(file))
              void this.restart(name, `${file} changed`);
        });
      }
    }
  }

  /** Restart one bridge with its files read again (hot reload). */
  async restart(name: string, why: string): Promise<void> {
    const entry = this.runners.get(name);
    if (!entry || this.closed) return;
    const old = entry.runner;
    const wasRunning = old.state !== 'stopped';
    let tls: BridgeTls | undefined;
    try {
      tls = bridgeTls(old.bridge);
    } catch (error) {
      this.options.log({
        level: 'error',
        bridge: name,
        message: `bridge ${name}: ${why} but cannot be used, it keeps running with the previous files: ${messageOf(error)}`,
      });
      return;
    }
    if (tlsKey(tls) === entry.tlsKey) return;
    await old.stop(`stopped: ${why}`);
    const runner = this.add({ bridge: old.bridge, tls, key: entry.key });
    this.options.log({ level: 'info', bridge: name, message: `bridge ${name} restarted: ${why}` });
    if (wasRunning) runner.start();
    this.watch();
  }

  /** The conf file changed: restart the bridges whose section changed, start new ones, stop removed ones. */
  private async reloadConf(): Promise<void> {
    if (!this.confFile || this.closed) return;
    let prepared: Prepared[];
    try {
      const { conf, baseDir } = loadConfFile(this.confFile);
      prepared = prepareBridges(conf, baseDir);
    } catch (error) {
      this.options.log({
        level: 'error',
        bridge: '',
        message: `the conf changed but its bridges cannot be used, the running bridges are kept: ${messageOf(error)}`,
      });
      return;
    }
    const names = new Set(prepared.map((p) => p.bridge.name));
    for (const [name, entry] of [...this.runners]) {
      if (names.has(name)) continue;
      await entry.runner.stop('removed from the conf');
      this.runners.delete(name);
    }
    for (const p of prepared) {
      const entry = this.runners.get(p.bridge.name);
      if (entry && entry.key === p.key) continue;
      if (entry) await entry.runner.stop('stopped: its section changed');
      const runner = this.add(p);
      this.options.log({
        level: 'info',
        bridge: p.bridge.name,
        message: `bridge ${p.bridge.name} ${entry ? 'restarted: its section changed' : 'added to the conf'}`,
      });
      runner.start();
    }
    this.watch();
    for (const { runner } of this.runners.values()) this.options.changed(runner.status());
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watcher?.close();
    await Promise.all([...this.runners.values()].map(({ runner }) => runner.stop('stopped with the broker')));
  }
}

function bridgeTlsFiles(bridge: ResolvedBridge): string[] {
  try {
    return bridgeTls(bridge)?.files ?? [];
  } catch {
    return [];
  }
}

/** What the bridge's TLS files hold, to restart it only when they really changed. */
function tlsKey(tls: BridgeTls | undefined): string {
  if (!tls) return '';
  const o = tls.options;
  return JSON.stringify([o.ca, o.cert, o.key, o.minVersion, o.ALPNProtocols]);
}
