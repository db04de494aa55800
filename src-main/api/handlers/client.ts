import { clientMethods } from '../contract/client.js';
import type { Handlers, ServiceContext } from './handler.js';

export function clientHandlers(_ctx: ServiceContext): Handlers<typeof clientMethods> {
  return {};
}
