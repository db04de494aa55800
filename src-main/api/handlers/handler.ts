import type { z } from 'zod';
import type { MethodTable } from '../contract/method.js';
import type { ApiEvents, EventTopic, MethodName, ParamsOf, ResultOf } from '../contract/index.js';
import type { Workspace } from '../../core/workspace/workspace.js';

/** Where the service runs; handlers may adapt messages (e.g. "click" vs "run"). */
export type Surface = 'desktop' | 'browser' | 'cli';

/** What every domain's handlers get from the service. */
export interface ServiceContext {
  /** The workspace (re-read on every call, so the CLI and the app may share it). */
  readonly workspace: Workspace;
  readonly surface: Surface;
  /** Push an event to every connected renderer (and the CLI's listeners). */
  emit<T extends EventTopic>(topic: T, data: ApiEvents[T]): void;
  /** Call another api method (for flows that span domains, e.g. quick start). */
  call<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>>;
  /** Run on service shutdown (stop brokers, close client sessions). */
  onDispose(fn: () => void | Promise<void>): void;
}

/** The implementation of one domain's method table. */
export type Handlers<T extends MethodTable> = {
  [K in keyof T]: (params: z.output<T[K]['params']>) => Promise<T[K]['result']> | T[K]['result'];
};
