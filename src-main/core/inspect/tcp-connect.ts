/** Open a TCP connection within a deadline, telling refused, unknown host, unreachable and timeout apart. */
import { connect, type Socket } from 'node:net';

export type TcpOutcome =
  | { kind: 'connected'; socket: Socket; connectMs: number }
  | { kind: 'failed'; error: NodeJS.ErrnoException }
  | { kind: 'timeout' };

export function tcpConnect(host: string, port: number, deadline: number): Promise<TcpOutcome> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect({ host, port });
    socket.setNoDelay(true);
    const timer = setTimeout(
      () => {
        socket.destroy();
        resolve({ kind: 'timeout' });
      },
      Math.max(0, deadline - Date.now()),
    );
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve({ kind: 'connected', socket, connectMs: Date.now() - started });
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ kind: 'failed', error });
    });
  });
}
