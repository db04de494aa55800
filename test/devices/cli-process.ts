import { spawn, type ChildProcess } from 'node:child_process';
import { CLI, ROOT } from '../helpers/run.js';

/** A CLI process left running (a broker, a subscriber) whose output the test waits on. */
export interface RunningCli {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves when `pattern` shows in stdout or stderr; rejects at the deadline with what was printed. */
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<void>;
  /** Resolves with the exit code (killed after timeoutMs). */
  exited: Promise<number | null>;
  stop: () => Promise<number | null>;
}

export function spawnCli(args: string[], options: { input?: string; timeoutMs?: number } = {}): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  child.stdin!.on('error', () => undefined);
  if (options.input !== undefined) child.stdin!.end(options.input);
  const killer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      clearTimeout(killer);
      resolve(code);
    }),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor: (pattern, timeoutMs = 15_000) =>
      new Promise<void>((resolve, reject) => {
        const started = Date.now();
        const check = setInterval(() => {
          if (pattern.test(out) || pattern.test(err)) {
            clearInterval(check);
            resolve();
          } else if (child.exitCode !== null || Date.now() - started > timeoutMs) {
            clearInterval(check);
            reject(new Error(`no ${pattern} from mqtt-tls-studio ${args.join(' ')}:\n${out}\n${err}`));
          }
        }, 25);
      }),
    stop: () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
