import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ApiService } from '../api/service.js';
import { resolveWorkspaceDir } from '../core/workspace/default-dir.js';
import { startServe } from './server.js';

/** `npm run serve`: the app in a browser at 127.0.0.1 with a per-run token. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      workspace: { type: 'string' },
      renderer: { type: 'string' },
    },
  });
  const rendererDir = values.renderer ?? fileURLToPath(new URL('../../renderer', import.meta.url));
  if (!existsSync(join(rendererDir, 'index.html'))) {
    process.stderr.write(`the renderer is not built (${rendererDir}): run \`npm run build\` first\n`);
    process.exit(1);
  }
  const port = values.port ? Number(values.port) : Number(process.env.MQTT_TLS_STUDIO_PORT ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port: not a port number: ${values.port}\n`);
    process.exit(2);
  }
  const service = new ApiService({ workspaceDir: resolveWorkspaceDir(values.workspace), surface: 'browser' });
  const running = await startServe({ service, rendererDir, port });
  process.stdout.write(`MQTT TLS Studio (browser mode) — workspace ${service.workspace.dir}\n`);
  process.stdout.write(`open ${running.url}\n`);
  const stop = async () => {
    await running.close();
    await service.dispose();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`serve: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
