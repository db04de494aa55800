import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ApiService } from '../../src-main/api/service.js';
import { apiMethods } from '../../src-main/api/contract/index.js';
import type { MethodSpec } from '../../src-main/api/contract/method.js';
import { tempDir } from '../helpers/tmp.js';
import { freePort } from '../helpers/ports.js';

/**
 * Private key material in a JSON document: a PEM key block with a real base64 body. (The export preview
 * shows a key file's header around a masked body, which is fine.)
 */
const SECRET = /PRIVATE KEY-----\\n[A-Za-z0-9+/=]{16}/;

function leaks(value: unknown): boolean {
  return SECRET.test(JSON.stringify(value));
}

describe('private keys never cross to the renderer', () => {
  let service: ApiService;
  const events: string[] = [];

  beforeAll(async () => {
    service = new ApiService({ workspaceDir: join(tempDir(), 'ws'), surface: 'browser' });
    service.onEvent((topic, data) => events.push(`${topic} ${JSON.stringify(data)}`));
    // A workspace with every kind of key: quick start, then the broker and a client connection with them.
    await service.invoke('quickstart.run', { port: await freePort() });
    await service.invoke('broker.start', {});
  });
  afterAll(async () => service?.dispose());

  it('no read-only method returns key material, for every certificate of the workspace', async () => {
    const names = ((await service.invoke('pki.list', {})) as Array<{ name: string }>).map((c) => c.name);
    expect(names.length).toBeGreaterThanOrEqual(5);
    const calls: Array<[string, unknown]> = [];
    for (const [method, spec] of Object.entries(apiMethods as Record<string, MethodSpec>)) {
      if (spec.readonly && spec.example !== undefined) calls.push([method, spec.example]);
    }
    for (const name of names) {
      calls.push(['pki.show', { name }], ['pki.chain', { name }], ['pki.lint', { name }]);
    }
    calls.push(['export.preview', {}], ['acl.load', {}], ['broker.status', {}], ['broker.events', {}]);
    for (const [method, params] of calls) {
      const result = await service.invoke(method, params);
      expect(leaks(result), `${method} returned key material`).toBe(false);
    }
  });

  it('a client connection with a workspace key shows no key in its state, messages or events', async () => {
    const status = (await service.invoke('broker.status', {})) as { listeners: Array<{ port: number }> };
    const port = status.listeners[0].port;
    await service.invoke('client.saveProfile', {
      profile: {
        name: 'device-1',
        url: `mqtts://localhost:${port}`,
        clientId: 'device-1',
        tls: {
          trust: { kind: 'workspace', ca: 'root-ca' },
          clientCert: { kind: 'workspace', name: 'device-1' },
        },
      },
    });
    const session = (await service.invoke('client.connect', { profile: 'device-1' })) as {
      id: string;
      state: string;
    };
    expect(session.state).toBe('connected');
    const results = [
      session,
      await service.invoke('client.sessions', {}),
      await service.invoke('client.profiles', {}),
      await service.invoke('client.messages', { id: session.id }),
    ];
    for (const result of results) expect(leaks(result)).toBe(false);
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) expect(SECRET.test(event), event.slice(0, 80)).toBe(false);
  });
});
