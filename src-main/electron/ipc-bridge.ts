import type { ApiService } from '../api/service.js';
import { IPC_CALL, IPC_EVENT } from '../api/wire.js';
import type { ApiResponse } from '../api/contract/index.js';

/** The part of Electron's ipcMain this bridge uses (so the bridge is testable without Electron). */
export interface IpcMainLike {
  handle(
    channel: string,
    listener: (event: { senderFrame?: { url: string } | null }, ...args: unknown[]) => unknown,
  ): void;
  removeHandler(channel: string): void;
}

export interface EventSink {
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
}

/**
 * Electron transport of the api: one `invoke` channel for calls, one push channel for events. Only
 * frames whose URL `isTrustedUrl` accepts may call; method names and params are validated by the
 * service against the contract like every other transport.
 */
export function registerIpcBridge(
  ipcMain: IpcMainLike,
  service: ApiService,
  isTrustedUrl: (url: string) => boolean,
): { attach(sink: EventSink): () => void; dispose(): void } {
  ipcMain.handle(IPC_CALL, async (event, method, params): Promise<ApiResponse> => {
    const url = event.senderFrame?.url ?? '';
    if (!isTrustedUrl(url)) {
      return {
        ok: false,
        error: { code: 'FORBIDDEN', message: 'calls are accepted only from the app’s own page' },
      };
    }
    if (typeof method !== 'string') {
      return { ok: false, error: { code: 'UNKNOWN_METHOD', message: 'unknown api method' } };
    }
    return service.call(method, params);
  });
  return {
    attach(sink) {
      return service.onEvent((topic, data) => {
        if (!sink.isDestroyed()) sink.send(IPC_EVENT, topic, data);
      });
    },
    dispose() {
      ipcMain.removeHandler(IPC_CALL);
    },
  };
}
