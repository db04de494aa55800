import { EventEmitter } from 'node:events';
import {
  apiMethods,
  type ApiErrorPayload,
  type ApiEvents,
  type ApiResponse,
  type EventTopic,
} from './contract/index.js';
import type { MethodSpec } from './contract/method.js';
import type { ServiceContext, Surface } from './handlers/handler.js';
import { appHandlers } from './handlers/app.js';
import { pkiHandlers } from './handlers/pki.js';
import { brokerHandlers } from './handlers/broker.js';
import { aclHandlers } from './handlers/acl.js';
import { inspectHandlers } from './handlers/inspect.js';
import { clientHandlers } from './handlers/client.js';
import { exportHandlers } from './handlers/export.js';
import { quickstartHandlers } from './handlers/quickstart.js';
import { benchHandlers } from './handlers/bench.js';
import { Workspace } from '../core/workspace/workspace.js';
import { UserError } from '../core/user-error.js';

type AnyHandler = (params: unknown) => unknown;
export type EventListener = <T extends EventTopic>(topic: T, data: ApiEvents[T]) => void;

/**
 * The api implementation over the core: validates params against the contract, runs the domain's
 * handler, and turns any failure into `{ code, message }` for the transports. One per process.
 */
export class ApiService {
  readonly workspace: Workspace;
  readonly surface: Surface;
  private readonly handlers = new Map<string, AnyHandler>();
  private readonly events = new EventEmitter();
  private readonly disposers: Array<() => void | Promise<void>> = [];
  /** Where unexpected (non-user) errors are reported with their stack; stderr by default. */
  logInternalError: (error: unknown) => void = (error) => console.error(error);

  constructor(options: { workspaceDir: string; surface: Surface }) {
    this.workspace = new Workspace(options.workspaceDir);
    this.surface = options.surface;
    this.events.setMaxListeners(0);
    const ctx: ServiceContext = {
      workspace: this.workspace,
      surface: this.surface,
      emit: (topic, data) => this.events.emit('event', topic, data),
      call: async (method, params) => this.invoke(method, params) as never,
      onDispose: (fn) => this.disposers.push(fn),
    };
    const tables = [
      appHandlers(ctx),
      pkiHandlers(ctx),
      brokerHandlers(ctx),
      aclHandlers(ctx),
      inspectHandlers(ctx),
      clientHandlers(ctx),
      exportHandlers(ctx),
      quickstartHandlers(ctx),
      benchHandlers(ctx),
    ];
    for (const table of tables) {
      for (const [name, fn] of Object.entries(table)) this.handlers.set(name, fn as AnyHandler);
    }
  }

  /** Every method name of the contract. */
  methodNames(): string[] {
    return Object.keys(apiMethods);
  }

  /** Validate and run; throws UserError or whatever the handler threw. */
  async invoke(method: string, params: unknown): Promise<unknown> {
    const spec = (apiMethods as Record<string, MethodSpec>)[method];
    const handler = this.handlers.get(method);
    if (!spec || !handler)
      throw new UserError(`unknown api method: ${String(method).slice(0, 80)}`, 'UNKNOWN_METHOD');
    const parsed = spec.params.safeParse(params ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join('.') || '(params)';
      throw new UserError(`${method}: ${field}: ${issue?.message ?? 'invalid'}`, 'BAD_PARAMS', { field });
    }
    return await handler(parsed.data);
  }

  /** Transport entry point: never throws; returns a result or an error payload. */
  async call(method: string, params: unknown): Promise<ApiResponse> {
    try {
      return { ok: true, result: await this.invoke(method, params) };
    } catch (error) {
      return { ok: false, error: this.toPayload(error) };
    }
  }

  toPayload(error: unknown): ApiErrorPayload {
    if (error instanceof UserError) {
      const location = Object.keys(error.location).length ? error.location : undefined;
      return { code: error.code, message: error.message, ...(location ? { location } : {}) };
    }
    this.logInternalError(error);
    const message = error instanceof Error ? error.message : String(error);
    return { code: 'INTERNAL', message: `internal error: ${message}` };
  }

  /** Subscribe to every event; returns the unsubscribe function. */
  onEvent(listener: EventListener): () => void {
    const wrapped = (topic: EventTopic, data: ApiEvents[EventTopic]) => listener(topic, data);
    this.events.on('event', wrapped);
    return () => this.events.off('event', wrapped);
  }

  async dispose(): Promise<void> {
    const fns = this.disposers.splice(0).reverse();
    for (const fn of fns) {
      try {
        await fn();
      } catch (error) {
        this.logInternalError(error);
      }
    }
  }
}
