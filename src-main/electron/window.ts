import { BrowserWindow, shell, session } from 'electron';
import { join } from 'node:path';
import { contentSecurityPolicy } from '../api/wire.js';

/** The app's one window, with Electron's security checklist applied. */
export function createMainWindow(options: {
  preload: string;
  rendererIndex: string;
  devUrl?: string;
}): BrowserWindow {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicy()] },
    });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));

  const window = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    title: 'MQTT TLS Studio',
    icon: join(options.rendererIndex, '..', '..', '..', 'resources', 'icon.png'),
    show: false,
    webPreferences: {
      preload: options.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  });
  window.once('ready-to-show', () => window.show());
  // No new windows; external links go to the system browser.
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  window.webContents.on('will-navigate', (event) => event.preventDefault());
  if (options.devUrl) void window.loadURL(options.devUrl);
  else void window.loadFile(options.rendererIndex);
  return window;
}
