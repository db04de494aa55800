import { EventEmitter } from 'node:events';
import { WebSocket } from 'ws';
import type { ApiService } from '../../src-main/api/service.js';
import { registerIpcBridge, type IpcMainLike } from '../../src-main/electron/ipc-bridge.js';
import { trustedUrlCheck } from '../../src-main/electron/trusted-url.js';
import { IPC_CALL, IPC_EVENT } from '../../src-main/api/wire.js';
import { ipcTransport } from '../../src-renderer/src/api/ipc-transport.js';
import { wsTransport } from '../../src-renderer/src/api/ws-transport.js';
import { ApiClient } from '../../src-renderer/src/api/client.js';
import type { RunningServe } from '../../src-main/serve/server.js';
import type { ApiResponse } from '../../src-main/api/contract/index.js';

export const APP_INDEX = '/app/out/renderer/index.html';
const TRUSTED_URL = 'file:///app/out/renderer/index.html#/start';

/**
 * The Electron transport without Electron: our real IPC bridge registered on an in-process stand-in for
 * ipcMain (Electron's binary cannot run here), driven by the renderer's real IPC transport.
 */
export function ipcClient(service: ApiService, frameUrl = TRUSTED_URL) {
  const handlers = new Map<
    string,
    (event: { senderFrame: { url: string } }, ...args: unknown[]) => unknown
  >();
  const ipcMain: IpcMainLike = {
    handle: (channel, listener) => handlers.set(channel, listener),
    removeHandler: (channel) => handlers.delete(channel),
  };
  // The app's own trust check (src-main/electron/main.ts uses the same function).
  const bridge = registerIpcBridge(ipcMain, service, trustedUrlCheck(APP_INDEX));
  const webContents = new EventEmitter();
  const detach = bridge.attach({
    send: (channel, ...args) => webContents.emit(channel, ...args),
    isDestroyed: () => false,
  });
  const transport = ipcTransport({
    call: async (method, params) =>
      (await handlers.get(IPC_CALL)!({ senderFrame: { url: frameUrl } }, method, params)) as ApiResponse,
    onEvent: (listener) => {
      const wrapped = (topic: string, data: unknown) => listener(topic, data);
      webContents.on(IPC_EVENT, wrapped);
      return () => webContents.off(IPC_EVENT, wrapped);
    },
  });
  return {
    client: new ApiClient(transport),
    transport,
    close: () => {
      detach();
      bridge.dispose();
    },
  };
}

/** The browser mode's transport (the renderer's real ws-transport over the `ws` package's WebSocket). */
export function wsClient(serve: RunningServe) {
  const url = `ws://127.0.0.1:${serve.port}/api?token=${serve.token}`;
  const sockets: WebSocket[] = [];
  const transport = wsTransport(url, (u) => {
    const socket = new WebSocket(u, { origin: `http://127.0.0.1:${serve.port}` });
    sockets.push(socket);
    return socket as unknown as globalThis.WebSocket;
  });
  return {
    client: new ApiClient(transport),
    transport,
    close: () => {
      for (const s of sockets) {
        s.onclose = null;
        s.terminate();
      }
    },
  };
}
