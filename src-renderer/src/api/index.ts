import { ApiClient } from './client.js';
import { ipcTransport, type StudioBridge } from './ipc-transport.js';
import { wsTransport } from './ws-transport.js';

declare global {
  interface Window {
    studio?: StudioBridge;
  }
}

const TOKEN_KEY = 'mts-token';

function browserModeUrl(): string {
  const fromUrl = new URLSearchParams(location.search).get('token');
  if (fromUrl) sessionStorage.setItem(TOKEN_KEY, fromUrl);
  const token = fromUrl ?? sessionStorage.getItem(TOKEN_KEY) ?? '';
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/api?token=${encodeURIComponent(token)}`;
}

/** The app's api client: Electron IPC when the preload exposed it, else the browser mode WebSocket. */
export const api = new ApiClient(window.studio ? ipcTransport(window.studio) : wsTransport(browserModeUrl()));
export { ApiError } from './client.js';
