import { exportMethods } from '../contract/export.js';
import type { Handlers, ServiceContext } from './handler.js';

export function exportHandlers(_ctx: ServiceContext): Handlers<typeof exportMethods> {
  return {};
}
