// Bundles the command line (out/node/cli/main.js, built by tsc) into out/cli/: a few files instead of ~70
// ES modules that Node 20 resolves, stats and reads one by one at every start (scripts call `pub` in loops:
// issue #17). Each command stays in its own chunk, loaded when it runs. Packages from node_modules stay
// outside the bundle (required at run time, as patched by patch-package).
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = `${root}out/cli`;
rmSync(outDir, { recursive: true, force: true });
const bundle = await rolldown({
  cwd: root,
  input: { main: 'out/node/cli/main.js' },
  platform: 'node',
  external: [/^[^./]/], // every bare specifier: node: built-ins and packages
  logLevel: 'warn',
});
await bundle.write({ dir: outDir, format: 'esm', sourcemap: true, chunkFileNames: '[name]-[hash].js' });
await bundle.close();
