import { contextBridge, ipcRenderer } from 'electron';

// Sandboxed preload (CommonJS): exposes exactly one object, the api transport. No Node reaches the page.
const IPC_CALL = 'api:call';
const IPC_EVENT = 'api:event';

contextBridge.exposeInMainWorld('studio', {
  call: (method: string, params: unknown) => ipcRenderer.invoke(IPC_CALL, method, params),
  onEvent: (listener: (topic: string, data: unknown) => void) => {
    const wrapped = (_event: unknown, topic: string, data: unknown) => listener(topic, data);
    ipcRenderer.on(IPC_EVENT, wrapped);
    return () => ipcRenderer.off(IPC_EVENT, wrapped);
  },
});
