import { spawn } from 'node:child_process';
import { run, type RunResult } from '../helpers/run.js';

/** The ready commands of a client README (the first mosquitto_sub and mosquitto_pub lines). */
export function readmeCommands(readme: string): { sub: string; pub: string } {
  const lines = readme.split('\n').map((l) => l.trim());
  const sub = lines.find((l) => l.startsWith('mosquitto_sub -'));
  const pub = lines.find((l) => l.startsWith('mosquitto_pub -'));
  if (!sub || !pub) throw new Error(`README has no mosquitto_sub/mosquitto_pub command:\n${readme}`);
  return { sub, pub };
}

/** Run a shell command line (as a user pastes it) in a folder, killed after timeoutMs. */
export function shell(
  command: string,
  cwd: string,
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 10_000,
): Promise<RunResult> {
  return run('bash', ['-c', command], { cwd, env, timeoutMs });
}

export interface Subscriber {
  /** Resolves once the broker acknowledged the subscription (rejects if the client exits first). */
  subscribed: Promise<void>;
  /** Resolves when the client exits (after `count` messages, or after `waitSeconds` without one). */
  done: Promise<RunResult>;
}

/**
 * Start a mosquitto_sub command line that exits after `count` messages or `waitSeconds` of silence
 * (`-C`/`-W` appended), with `-d` so the SUBACK shows when the subscription is in place.
 */
export function subscribe(
  command: string,
  cwd: string,
  options: { count?: number; waitSeconds?: number; env?: NodeJS.ProcessEnv } = {},
): Subscriber {
  const full = `${command} -d -C ${options.count ?? 1} -W ${options.waitSeconds ?? 8}`;
  const child = spawn('stdbuf', ['-oL', 'bash', '-c', full], {
    cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let onSuback: () => void = () => undefined;
  let onExit: (reason: Error) => void = () => undefined;
  const subscribed = new Promise<void>((resolve, reject) => {
    onSuback = resolve;
    onExit = reject;
  });
  child.stdout.on('data', (d) => {
    stdout += d;
    if (stdout.includes('received SUBACK')) onSuback();
  });
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), ((options.waitSeconds ?? 8) + 10) * 1000);
  const done = new Promise<RunResult>((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      onExit(new Error(`mosquitto_sub exited (${code}) before subscribing:\n${stdout}\n${stderr}`));
      resolve({ code, stdout, stderr });
    });
  });
  subscribed.catch(() => undefined);
  return { subscribed, done };
}

/** The `topic payload` lines mosquitto_sub -v printed (debug lines left out). */
export function received(output: string): string[] {
  return output.split('\n').filter((l) => l && !l.startsWith('Client ') && !l.startsWith('Subscribed'));
}

/**
 * Run mosquitto_pub against localhost:port, verifying the broker with `cafile`; `args` give the login,
 * topic and message. Killed after 8 s.
 */
export function publish(port: number, cafile: string, args: string[], cwd?: string): Promise<RunResult> {
  return run('mosquitto_pub', ['-h', 'localhost', '-p', String(port), '--cafile', cafile, ...args], {
    cwd,
    timeoutMs: 8000,
  });
}
