import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitForPort } from './ports.js';

export interface RunningMosquitto {
  process: ChildProcess;
  /** Everything Mosquitto wrote so far (it logs to stderr with log_dest stderr). */
  log: () => string;
  stop: () => Promise<void>;
}

/** Mosquitto exited before it listened: its exit code and everything it printed. */
export class MosquittoExited extends Error {
  constructor(
    readonly code: number | null,
    readonly output: string,
  ) {
    super(`mosquitto exited with ${code}:\n${output}`);
  }
}

/**
 * Start Debian's /usr/sbin/mosquitto with the given config text (written to dir/mosquitto.conf) and
 * wait until `port` accepts connections. Rejects with Mosquitto's own output (MosquittoExited) when it
 * exits early; when it neither listens nor exits in time, it is killed and the wait's error thrown.
 */
export async function startMosquitto(
  dir: string,
  conf: string,
  port: number,
  options: { cwd?: string } = {},
): Promise<RunningMosquitto> {
  const confPath = join(dir, 'mosquitto.conf');
  writeFileSync(confPath, conf);
  const child = spawn('/usr/sbin/mosquitto', ['-c', confPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: options.cwd,
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<never>((_, reject) =>
    // 'close' (not 'exit') so that everything Mosquitto wrote has arrived.
    child.once('close', (code) => reject(new MosquittoExited(code, output))),
  );
  exited.catch(() => undefined);
  // Ready when Mosquitto says it is running (logged after every listener is open); a probe connection
  // would make a TLS listener log "unexpected eof". Configs that silence the log fall back to a TCP probe.
  const running = new Promise<void>((resolve, reject) => {
    const started = Date.now();
    const check = setInterval(() => {
      if (/mosquitto version \S+ running/.test(output)) {
        clearInterval(check);
        resolve();
      } else if (Date.now() - started > 3000) {
        clearInterval(check);
        waitForPort(port).then(resolve, reject);
      }
    }, 20);
    child.once('close', () => clearInterval(check));
  });
  try {
    await Promise.race([running, exited]);
  } catch (error) {
    if (!(error instanceof MosquittoExited)) child.kill('SIGKILL');
    throw error;
  }
  return {
    process: child,
    log: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}

/**
 * Mosquitto started as root drops to the mosquitto user before it opens any file: let it read the test
 * files of `dir` (test keys only): the folder and its subfolders 0755, its files 0644.
 */
export function readableByMosquitto(dir: string): void {
  chmodSync(dir, 0o755);
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    chmodSync(path, statSync(path).isDirectory() ? 0o755 : 0o644);
  }
}

/** Start Mosquitto expecting it to refuse the config; resolves with its exit code and output. */
export function mosquittoRefuses(
  dir: string,
  conf: string,
  timeoutMs = 5000,
): Promise<{ code: number | null; output: string; running: boolean }> {
  const confPath = join(dir, 'mosquitto-bad.conf');
  writeFileSync(confPath, conf);
  return new Promise((resolve) => {
    const child = spawn('/usr/sbin/mosquitto', ['-c', confPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let running = false;
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => {
      running = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      // Still running when we stopped it: Mosquitto started, it did not refuse. Reported as exit 0 so
      // that `expect(code).not.toBe(0)` fails instead of passing on the kill's null.
      resolve({ code: running ? 0 : code, output, running });
    });
  });
}

/**
 * The first line Mosquitto logs after `from` (an offset into its log, taken before the attempt) that
 * matches `pattern`; rejects naming the pattern and the new log lines when none comes within timeoutMs.
 */
export async function logLine(
  broker: RunningMosquitto,
  from: number,
  pattern: RegExp,
  timeoutMs = 5000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = broker
      .log()
      .slice(from)
      .split('\n')
      .find((l) => pattern.test(l));
    if (line !== undefined) return line;
    if (Date.now() > deadline) {
      throw new Error(`Mosquitto logged no line matching ${pattern}:\n${broker.log().slice(from)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
