import { afterAll, beforeAll } from 'vitest';
import { sharedTempDir } from '../helpers/tmp.js';
import { startPair, type BrokerPair } from './differential.js';

/** One plain listener on localhost that lets every client in: the conf most differential tests need. */
export const anonymousListener = ([port]: number[]): string =>
  `listener ${port} 127.0.0.1\nallow_anonymous true\n`;

/**
 * The broker pair (Debian's Mosquitto and ours, same conf) of a whole test file, in a shared temp folder `dir`:
 * started before its tests — after `prepare` wrote the files the conf names into the folder — and stopped
 * after them. The pair returned reads the running one, so tests use it as they would startPair's.
 */
export function pairForFile(
  prefix: string,
  confFor: (ports: number[], dir: string) => string = anonymousListener,
  options: { listeners?: number; prepare?: (dir: string) => void } = {},
): BrokerPair {
  const dir = sharedTempDir(prefix);
  let started: BrokerPair | undefined;
  beforeAll(async () => {
    options.prepare?.(dir);
    started = await startPair(dir, (ports) => confFor(ports, dir), options.listeners ?? 1);
  }, 30_000);
  afterAll(async () => {
    await started?.stop();
  });
  const running = (): BrokerPair => {
    if (!started) throw new Error(`the broker pair of ${prefix} is not running`);
    return started;
  };
  return {
    get mosquitto() {
      return running().mosquitto;
    },
    get ours() {
      return running().ours;
    },
    stop: () => running().stop(),
  };
}
