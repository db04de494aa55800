import { quickstartMethods } from '../contract/quickstart.js';
import type { Handlers, ServiceContext } from './handler.js';

export function quickstartHandlers(_ctx: ServiceContext): Handlers<typeof quickstartMethods> {
  return {};
}
