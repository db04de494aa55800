import type { ApiResponse } from '../../../src-main/api/contract/index.js';

export type TransportState = 'connecting' | 'connected' | 'disconnected';

/** How the renderer reaches the main process: Electron IPC or the browser mode's WebSocket. */
export interface Transport {
  readonly kind: 'ipc' | 'websocket';
  call(method: string, params: unknown): Promise<ApiResponse>;
  onEvent(listener: (topic: string, data: unknown) => void): () => void;
  onState(listener: (state: TransportState) => void): () => void;
}
