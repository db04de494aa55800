import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiService } from '../../src-main/api/service.js';
import { apiMethods } from '../../src-main/api/contract/index.js';
import type { MethodSpec } from '../../src-main/api/contract/method.js';
import { tempDir } from '../helpers/tmp.js';
import { freePort } from '../helpers/ports.js';
import { opensslSelfSigned } from '../helpers/openssl.js';
import { findKeyMaterial, knownKey, workspaceKeys, type KnownKey } from '../helpers/key-material.js';

/**
 * Everything that crosses from the service to a renderer — results, error payloads, events — is searched
 * for private key material: PEM key blocks, DER keys as base64/hex/byte lists, binary values (a Buffer
 * would cross a JSON transport as a byte list), and the secret numbers of every key of the workspace in
 * any text encoding. (The export preview shows a key file's header around a masked body, which is fine.)
 */
describe('private keys never cross to the renderer', () => {
  const workspaceDir = join(tempDir(), 'ws');
  let service: ApiService;
  let keys: KnownKey[];
  const events: Array<{ topic: string; data: unknown }> = [];
  const crossed: Array<{ what: string; value: unknown }> = [];

  /** Call a method like a transport does: the result, or the error payload the transport would send. */
  async function call(method: string, params: unknown): Promise<unknown> {
    let value: unknown;
    try {
      value = await service.invoke(method, params);
    } catch (error) {
      value = service.toPayload(error);
    }
    crossed.push({ what: method, value });
    return value;
  }

  function expectNoKeys(): void {
    for (const { what, value } of crossed) {
      expect(findKeyMaterial(value, keys), `${what} carried key material`).toBeNull();
    }
    for (const { topic, data } of events) {
      expect(findKeyMaterial(data, keys), `event ${topic} carried key material`).toBeNull();
    }
  }

  const file = (path: string): Buffer => readFileSync(join(workspaceDir, path));
  const b64 = (data: Buffer | string): string => Buffer.from(data).toString('base64');

  beforeAll(async () => {
    service = new ApiService({ workspaceDir, surface: 'browser' });
    service.onEvent((topic, data) => events.push({ topic, data }));
    // A workspace with every kind of key: quick start, then the broker and a client connection with them.
    await call('quickstart.run', { port: await freePort() });
    await call('broker.start', {});
    await call('pki.issue', {
      ca: 'root-ca',
      profile: 'client',
      name: 'rsa-device',
      cn: 'rsa-device',
      keyType: 'rsa-2048',
    });
    await call('pki.issue', {
      ca: 'root-ca',
      profile: 'client',
      name: 'ed-device',
      cn: 'ed-device',
      keyType: 'ed25519',
    });
    keys = workspaceKeys(workspaceDir);
  });
  afterAll(async () => service?.dispose());

  it('the detector finds keys in every form it claims to (PEM any line end, DER base64/hex/bytes, Buffer, known numbers)', () => {
    const pem = file('keys/device-1.key').toString('utf8');
    const der = createPrivateKey(pem).export({ format: 'der', type: 'pkcs8' });
    const sec1 = createPrivateKey(pem).export({ format: 'der', type: 'sec1' });
    const rsa = createPrivateKey(file('keys/rsa-device.key')).export({
      format: 'pem',
      type: 'pkcs1',
    }) as string;
    const d = createPrivateKey(pem).export({ format: 'jwk' }).d!;
    const samples: unknown[] = [
      { text: pem },
      { text: pem.replace(/\n/g, '\r\n') },
      { text: rsa.replace(/\n/g, '\r') },
      { nested: [{ pem: `certificate\n${pem}` }] },
      { der: der.toString('base64') },
      { der: sec1.toString('hex') },
      { bytes: [...der] },
      { buffer: Buffer.from('not even a key') },
      { u8: new Uint8Array(4) },
      JSON.parse(JSON.stringify({ buffer: Buffer.from('x') })),
      { blob: `prefix ${Buffer.concat([Buffer.from('ab'), der]).toString('base64')}` },
      { scalar: d },
      { scalar: Buffer.from(d, 'base64url').toString('hex').toUpperCase() },
    ];
    for (const sample of samples)
      expect(findKeyMaterial(sample, keys), JSON.stringify(sample).slice(0, 60)).not.toBeNull();
    // What must pass: certificates, fingerprints, a masked preview.
    expect(findKeyMaterial({ cert: file('certs/device-1.crt').toString('utf8') }, keys)).toBeNull();
    expect(findKeyMaterial({ cert: b64(file('certs/device-1.crt')) }, keys)).toBeNull();
    expect(
      findKeyMaterial(
        { text: '-----BEGIN PRIVATE KEY-----\n(hidden: 241 bytes)\n-----END PRIVATE KEY-----' },
        keys,
      ),
    ).toBeNull();
  });

  it('no read-only method returns key material, for every certificate of the workspace', async () => {
    const names = ((await call('pki.list', {})) as Array<{ name: string }>).map((c) => c.name);
    expect(names.length).toBeGreaterThanOrEqual(7);
    const calls: Array<[string, unknown]> = [];
    for (const [method, spec] of Object.entries(apiMethods as Record<string, MethodSpec>)) {
      if (spec.readonly && spec.example !== undefined) calls.push([method, spec.example]);
    }
    const root = b64(file('certs/root-ca.crt'));
    for (const name of names) {
      const cert = file(`certs/${name}.crt`);
      const key = file(`keys/${name}.key`);
      const certAndKey = b64(Buffer.concat([cert, key]));
      const derKey = b64(createPrivateKey(key).export({ format: 'der', type: 'pkcs8' }));
      calls.push(
        ['pki.show', { name }],
        ['pki.chain', { name }],
        ['pki.lint', { name }],
        ['pki.verifyWorkspace', { name }],
        ['pki.verifyWorkspace', { name, purpose: 'client', host: 'localhost' }],
        ['pki.verify', { cert: b64(cert), ca: root }],
        // A user's combined file (certificate and key in one PEM, a common layout) given as each input.
        ['pki.verify', { cert: certAndKey, ca: certAndKey, untrusted: certAndKey }],
        ['pki.describe', { data: b64(cert), file: `${name}.crt` }],
        ['pki.describe', { data: certAndKey, file: `${name}.pem` }],
        // A key file where a certificate was expected: refused, and the refusal must not echo it.
        ['pki.describe', { data: b64(key), file: `${name}.key` }],
        ['pki.describe', { data: derKey, file: `${name}.der` }],
      );
    }
    calls.push(
      ['export.preview', {}],
      ['acl.load', {}],
      ['broker.status', {}],
      ['broker.events', {}],
      ['broker.settings', {}],
    );
    for (const [method, params] of calls) await call(method, params);
    expect(crossed.length).toBeGreaterThan(names.length * 11);
    expectNoKeys();
  });

  it('a key the user hands in (inspector client certificate, import) comes back in no result, history or event', async () => {
    const status = (await service.invoke('broker.status', {})) as { listeners: Array<{ port: number }> };
    const port = status.listeners[0].port;
    const certPem = file('certs/device-2.crt').toString('utf8');
    const keyPem = file('keys/device-2.key').toString('utf8');
    await call('inspect.probe', {
      target: `localhost:${port}`,
      trust: { kind: 'workspace', name: 'root-ca' },
      clientCert: { kind: 'pem', certPem, keyPem, label: 'device-2.pem' },
      mqtt: true,
      timeoutMs: 10_000,
    });
    await call('inspect.probe', {
      target: `localhost:${port}`,
      trust: { kind: 'workspace', name: 'root-ca' },
      clientCert: { kind: 'workspace', name: 'device-1' },
      timeoutMs: 10_000,
    });
    await call('inspect.history', {});
    // A certificate and key made outside the workshop, imported: the key goes to keys/, never back.
    const outside = tempDir('mts-outside-');
    await opensslSelfSigned(
      '/CN=outside',
      { key: join(outside, 'outside.key'), cert: join(outside, 'outside.crt') },
      30,
    );
    const outsideKey = readFileSync(join(outside, 'outside.key'));
    keys.push(knownKey('outside.key', createPrivateKey(outsideKey)));
    const imported = (await call('pki.import', {
      name: 'imported',
      cert: b64(readFileSync(join(outside, 'outside.crt'))),
      certFile: 'outside.crt',
      key: b64(outsideKey),
      keyFile: 'outside.key',
    })) as { code?: string };
    expect(imported.code).toBeUndefined();
    await call('pki.show', { name: 'imported' });
    await call('pki.verifyWorkspace', { name: 'imported' });
    expect(events.some((e) => e.topic === 'inspect.probed')).toBe(true);
    expectNoKeys();
  });

  it('a client connection with a workspace key shows no key in its state, messages, history or events', async () => {
    const status = (await service.invoke('broker.status', {})) as { listeners: Array<{ port: number }> };
    const port = status.listeners[0].port;
    await call('client.saveProfile', {
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
    const session = (await call('client.connect', { profile: 'device-1' })) as { id: string; state: string };
    expect(session.state).toBe('connected');
    await call('client.subscribe', { id: session.id, filters: [{ filter: '#', qos: 1 }] });
    await call('client.publish', { id: session.id, topic: 'devices/device-1/status', payload: 'up', qos: 1 });
    const history = (await call('client.history', { id: session.id })) as unknown[];
    expect(history.length).toBeGreaterThan(0);
    await call('client.sessions', {});
    await call('client.profiles', {});
    let page = { messages: [] as unknown[] };
    for (let i = 0; i < 50 && page.messages.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      page = (await call('client.messages', { id: session.id })) as typeof page;
    }
    expect(page.messages.length).toBeGreaterThan(0);
    expect(events.some((e) => e.topic === 'client.messages')).toBe(true);
    expect(events.some((e) => e.topic === 'client.state')).toBe(true);
    expectNoKeys();
  });
});
