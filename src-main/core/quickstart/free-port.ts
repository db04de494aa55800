import { createServer } from 'node:net';

/** True when nothing listens on host:port right now. */
export function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** `preferred` if it is free, else the next free port above it (up to 100 tries). */
export async function firstFreePort(preferred: number): Promise<number> {
  for (let port = preferred; port < Math.min(preferred + 100, 65536); port++) {
    if (await portIsFree(port)) return port;
  }
  return preferred;
}
