import { describe, expect, it } from 'vitest';
import {
  applySettingsForm,
  parseMosquittoConf,
  settingPathsByLine,
  settingsFormOf,
  type BrokerSettingsForm,
} from '../../src-main/core/conf/index.js';
import { isUserError } from '../../src-main/core/user-error.js';
import { mosquittoRefuses } from '../helpers/mosquitto.js';
import { tempDir } from '../helpers/tmp.js';

const CONF = [
  '# Site broker. Keep this comment.',
  'per_listener_settings false',
  'allow_anonymous false',
  'acl_file acl.conf',
  'user mosquitto',
  'log_type all',
  '',
  '# The device listener',
  'listener 8883',
  'cafile ca.crt',
  'certfile server.crt',
  'keyfile server.key',
  'require_certificate 1',
  '# (an indented option below is fine for Mosquitto)',
  '  use_identity_as_username true',
  '',
  '# plain, local only',
  'listener 1883 127.0.0.1',
  '',
  '# the bridge to the cloud',
  'connection cloud',
  'address cloud.example.com:8883',
  'topic sensors/# out 1',
  'bridge_cafile cloud-ca.crt',
  '',
].join('\n');

const formOf = (text: string) => settingsFormOf(parseMosquittoConf(text));
const edit = (text: string, change: (form: BrokerSettingsForm) => void) => {
  const form = formOf(text);
  change(form);
  return applySettingsForm(text, form);
};

describe('applySettingsForm: the form edits mosquitto.conf without losing a line it does not show', () => {
  it('an unchanged form gives the same bytes (comments, spacing, 1 for true, bridges, ignored options)', () => {
    expect(edit(CONF, () => undefined)).toBe(CONF);
    const crlf = CONF.replace(/\n/g, '\r\n');
    expect(edit(crlf, () => undefined)).toBe(crlf);
  });

  it('changes only the lines of the fields that changed; new options go after their listener', () => {
    const out = edit(CONF, (form) => {
      form.listeners[0]!.tlsVersion = 'tlsv1.3';
      form.listeners[0]!.useIdentityAsUsername = undefined;
      form.listeners[0]!.useSubjectAsUsername = true;
      form.security.passwordFile = 'passwd';
    });
    const lines = out.split('\n');
    expect(lines.slice(0, 5)).toEqual([
      '# Site broker. Keep this comment.',
      'per_listener_settings false',
      'allow_anonymous false',
      'acl_file acl.conf',
      'password_file passwd',
    ]);
    expect(out).toContain(
      [
        'require_certificate 1',
        '# (an indented option below is fine for Mosquitto)',
        'tls_version tlsv1.3',
        'use_subject_as_username true',
        '',
        '# plain, local only',
      ].join('\n'),
    );
    expect(out).toContain('connection cloud\naddress cloud.example.com:8883\ntopic sensors/# out 1');
    expect(out).not.toContain('use_identity_as_username');
  });

  it('adds a listener before the bridges and removes one with its own comments', () => {
    const out = edit(CONF, (form) => {
      form.listeners.splice(1, 1);
      form.listeners.push({
        port: 9001,
        protocol: 'websockets',
        certfile: 'server.crt',
        keyfile: 'server.key',
      });
    });
    expect(out).not.toContain('listener 1883');
    expect(out).not.toContain('# plain, local only');
    expect(out).toContain(
      'listener 9001\nprotocol websockets\ncertfile server.crt\nkeyfile server.key\n\n# the bridge to the cloud\nconnection cloud',
    );
    expect(parseMosquittoConf(out).bridges[0]!.name).toBe('cloud');
  });

  it('per_listener_settings true moves the security options into every listener', () => {
    const out = edit(CONF, (form) => {
      form.perListenerSettings = true;
      form.listeners[0]!.security = { aclFile: 'acl.conf' };
      form.listeners[1]!.security = { allowAnonymous: true };
    });
    const conf = parseMosquittoConf(out);
    expect(conf.perListenerSettings).toBe(true);
    expect(conf.listeners.map((l) => l.security)).toEqual([
      { aclFile: 'acl.conf' },
      { allowAnonymous: true },
    ]);
    expect(out.split('\n').slice(0, 3)).toEqual([
      '# Site broker. Keep this comment.',
      'per_listener_settings true',
      'user mosquitto',
    ]);
  });

  it('a field Mosquitto would read otherwise is refused with its setting path, before any text is made', () => {
    const bad: Array<[(f: BrokerSettingsForm) => void, string]> = [
      [(f) => (f.listeners[0]!.port = 0), 'listeners[0].port'],
      [(f) => (f.listeners[1]!.port = 8883), 'listeners[1].port'],
      [(f) => (f.listeners[0]!.cafile = 'ca.crt\nlistener 1'), 'listeners[0].cafile'],
      [(f) => (f.listeners[0]!.certfile = ' server.crt'), 'listeners[0].certfile'],
      [(f) => (f.security.aclFile = ''), 'security.aclFile'],
      [(f) => (f.listeners[1]!.bindAddress = '127.0.0.1 #x'), 'listeners[1].bindAddress'],
    ];
    for (const [change, field] of bad) {
      try {
        edit(CONF, change);
        expect.unreachable(field);
      } catch (error) {
        expect(isUserError(error) && error.location.field).toBe(field);
      }
    }
  });

  it('every line that writes a setting is mapped to its setting path (errors land on the field)', () => {
    const paths = settingPathsByLine(CONF);
    expect(paths.get(4)).toBe('security.aclFile');
    expect(paths.get(9)).toBe('listeners[0]');
    expect(paths.get(15)).toBe('listeners[0].useIdentityAsUsername');
    expect(paths.get(24)).toBeUndefined(); // bridge_cafile belongs to the bridge
  });
});

describe('seed 001 options the local broker cannot run', () => {
  it('tls_engine, tls_keyform and tls_engine_kpass_sha1 are kept (for export) with the reason, not refused', () => {
    const text = [
      'listener 8883',
      'certfile server.crt',
      'keyfile server.key',
      'tls_engine pkcs11',
      'tls_keyform pem',
      'tls_engine_kpass_sha1 0123456789abcdef0123456789abcdef01234567',
      '',
    ].join('\n');
    const conf = parseMosquittoConf(text);
    expect(conf.listeners[0]).toMatchObject({ tlsEngine: 'pkcs11', tlsKeyform: 'pem' });
    expect(conf.notices.map((n) => n.line)).toEqual([4, 5, 6]);
    expect(conf.notices[0]!.message).toMatch(/kept for export.*Node's OpenSSL/);
    expect(edit(text, () => undefined)).toBe(text);
  });

  it('require_ocsp is refused with its line, as Debian Mosquitto 2.0.11 refuses it', async () => {
    const text = 'listener 18999 127.0.0.1\nrequire_ocsp false\n';
    expect(() => parseMosquittoConf(text, 'm.conf')).toThrow(/m\.conf:2: require_ocsp is not an option/);
    const judged = await mosquittoRefuses(tempDir('mts-ocsp-'), text);
    expect(judged.output).toMatch(/Unknown configuration variable "require_ocsp"/);
  });
});
