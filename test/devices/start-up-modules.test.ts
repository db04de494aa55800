import { describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CLI, run } from '../helpers/run.js';

// Scripts call `pub` in loops (issue #17): a command line loads its own command's code only. This lists
// the modules a `pub` really loads (ES modules through a resolve hook — for the bundled CLI, the modules
// each loaded chunk holds, from its source map —, CommonJS from require.cache) and
// checks that what it never needs stays unloaded — the start-up figures themselves are in
// bench/cli-devices.js, not asserted here.
const LIST_MODULES = `
import { register, createRequire } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(
  'export async function resolve(s, c, next) { const r = await next(s, c); if (r.url.startsWith("file:")) process.stderr.write("esm " + r.url + "\\\\n"); return r; }'
));
const require = createRequire(process.argv[1]);
process.on('exit', () => { for (const k of Object.keys(require.cache)) process.stderr.write('cjs ' + k + '\\n'); });
`;

async function modulesOfPub(): Promise<{ code: number | null; modules: string[]; stderr: string }> {
  // a port nobody listens on: the publish fails at once, after the client core has loaded
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const hook = 'data:text/javascript,' + encodeURIComponent(LIST_MODULES);
  const r = await run(process.execPath, [
    '--import',
    hook,
    CLI,
    'pub',
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    '--insecure',
    '-t',
    'a/b',
    '-m',
    'x',
  ]);
  const files = r.stderr
    .split('\n')
    .filter((l) => l.startsWith('esm ') || l.startsWith('cjs '))
    .map((l) => (l.startsWith('esm ') ? fileURLToPath(l.slice(4)) : l.slice(4)));
  const modules = files.flatMap((file) => {
    if (!existsSync(`${file}.map`)) return [file];
    const map = JSON.parse(readFileSync(`${file}.map`, 'utf8')) as { sources: string[] };
    return [file, ...map.sources.map((source) => new URL(source, `file://${file}`).pathname)];
  });
  return { code: r.code, modules, stderr: r.stderr };
}

describe('what a pub loads', () => {
  it('loads the client core and mqtt.js, not the other commands, the validator, the ACL engine or worker-timers', async () => {
    const { code, modules, stderr } = await modulesOfPub();
    expect(code, stderr).toBe(1); // connection refused, explained
    expect(stderr).toMatch(/error: /);
    const has = (part: string): boolean => modules.some((m) => m.includes(part));
    // what it needs really loaded (the hook works)
    expect(has('/out/cli/main.js')).toBe(true); // the bundled command line (scripts/bundle-cli.js)
    expect(has('/cli/devices/pub.js')).toBe(true);
    expect(has('/core/client/session.js')).toBe(true);
    expect(has('/node_modules/mqtt/build/lib/client.js')).toBe(true);
    // what it never needs
    for (const part of [
      '/cli/commands/certificates.js',
      '/cli/commands/inspect.js',
      '/cli/commands/broker.js',
      '/api/service.js',
      '/core/conf/validate.js',
      '/core/acl/evaluate-acl.js',
      '/core/broker/start-broker.js',
      '/node_modules/aedes/',
      // mqtt.js's browser timers (patches/mqtt+5.16.0+001+worker-timers-on-first-use.patch)
      '/node_modules/worker-timers/',
    ]) {
      expect(has(part), part).toBe(false);
    }
  });
});
