import { quickstartMethods } from '../contract/quickstart.js';
import type { Handlers, ServiceContext } from './handler.js';
import { QUICKSTART, firstFreePort, runQuickstart } from '../../core/quickstart/index.js';
import { listCertificates } from '../../core/pki/index.js';

export function quickstartHandlers(ctx: ServiceContext): Handlers<typeof quickstartMethods> {
  return {
    'quickstart.status': () => {
      const empty = ctx.workspace.isEmpty();
      const names = empty ? [] : listCertificates(ctx.workspace).map((c) => c.name);
      const conf = ctx.workspace.readText('broker/mosquitto.conf');
      const done =
        Boolean(conf) &&
        [QUICKSTART.rootCa, QUICKSTART.server, ...QUICKSTART.devices].every((n) => names.includes(n));
      const port = conf ? Number(/^listener\s+(\d+)/m.exec(conf)?.[1]) || undefined : undefined;
      return { empty, done, ...(port ? { port } : {}) };
    },
    'quickstart.run': async ({ port, nextFreePort, hostname }) => {
      const preferred = port ?? QUICKSTART.defaultPort;
      const chosen = nextFreePort ? await firstFreePort(preferred) : preferred;
      ctx.emit('quickstart.progress', {
        step: 'Creating the CA chain, the broker and two devices',
        done: false,
      });
      const result = await runQuickstart(ctx.workspace, { port: chosen, hostname });
      ctx.emit('quickstart.progress', {
        step: `Created ${result.certificates.length} certificates`,
        done: true,
      });
      const portNote =
        chosen !== preferred ? `port ${preferred} is in use, so the broker uses ${chosen}` : undefined;
      return { ...result, ...(portNote ? { portNote } : {}) };
    },
  };
}
