import type { ApiResponse, ApiEvents, EventTopic } from './contract/index.js';

/** Messages of the WebSocket transport (browser mode). The Electron transport carries the same shapes. */
export interface WireRequest {
  id: number;
  method: string;
  params: unknown;
}

export type WireResponse = { id: number } & ApiResponse;

export interface WireEvent<T extends EventTopic = EventTopic> {
  event: T;
  data: ApiEvents[T];
}

export type WireMessage = WireResponse | WireEvent;

/** IPC channel names of the Electron transport. */
export const IPC_CALL = 'api:call';
export const IPC_EVENT = 'api:event';

/** The Content-Security-Policy every surface serves the renderer with. */
export function contentSecurityPolicy(connectSrc: string[] = []): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${connectSrc.join(' ')}`.trim(),
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
