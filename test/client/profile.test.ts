import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProfileStore, parseBrokerUrl, validateProfile } from '../../src-main/core/client/index.js';
import { UserError } from '../../src-main/core/user-error.js';
import { Workspace } from '../../src-main/core/workspace/workspace.js';
import { tempDir } from '../helpers/tmp.js';

function fieldOf(fn: () => unknown): { field?: string; message: string } {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    const e = error as UserError;
    expect(e.message.split('\n')).toHaveLength(1);
    return { field: e.location.field, message: e.message };
  }
  throw new Error('expected a UserError');
}

describe('connection profiles', () => {
  it('fills sensible defaults', () => {
    const p = validateProfile({ name: 'device-1', url: 'mqtts://localhost' });
    expect(p).toMatchObject({
      protocol: '3.1.1',
      clientId: '',
      clean: true,
      keepalive: 60,
      connectTimeout: 10,
      logSize: 10_000,
      savePassword: false,
      tls: {
        trust: { kind: 'system' },
        clientCert: { kind: 'none' },
        verifyServer: true,
        savePassphrase: false,
      },
    });
    expect(parseBrokerUrl('mqtts://localhost')).toEqual({
      scheme: 'mqtts',
      host: 'localhost',
      port: 8883,
      path: '',
    });
    expect(parseBrokerUrl('wss://[::1]:9001/mqtt')).toEqual({
      scheme: 'wss',
      host: '::1',
      port: 9001,
      path: '/mqtt',
    });
    expect(parseBrokerUrl('ws://broker')).toMatchObject({ port: 80, path: '/' });
  });

  it('names the bad field in one line', () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [{ url: 'mqtt://x' }, 'name', /give the connection a name/],
      [{ name: 'a', url: 'http://x' }, 'url', /scheme "http"/],
      [{ name: 'a', url: 'mqtt://u:p@x' }, 'url', /own fields/],
      [{ name: 'a', url: 'mqtt://x/path' }, 'url', /no path/],
      [{ name: 'a', url: 'not a url' }, 'url', /not a URL/],
      [{ name: 'a', url: 'mqtt://x', protocol: '4' }, 'protocol', /3\.1\.1, 5\.0/],
      [{ name: 'a', url: 'mqtt://x', keepalive: 70000 }, 'keepalive', /0 to 65535/],
      [{ name: 'a', url: 'mqtt://x', keepalive: 1.5 }, 'keepalive', /whole number/],
      [{ name: 'a', url: 'mqtt://x', clean: 'yes' }, 'clean', /true or false/],
      [{ name: 'a', url: 'mqtt://x', password: 'p' }, 'password', /with a username/],
      [{ name: 'a', url: 'mqtt://x', sessionExpiry: 10 }, 'sessionExpiry', /MQTT 5/],
      [{ name: 'a', url: 'mqtt://x', logSize: 5 }, 'logSize', /10 to 1000000/],
      [{ name: 'a', url: 'mqtt://x', will: { topic: 'a/#' } }, 'will.topic', /wildcard/],
      [
        { name: 'a', url: 'mqtt://x', will: { topic: 'a', payload: '{', format: 'json' } },
        'will.payload',
        /JSON/,
      ],
      [{ name: 'a', url: 'mqtt://x', will: { topic: 'a', qos: 3 } }, 'will.qos', /0 to 2/],
      [
        { name: 'a', url: 'mqtt://x', will: { topic: 'a', delayInterval: 5 } },
        'will.delayInterval',
        /MQTT 5/,
      ],
      [{ name: 'a', url: 'mqtt://x', tls: { trust: { kind: 'workspace' } } }, 'tls.trust.ca', /workspace CA/],
      [{ name: 'a', url: 'mqtt://x', tls: { trust: { kind: 'file' } } }, 'tls.trust.path', /CA file/],
      [
        { name: 'a', url: 'mqtt://x', tls: { trust: { kind: 'magic' } } },
        'tls.trust.kind',
        /system, workspace, file/,
      ],
      [
        { name: 'a', url: 'mqtt://x', tls: { clientCert: { kind: 'files', certPath: 'c' } } },
        'tls.clientCert.keyPath',
        /key file/,
      ],
      [
        { name: 'a', url: 'mqtt://x', tls: { clientCert: { kind: 'pkcs12' } } },
        'tls.clientCert.path',
        /PKCS#12/,
      ],
      [{ name: 'a', url: 'mqtt://x', tls: { servername: '10.0.0.1' } }, 'tls.servername', /IP address/],
      [{ name: 'a', url: 'mqtt://x', tls: { servername: 'bad name' } }, 'tls.servername', /not a DNS name/],
      [{ name: 'a', url: 'mqtt://x', tls: { alpn: [1] } }, 'tls.alpn', /list of protocol names/],
      [{ name: 'a', url: 'mqtt://x', tls: { verifyServer: 'no' } }, 'tls.verifyServer', /true or false/],
    ];
    for (const [input, field, message] of cases) {
      const error = fieldOf(() => validateProfile(input));
      expect(error.field, JSON.stringify(input)).toBe(field);
      expect(error.message).toMatch(message);
    }
  });

  it('accepts MQTT 5 settings, a will, SNI and ALPN', () => {
    const p = validateProfile({
      name: 'v5',
      url: 'wss://broker.example:443/mqtt',
      protocol: '5.0',
      sessionExpiry: 3600,
      keepalive: '30',
      will: { topic: 'status/v5', payload: '6f6666', format: 'hex', qos: 1, retain: true, delayInterval: 5 },
      tls: {
        servername: 'broker.example',
        alpn: 'mqtt, x-amzn-mqtt-ca',
        trust: { kind: 'workspace', ca: 'root' },
      },
    });
    expect(p.keepalive).toBe(30);
    expect(p.will).toMatchObject({
      topic: 'status/v5',
      format: 'hex',
      qos: 1,
      retain: true,
      delayInterval: 5,
    });
    expect(p.tls.alpn).toEqual(['mqtt', 'x-amzn-mqtt-ca']);
  });
});

