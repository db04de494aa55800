import type {
  ApiErrorPayload,
  ApiEvents,
  EventTopic,
  MethodName,
  ParamsOf,
  ResultOf,
} from '../../../src-main/api/contract/index.js';
import type { Transport, TransportState } from './transport.js';

/** A failed api call: `code` and one line for the user (`message`), maybe the field at fault. */
export class ApiError extends Error {
  readonly code: string;
  readonly location?: ApiErrorPayload['location'];
  constructor(payload: ApiErrorPayload) {
    super(payload.message);
    this.code = payload.code;
    this.location = payload.location;
  }
}

/** The renderer's one way to the core: typed calls and typed events over either transport. */
export class ApiClient {
  readonly transport: Transport;
  constructor(transport: Transport) {
    this.transport = transport;
  }

  async call<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
    const response = await this.transport.call(method, params);
    if (!response.ok) throw new ApiError(response.error);
    return response.result as ResultOf<M>;
  }

  on<T extends EventTopic>(topic: T, handler: (data: ApiEvents[T]) => void): () => void {
    return this.transport.onEvent((t, data) => {
      if (t === topic) handler(data as ApiEvents[T]);
    });
  }

  onState(listener: (state: TransportState) => void): () => void {
    return this.transport.onState(listener);
  }
}
