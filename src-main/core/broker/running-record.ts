import { readFileSync, rmSync } from 'node:fs';
import { writeFileAtomic } from '../workspace/atomic-write.js';
import type { Workspace } from '../workspace/workspace.js';

/**
 * While a workspace broker runs (in the app, the browser mode or `mqtt-tls-studio broker`), its
 * process and the URLs it really listens on are kept in broker/running.json, so that other processes
 * on the same workspace (`pub`, `sub`, `bench`) find it wherever it listens.
 */
export const RUNNING_RECORD = 'broker/running.json';

export interface RunningRecord {
  pid: number;
  startedAt: string;
  /** Listener URLs as printed (`mqtts://127.0.0.1:8883`), in conf order. */
  listeners: string[];
}

export function writeRunningRecord(workspace: Workspace, listeners: string[]): void {
  const record: RunningRecord = { pid: process.pid, startedAt: new Date().toISOString(), listeners };
  writeFileAtomic(workspace.path(RUNNING_RECORD), JSON.stringify(record, null, 2) + '\n');
}

/** Remove the record if this process wrote it. */
export function removeRunningRecord(workspace: Workspace): void {
  const record = readRunningRecord(workspace, { anyProcess: true });
  try {
    if (record && record.pid === process.pid) rmSync(workspace.path(RUNNING_RECORD), { force: true });
  } catch {
    // a record left behind names a process that no longer runs: readers ignore it
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The record of a broker that still runs (a record left by a crashed process is ignored). */
export function readRunningRecord(
  workspace: Workspace,
  options: { anyProcess?: boolean } = {},
): RunningRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(workspace.path(RUNNING_RECORD), 'utf8'));
  } catch {
    return undefined;
  }
  const record = value as Partial<RunningRecord> | null;
  if (
    !record ||
    typeof record.pid !== 'number' ||
    !Array.isArray(record.listeners) ||
    !record.listeners.every((l) => typeof l === 'string')
  ) {
    return undefined;
  }
  if (!options.anyProcess && !alive(record.pid)) return undefined;
  return { pid: record.pid, startedAt: String(record.startedAt ?? ''), listeners: record.listeners };
}
