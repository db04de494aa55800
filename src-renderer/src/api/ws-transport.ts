import type { ApiResponse } from '../../../src-main/api/contract/index.js';
import type { WireMessage } from '../../../src-main/api/wire.js';
import type { Transport, TransportState } from './transport.js';

const CALL_TIMEOUT_MS = 120_000;

/**
 * The browser mode's transport: one WebSocket to /api carrying calls and pushed events, reconnecting
 * with backoff. A call made while disconnected waits for the connection; every call has a timeout.
 */
export function wsTransport(
  url: string,
  createSocket: (url: string) => WebSocket = (u) => new WebSocket(u),
): Transport {
  let socket: WebSocket | undefined;
  let nextId = 1;
  let state: TransportState = 'connecting';
  let backoff = 250;
  const pending = new Map<
    number,
    { resolve: (r: ApiResponse) => void; timer: ReturnType<typeof setTimeout> }
  >();
  const queue: string[] = [];
  const eventListeners = new Set<(topic: string, data: unknown) => void>();
  const stateListeners = new Set<(state: TransportState) => void>();

  const setState = (next: TransportState) => {
    state = next;
    for (const l of stateListeners) l(next);
  };

  const open = () => {
    setState('connecting');
    const ws = createSocket(url);
    socket = ws;
    ws.onopen = () => {
      backoff = 250;
      setState('connected');
      for (const message of queue.splice(0)) ws.send(message);
    };
    ws.onmessage = (event) => {
      const message = JSON.parse(String(event.data)) as WireMessage;
      if ('event' in message) {
        for (const l of eventListeners) l(message.event, message.data);
        return;
      }
      const entry = pending.get(message.id);
      if (!entry) return;
      pending.delete(message.id);
      clearTimeout(entry.timer);
      entry.resolve(message.ok ? { ok: true, result: message.result } : { ok: false, error: message.error });
    };
    ws.onclose = () => {
      setState('disconnected');
      for (const [id, entry] of pending) {
        clearTimeout(entry.timer);
        entry.resolve({
          ok: false,
          error: { code: 'DISCONNECTED', message: 'lost the connection to MQTT TLS Studio' },
        });
        pending.delete(id);
      }
      setTimeout(open, backoff);
      backoff = Math.min(backoff * 2, 5000);
    };
  };
  open();

  return {
    kind: 'websocket',
    call(method, params) {
      const id = nextId++;
      const message = JSON.stringify({ id, method, params });
      return new Promise<ApiResponse>((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          resolve({
            ok: false,
            error: {
              code: 'TIMEOUT',
              message: `${method} did not answer within ${CALL_TIMEOUT_MS / 1000} s`,
            },
          });
        }, CALL_TIMEOUT_MS);
        pending.set(id, { resolve, timer });
        if (socket && state === 'connected') socket.send(message);
        else queue.push(message);
      });
    },
    onEvent(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    onState(listener) {
      stateListeners.add(listener);
      listener(state);
      return () => stateListeners.delete(listener);
    },
  };
}
