import type { ApiResponse } from '../../../src-main/api/contract/index.js';
import type { Transport, TransportState } from './transport.js';

/** What the sandboxed preload exposes as `window.studio`. */
export interface StudioBridge {
  call(method: string, params: unknown): Promise<ApiResponse>;
  onEvent(listener: (topic: string, data: unknown) => void): () => void;
}

export function ipcTransport(bridge: StudioBridge): Transport {
  return {
    kind: 'ipc',
    call: (method, params) => bridge.call(method, params),
    onEvent: (listener) => bridge.onEvent(listener),
    onState: (listener: (state: TransportState) => void) => {
      listener('connected');
      return () => undefined;
    },
  };
}