describe('profile store (profiles.json in the workspace)', () => {
  it('saves, lists, renames and removes profiles; secrets only when asked, then mode 0600', () => {
    const ws = new Workspace(join(tempDir('mts-profiles-'), 'ws'));
    const store = new ProfileStore(ws);
    expect(store.list()).toEqual([]);
    store.save({
      name: 'device-1',
      url: 'mqtts://localhost:8883',
      username: 'u',
      password: 'never saved',
      tls: { clientCert: { kind: 'pkcs12', path: '/x/device-1.p12', passphrase: 'also never saved' } },
    });
    const file = ws.path('profiles.json');
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('never saved');
    expect(statSync(file).mode & 0o777).toBe(0o644);
    expect(JSON.parse(text)).toMatchObject({ format: 1, profiles: [{ name: 'device-1', username: 'u' }] });

    store.save({
      name: 'device-1',
      url: 'mqtts://localhost:8883',
      username: 'u',
      password: 'kept',
      savePassword: true,
      tls: {
        clientCert: { kind: 'files', certPath: 'c', keyPath: 'k', passphrase: 'kept too' },
        savePassphrase: true,
      },
    });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const saved = store.get('device-1');
    expect(saved.password).toBe('kept');
    expect(saved.tls.clientCert).toMatchObject({ passphrase: 'kept too' });

    store.save({ name: 'device-2', url: 'mqtt://localhost' });
    expect(() => store.save({ name: 'device-2', url: 'mqtt://localhost' }, 'device-1')).toThrow(
      /already exists/,
    );
    store.save({ name: 'sensor-1', url: 'mqtt://localhost' }, 'device-1');
    expect(store.list().map((p) => p.name)).toEqual(['sensor-1', 'device-2']);
    expect(statSync(file).mode & 0o777).toBe(0o644);
    store.remove('sensor-1');
    expect(store.list().map((p) => p.name)).toEqual(['device-2']);
    expect(() => store.remove('sensor-1')).toThrow(/no connection profile named "sensor-1"/);
    expect(() => store.get('nope')).toThrow(/no connection profile/);
  });

  it('refuses a bad profile and leaves the file as it was', () => {
    const ws = new Workspace(join(tempDir('mts-profiles-'), 'ws'));
    const store = new ProfileStore(ws);
    store.save({ name: 'ok', url: 'mqtt://localhost' });
    const before = readFileSync(ws.path('profiles.json'), 'utf8');
    expect(() => store.save({ name: 'bad', url: 'mqtt://localhost', keepalive: -1 })).toThrow(/keepalive/);
    expect(readFileSync(ws.path('profiles.json'), 'utf8')).toBe(before);
  });

  it('names the file and profile when profiles.json is damaged', () => {
    const ws = new Workspace(join(tempDir('mts-profiles-'), 'ws'));
    ws.commit([
      {
        path: 'profiles.json',
        data: '{"format":1,"profiles":[{"name":"a","url":"mqtt://x"},{"name":"b","url":"ftp://x"}]}',
      },
    ]);
    const error = fieldOf(() => new ProfileStore(ws).list());
    expect(error.message).toMatch(/profiles\.json: profile #2: .*url/);
    writeFileSync(ws.path('profiles.json'), '{ nope');
    expect(() => new ProfileStore(ws).list()).toThrow(/profiles\.json: not valid JSON/);
    writeFileSync(ws.path('profiles.json'), '{"format":9,"profiles":[]}');
    expect(() => new ProfileStore(ws).list()).toThrow(/unknown format 9/);
  });
});
