import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './run.js';

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  port: number;
  token: string;
  /** Everything the process wrote on stderr. */
  stderr(): string;
  /** The exit code once it exited, else undefined. */
  exited(): number | null | undefined;
  stop(): Promise<void>;
}

/** `npm run serve` as a user runs it (the built out/node/serve/main.js), in its own process. */
export function startServeProcess(workspaceDir: string): Promise<ServeProcess> {
  const child = spawn(process.execPath, [join(ROOT, 'out/node/serve/main.js'), '--workspace', workspaceDir], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let exit: number | null | undefined;
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((resolve) =>
    child.on('exit', (code) => {
      exit = code;
      resolve();
    }),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not print its URL within 15 s: ${stdout}${stderr}`));
    }, 15_000);
    child.stdout!.on('data', (d) => {
      stdout += d;
      const match = /open (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([\w-]+))/.exec(stdout);
      if (!match) return;
      clearTimeout(timer);
      resolve({
        child,
        url: match[1],
        port: Number(match[2]),
        token: match[3],
        stderr: () => stderr,
        exited: () => exit,
        async stop() {
          if (exit === undefined) child.kill('SIGTERM');
          await exited;
        },
      });
    });
    child.on('exit', () => {
      clearTimeout(timer);
      reject(new Error(`serve exited before printing its URL: ${stdout}${stderr}`));
    });
  });
}
