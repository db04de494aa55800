import { z } from 'zod';
import { method, returns } from './method.js';

export interface AppInfo {
  name: string;
  version: string;
  workspace: string;
  /** 'desktop' under Electron, 'browser' in the browser mode, 'cli' in the command line. */
  surface: 'desktop' | 'browser' | 'cli';
  node: string;
  platform: string;
}

export interface WorkspaceStatus {
  dir: string;
  empty: boolean;
  certificates: number;
}

export const appMethods = {
  'app.info': method(z.object({}).strict(), returns<AppInfo>(), { readonly: true, example: {} }),
  'app.workspace': method(z.object({}).strict(), returns<WorkspaceStatus>(), { readonly: true, example: {} }),
  'app.ping': method(
    z.object({ text: z.string().max(1000) }).strict(),
    returns<{ text: string; at: string }>(),
    {
      readonly: false,
      example: { text: 'hello' },
    },
  ),
};

export interface AppEvents {
  /** A notice for the status bar (main → renderer). */
  'app.notice': { level: 'info' | 'warning' | 'error'; message: string };
}
