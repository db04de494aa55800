import { brokerMethods } from '../contract/broker.js';
import type { Handlers, ServiceContext } from './handler.js';

export function brokerHandlers(_ctx: ServiceContext): Handlers<typeof brokerMethods> {
  return {};
}
