import type { clientFileMethods } from '../contract/client-files.js';
import type { Handlers, ServiceContext } from './handler.js';
import { storeProfileFile } from '../../core/client/profile-files.js';

export function clientFileHandlers(ctx: ServiceContext): Handlers<typeof clientFileMethods> {
  return {
    'client.storeFile': (p) =>
      storeProfileFile(ctx.workspace, { name: p.name, role: p.role, data: Buffer.from(p.data, 'base64') }),
  };
}
