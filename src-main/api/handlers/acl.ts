import { aclMethods } from '../contract/acl.js';
import type { Handlers, ServiceContext } from './handler.js';

export function aclHandlers(_ctx: ServiceContext): Handlers<typeof aclMethods> {
  return {};
}
