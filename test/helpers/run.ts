import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = fileURLToPath(new URL('../../bin/mqtt-tls-studio.js', import.meta.url));

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a program to completion (killed after timeoutMs), collecting its output. */
export function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number; cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...options.env },
      cwd: options.cwd ?? ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    // A program that exits without reading its input must not fail the test with EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** Run the built CLI (`bin/mqtt-tls-studio.js`; `npm run build:node` must have run). */
export function cli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {},
) {
  return run(process.execPath, [CLI, ...args], options);
}

/**
 * A command line from a template: the literal text splits at white space, and each `${value}` is one
 * argument as it is (an array: its items), spaces and all — `argv\`pub -t ${topic} -m ${''}\``.
 * An interpolation is always an argument of its own, even written against literal text.
 */
export function argv(
  strings: TemplateStringsArray,
  ...values: Array<string | number | readonly (string | number)[]>
): string[] {
  const args: string[] = [];
  strings.forEach((text, i) => {
    args.push(...text.split(/\s+/).filter(Boolean));
    if (i < values.length) {
      const value = values[i]!;
      if (Array.isArray(value)) args.push(...value.map(String));
      else args.push(String(value));
    }
  });
  return args;
}
