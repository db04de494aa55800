import { pkiMethods } from '../contract/pki.js';
import type { Handlers, ServiceContext } from './handler.js';

export function pkiHandlers(_ctx: ServiceContext): Handlers<typeof pkiMethods> {
  return {};
}
