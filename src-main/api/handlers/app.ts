import { appMethods } from '../contract/app.js';
import type { Handlers, ServiceContext } from './handler.js';
import { productVersion } from '../../core/product-version.js';

export function appHandlers(ctx: ServiceContext): Handlers<typeof appMethods> {
  return {
    'app.info': () => ({
      name: 'MQTT TLS Studio',
      version: productVersion(),
      workspace: ctx.workspace.dir,
      surface: ctx.surface,
      node: process.versions.node,
      platform: process.platform,
    }),
    'app.workspace': () => {
      const certificates = ctx.workspace.readJson<unknown[]>('certificates.json', []);
      return {
        dir: ctx.workspace.dir,
        empty: ctx.workspace.isEmpty(),
        certificates: Array.isArray(certificates) ? certificates.length : 0,
      };
    },
    'app.ping': ({ text }) => ({ text, at: new Date().toISOString() }),
  };
}
