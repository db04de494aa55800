import { app, BrowserWindow, ipcMain, Menu } from 'electron';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { ApiService } from '../api/service.js';
import { resolveWorkspaceDir } from '../core/workspace/default-dir.js';
import { registerIpcBridge } from './ipc-bridge.js';
import { createMainWindow } from './window.js';
import { appMenu } from './menu.js';
import { trustedUrlCheck } from './trusted-url.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const preload = join(here, '../preload/index.cjs');
const rendererIndex = join(here, '../renderer/index.html');
const devUrl = process.env.ELECTRON_RENDERER_URL;

app.enableSandbox();

const isTrustedUrl = trustedUrlCheck(rendererIndex, devUrl);

void app.whenReady().then(() => {
  const service = new ApiService({
    workspaceDir: resolveWorkspaceDir(
      process.env.MQTT_TLS_STUDIO_WORKSPACE ?? join(app.getPath('userData'), 'workspace'),
    ),
    surface: 'desktop',
  });
  const bridge = registerIpcBridge(ipcMain, service, isTrustedUrl);
  Menu.setApplicationMenu(appMenu());

  const open = () => {
    const window = createMainWindow({ preload, rendererIndex, devUrl });
    const detach = bridge.attach(window.webContents);
    window.on('closed', detach);
  };
  open();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) open();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', () => {
    bridge.dispose();
    void service.dispose();
  });
});
