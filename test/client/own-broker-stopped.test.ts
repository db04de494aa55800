/**
 * #19 item 4: when the user stops the app's own broker, the connections to it say so — not a refusal
 * with guesses about client ids — and no message names our internals; a reconnect while it is stopped
 * says it is stopped. A connection to another broker keeps the generic explanation.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiService } from '../../src-main/api/service.js';
import type { SessionSnapshot } from '../../src-main/core/client/index.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/tmp.js';

let service: ApiService;
let port: number;

beforeAll(async () => {
  service = new ApiService({ workspaceDir: join(tempDir('mts-client-own-stop-'), 'ws'), surface: 'cli' });
  port = await freePort();
  await service.invoke('quickstart.run', { port });
  await service.invoke('broker.start', {});
});

afterAll(async () => {
  await service?.dispose();
});

function settled(id: string, state: SessionSnapshot['state']): Promise<SessionSnapshot> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${id} never became ${state}`)), 10_000);
    const off = service.onEvent((topic, data) => {
      const snapshot = data as SessionSnapshot;
      if (topic === 'client.state' && snapshot.id === id && snapshot.state === state) {
        clearTimeout(timer);
        off();
        resolve(snapshot);
      }
    });
  });
}

describe('the app’s own broker stopped', () => {
  it('a connected client says the broker was stopped; reconnecting says it is stopped; no "aedes" anywhere', async () => {
    // The profile quick start's tour saves (src-renderer/src/views/start/quickstart-flow.ts).
    const profile = {
      name: 'device-1',
      url: `mqtts://localhost:${port}`,
      clientId: 'device-1',
      tls: {
        trust: { kind: 'workspace', ca: 'root-ca' },
        clientCert: { kind: 'workspace', name: 'device-1' },
      },
    };
    const open = (await service.invoke('client.connect', { profile })) as SessionSnapshot;
    expect(open.state).toBe('connected');
    const lost = settled(open.id, 'disconnected');
    await service.invoke('broker.stop', {});
    const after = await lost;
    expect(after.problem?.code).toBe('CONNECTION_REFUSED');
    expect(after.problem?.message).toMatch(
      /^the app's own broker \(mqtts:\/\/127\.0\.0\.1:\d+\) was stopped/,
    );
    expect(after.problem?.fix).toMatch(/start it again in the Broker view/);
    expect(JSON.stringify(after.problem)).not.toMatch(/aedes|client id|refused a publish/i);

    const again = (await service.invoke('client.reconnect', { id: open.id })) as SessionSnapshot;
    expect(again.state).toBe('failed');
    expect(again.problem?.message).toMatch(/the app's own broker .* is stopped: nothing accepts connections/);
    expect(JSON.stringify(again.problem)).not.toMatch(/aedes/i);
  });
});
