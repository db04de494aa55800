import { inspectMethods } from '../contract/inspect.js';
import type { Handlers, ServiceContext } from './handler.js';

export function inspectHandlers(_ctx: ServiceContext): Handlers<typeof inspectMethods> {
  return {};
}
