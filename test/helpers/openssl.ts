import { run, type RunResult } from './run.js';

/** Run Debian's openssl (the independent judge) in `cwd`. */
export function openssl(args: string[], cwd?: string, input?: string): Promise<RunResult> {
  return run('openssl', args, {
    timeoutMs: 30_000,
    ...(cwd ? { cwd } : {}),
    ...(input !== undefined ? { input } : {}),
  });
}

/** openssl that must succeed; returns stdout + stderr. */
export async function opensslOk(args: string[], cwd?: string): Promise<string> {
  const result = await openssl(args, cwd);
  if (result.code !== 0)
    throw new Error(`openssl ${args.join(' ')} failed (${result.code}):\n${result.stdout}${result.stderr}`);
  return result.stdout + result.stderr;
}
