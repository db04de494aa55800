/**
 * #19 item 9: the client profile's file picker. The browser hands over bytes, so `client.storeFile`
 * copies the picked file into the workspace and returns the path the profile names; a profile made of
 * picked files connects to the app's broker. A file of the wrong kind is one error naming the file and
 * the profile field, and nothing is written.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiService } from '../../src-main/api/service.js';
import type { SessionSnapshot } from '../../src-main/core/client/index.js';
import type { StoredProfileFile } from '../../src-main/core/client/profile-files.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/tmp.js';

let service: ApiService;
let ws: string;
let port: number;

const base64 = (path: string) => readFileSync(join(ws, path)).toString('base64');
const store = async (name: string, role: 'ca' | 'cert' | 'key' | 'p12', path: string) =>
  (await service.invoke('client.storeFile', { name, role, data: base64(path) })) as StoredProfileFile;

beforeAll(async () => {
  ws = join(tempDir('mts-client-files-'), 'ws');
  service = new ApiService({ workspaceDir: ws, surface: 'browser' });
  port = await freePort();
  await service.invoke('quickstart.run', { port });
  await service.invoke('broker.start', {});
});

afterAll(async () => {
  await service?.dispose();
});

describe('client.storeFile: picked files for a connection profile', () => {
  it('copies CA, certificate and key into client-files/ (the key 0600) and a profile of them connects', async () => {
    const ca = await store('root-ca.crt', 'ca', 'certs/root-ca.crt');
    const cert = await store('device-1.crt', 'cert', 'certs/device-1.crt');
    const key = await store('device-1.key', 'key', 'keys/device-1.key');
    expect(ca.path).toBe(join(ws, ca.file));
    expect(ca.file).toMatch(/^client-files\/[0-9a-f]{12}-root-ca\.crt$/);
    expect(ca.subjects).toEqual([expect.stringContaining('CN=')]);
    expect(cert.subjects![0]).toContain('CN=device-1');
    expect(key).not.toHaveProperty('subjects');
    expect(JSON.stringify(key)).not.toContain('PRIVATE KEY');
    expect(statSync(key.path).mode & 0o777).toBe(0o600);
    expect(statSync(ca.path).mode & 0o777).toBe(0o644);
    expect(readFileSync(key.path)).toEqual(readFileSync(join(ws, 'keys/device-1.key')));

    const open = (await service.invoke('client.connect', {
      profile: {
        name: 'picked',
        url: `mqtts://localhost:${port}`,
        clientId: 'picked-files',
        tls: {
          trust: { kind: 'file', path: ca.path },
          clientCert: { kind: 'files', certPath: cert.path, keyPath: key.path },
        },
      },
    })) as SessionSnapshot;
    expect(open.problem).toBeUndefined();
    expect(open.state).toBe('connected');
    await service.invoke('client.close', { id: open.id });
  });

  it('the same bytes give the same copy', async () => {
    const a = await store('ca.pem', 'ca', 'certs/root-ca.crt');
    const b = await store('ca.pem', 'ca', 'certs/root-ca.crt');
    expect(a.path).toBe(b.path);
  });

  it.each([
    [
      'a key as the client certificate',
      'cert',
      'keys/device-1.key',
      'tls.clientCert.certPath',
      'no PEM certificate',
    ],
    ['a certificate as the key', 'key', 'certs/device-1.crt', 'tls.clientCert.keyPath', 'no PEM private key'],
    ['a PEM file as PKCS#12', 'p12', 'certs/device-1.crt', 'tls.clientCert.path', 'not a PKCS#12'],
    ['a key as the CA', 'ca', 'keys/device-1.key', 'tls.trust.path', 'no PEM certificate'],
  ] as const)(
    '%s: one error naming the file and field, nothing written',
    async (_, role, path, field, why) => {
      const before = existsSync(join(ws, 'client-files')) ? readdirSync(join(ws, 'client-files')).sort() : [];
      const error = await store('picked.pem', role, path).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'BAD_PROFILE_FILE', location: { field, file: 'picked.pem' } });
      expect((error as Error).message).toContain(`picked.pem: `);
      expect((error as Error).message).toContain(why);
      const after = existsSync(join(ws, 'client-files')) ? readdirSync(join(ws, 'client-files')).sort() : [];
      expect(after).toEqual(before);
    },
  );
});
