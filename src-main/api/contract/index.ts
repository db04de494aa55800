import type { z } from 'zod';
import { appMethods, type AppEvents } from './app.js';
import { pkiMethods, type PkiEvents } from './pki.js';
import { brokerMethods, type BrokerEvents } from './broker.js';
import { aclMethods, type AclEvents } from './acl.js';
import { inspectMethods, type InspectEvents } from './inspect.js';
import { clientMethods, type ClientEvents } from './client.js';
import { exportMethods, type ExportEvents } from './export.js';
import { quickstartMethods, type QuickstartEvents } from './quickstart.js';
import { benchMethods, type BenchEvents } from './bench.js';

/** Every api method of the product, by name. The one contract all three surfaces speak. */
export const apiMethods = {
  ...appMethods,
  ...pkiMethods,
  ...brokerMethods,
  ...aclMethods,
  ...inspectMethods,
  ...clientMethods,
  ...exportMethods,
  ...quickstartMethods,
  ...benchMethods,
};

export type ApiMethods = typeof apiMethods;
export type MethodName = keyof ApiMethods;
/** What a caller passes (before defaults are applied). */
export type ParamsOf<M extends MethodName> = z.input<ApiMethods[M]['params']>;
/** What a handler receives (after validation and defaults). */
export type ValidParamsOf<M extends MethodName> = z.output<ApiMethods[M]['params']>;
export type ResultOf<M extends MethodName> = ApiMethods[M]['result'];

/** Events pushed main → renderer, by topic. */
export type ApiEvents = AppEvents &
  PkiEvents &
  BrokerEvents &
  AclEvents &
  InspectEvents &
  ClientEvents &
  ExportEvents &
  QuickstartEvents &
  BenchEvents;
export type EventTopic = keyof ApiEvents;

/** An error as it crosses a transport: a code and one line for the user. */
export interface ApiErrorPayload {
  code: string;
  message: string;
  location?: { file?: string; line?: number; field?: string };
}

export type ApiResponse = { ok: true; result: unknown } | { ok: false; error: ApiErrorPayload };
