import { createServer } from 'node:net';
import { Aedes, type AedesOptions } from 'aedes';
import { freePort } from './ports.js';

/** A bare aedes (the pinned version with its patches, none of our hooks) on plain TCP at 127.0.0.1. */
export interface BareAedes {
  broker: Aedes;
  port: number;
  close(): Promise<void>;
}

export async function startBareAedes(options: Partial<AedesOptions> = {}): Promise<BareAedes> {
  const broker = await Aedes.createBroker(options);
  const port = await freePort();
  const server = createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    broker,
    port,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
}
