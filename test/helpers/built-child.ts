import { run, ROOT } from './run.js';

/**
 * Run an ES module snippet in a child Node against the built code (out/node; `npm run build:node`),
 * killed after `timeoutMs`: for checks where a regression would block the thread (a test process could
 * not even time itself out). `result` is what the snippet printed with `console.log(JSON.stringify(x))`.
 */
export async function runBuilt(
  code: string,
  timeoutMs = 20_000,
): Promise<{ finished: boolean; result: unknown; stderr: string }> {
  const out = await run(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, timeoutMs });
  if (out.code !== 0) return { finished: false, result: undefined, stderr: out.stderr };
  return {
    finished: true,
    result: JSON.parse(out.stdout.trim().split('\n').pop() ?? 'null'),
    stderr: out.stderr,
  };
}
