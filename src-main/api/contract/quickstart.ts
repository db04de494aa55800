import { z } from 'zod';
import { method, returns } from './method.js';
import type { QuickstartResult } from '../../core/quickstart/index.js';

export interface QuickstartStatus {
  /** The workspace has nothing in it: quick start may run. */
  empty: boolean;
  /** Quick start's certificates and broker settings are there. */
  done: boolean;
  /** The port in the workspace broker settings (when done). */
  port?: number;
}

export interface QuickstartRunResult extends QuickstartResult {
  /** Set when the preferred port was busy and another was chosen, in words. */
  portNote?: string;
}

export const quickstartMethods = {
  'quickstart.status': method(z.object({}).strict(), returns<QuickstartStatus>(), {
    readonly: true,
    example: {},
  }),
  'quickstart.run': method(
    z
      .object({
        port: z.number().int().min(1).max(65535).optional(),
        /** Pick the next free port when the chosen one is busy (the app's one-click path). */
        nextFreePort: z.boolean().optional(),
        hostname: z.string().max(253).optional(),
      })
      .strict(),
    returns<QuickstartRunResult>(),
  ),
};

export interface QuickstartEvents {
  /** Progress of the one-click flow, in words. */
  'quickstart.progress': { step: string; done: boolean };
}
