import { describe, expect, it } from 'vitest';
import {
  effectiveSecurity,
  formatMosquittoConf,
  listenerScheme,
  parseMosquittoConf,
  type MosquittoConf,
} from '../../src-main/core/conf/index.js';
import { isUserError } from '../../src-main/core/user-error.js';

const FILE = '/etc/mosquitto/test.conf';

function refusal(text: string): { message: string; line?: number } {
  try {
    parseMosquittoConf(text, FILE);
  } catch (error) {
    if (!isUserError(error)) throw error;
    expect(error.location.file).toBe(FILE);
    return { message: error.message, line: error.location.line };
  }
  throw new Error('the config was accepted');
}

describe('parseMosquittoConf', () => {
  it('reads the quick start settings with every line located', () => {
    const conf = parseMosquittoConf(
      [
        '# comment',
        'per_listener_settings false',
        'allow_anonymous false',
        'acl_file acl.conf',
        '',
        'listener 8883',
        'protocol mqtt',
        'cafile ca.crt',
        'certfile server.crt',
        'keyfile server.key',
        'require_certificate true',
        'use_identity_as_username true',
        'tls_version tlsv1.2',
      ].join('\n'),
      FILE,
    );
    expect(conf.security).toEqual({ allowAnonymous: false, aclFile: 'acl.conf' });
    expect(conf.listeners).toEqual([
      {
        port: 8883,
        protocol: 'mqtt',
        cafile: 'ca.crt',
        certfile: 'server.crt',
        keyfile: 'server.key',
        requireCertificate: true,
        useIdentityAsUsername: true,
        tlsVersion: 'tlsv1.2',
      },
    ]);
    expect(conf.source?.lines['listeners[0].keyfile']).toBe(10);
    expect(conf.source?.lines['security.aclFile']).toBe(4);
    expect(listenerScheme(conf.listeners[0])).toBe('mqtts');
  });

  it('takes values as the rest of the line, trims them, and reads a bind address', () => {
    const conf = parseMosquittoConf(
      'listener 1883 127.0.0.1\r\nallow_anonymous 1\r\npassword_file   /etc/my dir/passwd  \n',
      FILE,
    );
    expect(conf.listeners[0].bindAddress).toBe('127.0.0.1');
    expect(conf.security.passwordFile).toBe('/etc/my dir/passwd');
    expect(conf.security.allowAnonymous).toBe(true);
    expect(listenerScheme(conf.listeners[0])).toBe('mqtt');
  });

  it('applies per_listener_settings: security per listener, global otherwise', () => {
    const text = [
      'per_listener_settings true',
      'listener 1883',
      'allow_anonymous true',
      'listener 8883',
      'certfile s.crt',
      'keyfile s.key',
      'password_file pw',
    ].join('\n');
    const conf = parseMosquittoConf(text, FILE);
    expect(effectiveSecurity(conf, conf.listeners[0])).toEqual({ allowAnonymous: true });
    expect(effectiveSecurity(conf, conf.listeners[1])).toEqual({ passwordFile: 'pw' });
    const global = parseMosquittoConf(
      text.replace('per_listener_settings true', 'per_listener_settings false'),
      FILE,
    );
    expect(effectiveSecurity(global, global.listeners[0])).toEqual({
      allowAnonymous: true,
      passwordFile: 'pw',
    });
    expect(effectiveSecurity(global, global.listeners[1])).toBe(global.security);
  });

  it('accepts harmless options with a notice, and warns about traps Mosquitto accepts silently', () => {
    const conf = parseMosquittoConf(
      [
        'user mosquitto',
        'persistence true',
        'listener 8883',
        'certfile a',
        'keyfile b',
        'use_identity_as_username true',
      ].join('\n'),
      FILE,
    );
    expect(conf.notices.map((n) => [n.level, n.line])).toEqual([
      ['info', 1],
      ['info', 2],
      ['warning', 6],
    ]);
    expect(conf.notices[2].message).toMatch(/CONNACK 4/);
  });

  const refused: Array<[string, string, number | undefined, RegExp]> = [
    ['unknown option', 'listener 1883\nallow_anonymous true\nfoo bar\n', 3, /unknown option "foo"/],
    ['indented comment', 'listener 1883\n  # note\n', 2, /column 1/],
    ['tab after option', 'listener\t1883\n', 1, /tabs/],
    ['duplicate string', 'listener 8883\ncafile a\ncafile b\n', 3, /duplicate cafile/],
    ['bad boolean', 'listener 1883\nallow_anonymous yes\n', 2, /invalid allow_anonymous value "yes"/],
    [
      'bad tls_version',
      'listener 8883\ncertfile a\nkeyfile b\ntls_version tlsv1.0\n',
      4,
      /unsupported tls_version "tlsv1.0"/,
    ],
    [
      'per_listener_settings late',
      'allow_anonymous true\nper_listener_settings true\nlistener 1\n',
      2,
      /before any other security/,
    ],
    ['option before listener', 'cafile ca.crt\nlistener 8883\n', 1, /after a "listener" line/],
    ['port option', 'port 1883\n', 1, /default listener/],
    ['certfile alone', 'listener 8883\ncertfile s.crt\n', 2, /plain MQTT/],
    ['keyfile alone', 'listener 8883\nkeyfile s.key\n', 2, /plain MQTT/],
    ['cafile on plain', 'listener 1883\ncafile ca.crt\n', 2, /no certfile and keyfile/],
    [
      'require_certificate on plain',
      'listener 1883\nrequire_certificate true\n',
      2,
      /no certfile and keyfile/,
    ],
    [
      'crlfile on websockets',
      'listener 1883\nlistener 9001\nprotocol websockets\ncertfile a\nkeyfile b\ncrlfile c\n',
      6,
      /websockets/,
    ],
    [
      'tls_version on websockets',
      'listener 1\nlistener 9001\nprotocol websockets\ncertfile a\nkeyfile b\ntls_version tlsv1.2\n',
      6,
      /websockets/,
    ],
    ['psk then certificate', 'listener 8883\npsk_hint h\ncertfile a\nkeyfile b\n', 4, /two listeners/],
    ['certificate then psk', 'listener 8883\ncertfile a\nkeyfile b\npsk_hint h\n', 4, /two listeners/],
    ['websockets only', 'listener 9001\nprotocol websockets\n', 1, /only websockets/],
    ['no listener', 'allow_anonymous true\n', undefined, /no "listener"/],
    ['duplicate listener', 'listener 1883\nlistener 1883\n', 2, /already defined at line 1/],
    ['comment after port', 'listener 1883 # plain\n', 1, /bind address, not a comment/],
    ['bad protocol', 'listener 1883\nprotocol mqtts\n', 2, /invalid protocol/],
    ['empty value', 'listener 8883\ncertfile   \n', 2, /empty certfile/],
    ['bad port', 'listener 70000\n', 1, /1 to 65535/],
    ['unsupported option', 'listener 1883\nmax_connections 10\n', 2, /not supported by the local broker/],
    ['bridge option without connection', 'listener 1883\naddress h:1883\n', 2, /connection/],
    ['bridge without topic', 'listener 1883\nconnection up\naddress h:8883\n', 2, /no topic/],
  ];
  for (const [name, text, line, message] of refused) {
    it(`refuses ${name} with file:line`, () => {
      const result = refusal(text);
      expect(result.line).toBe(line);
      expect(result.message).toMatch(message);
      expect(result.message.startsWith(line === undefined ? `${FILE}:` : `${FILE}:${line}: `)).toBe(true);
    });
  }
});

describe('include_dir', () => {
  const included = {
    '/etc/mosquitto/conf.d/a.conf': 'listener 8883\ncertfile s.crt\nkeyfile s.key\n',
    '/etc/mosquitto/conf.d/b.conf': 'allow_anonymous true\n',
  };
  const readIncludeDir = (dir: string) => {
    expect(dir).toBe('/etc/mosquitto/conf.d');
    return Object.entries(included).map(([file, text]) => ({ file, text }));
  };

  it('reads the folder’s files in place, each setting located in its own file', () => {
    const main =
      'pid_file /run/mosquitto/mosquitto.pid\npersistence true\nlog_dest file /var/log/mosquitto/mosquitto.log\ninclude_dir /etc/mosquitto/conf.d\n';
    const conf = parseMosquittoConf(main, FILE, { readIncludeDir });
    expect(conf.listeners.map((l) => l.port)).toEqual([8883]);
    expect(conf.security.allowAnonymous).toBe(true);
    expect(conf.source?.files?.['listeners[0].keyfile']).toBe('/etc/mosquitto/conf.d/a.conf');
    expect(conf.source?.lines['listeners[0].keyfile']).toBe(3);
    expect(conf.notices.map((n) => `${n.file}:${n.line}`)).toEqual([`${FILE}:1`, `${FILE}:2`, `${FILE}:3`]);
  });

  it('stops at the line of the included file at fault, and is refused without a folder reader', () => {
    included['/etc/mosquitto/conf.d/b.conf'] = 'allow_anonymous true\nmystery 1\n';
    expect(() => parseMosquittoConf('include_dir /etc/mosquitto/conf.d\n', FILE, { readIncludeDir })).toThrow(
      /^\/etc\/mosquitto\/conf.d\/b.conf:2: unknown option "mystery"/,
    );
    included['/etc/mosquitto/conf.d/b.conf'] = 'listener 9001\nprotocol websockets\ncrlfile x\n';
    expect(() => parseMosquittoConf('include_dir /etc/mosquitto/conf.d\n', FILE, { readIncludeDir })).toThrow(
      /^\/etc\/mosquitto\/conf.d\/b.conf:3: crlfile does not apply to websockets/,
    );
    expect(refusal('include_dir /etc/mosquitto/conf.d\nlistener 1\n')).toEqual({
      message: `${FILE}:1: include_dir needs the files of a folder: run the conf from a file (broker --config FILE)`,
      line: 1,
    });
  });
});

describe('formatMosquittoConf', () => {
  it('round-trips a model through text', () => {
    const text = [
      'per_listener_settings true',
      'log_type error',
      'log_dest stdout',
      'listener 1883 127.0.0.1',
      'allow_anonymous true',
      'listener 8883',
      'cafile /pki/ca.crt',
      'certfile /pki/server.chain.crt',
      'keyfile /pki/server.key',
      'crlfile /pki/inter.crl',
      'require_certificate true',
      'use_subject_as_username true',
      'ciphers ECDHE-ECDSA-AES128-GCM-SHA256',
      'ciphers_tls1.3 TLS_AES_128_GCM_SHA256',
      'acl_file /pki/acl',
      'listener 8884',
      'psk_hint hint',
      'use_identity_as_username true',
      'psk_file /pki/psk',
      'listener 9001',
      'protocol websockets',
      'password_file /pki/passwd',
      'connection upstream',
      'address central.example.com:8883',
      'topic sensors/# out 1',
      'bridge_cafile /pki/ca.crt',
      'bridge_certfile /pki/bridge.crt',
      'bridge_keyfile /pki/bridge.key',
      'bridge_tls_version tlsv1.2',
    ].join('\n');
    const conf = parseMosquittoConf(text, FILE);
    const again = parseMosquittoConf(formatMosquittoConf(conf), 'again.conf');
    const strip = (c: MosquittoConf) => ({ ...c, source: undefined, notices: [] });
    expect(strip(again)).toEqual(strip(conf));
  });

  it('writes a header and refuses values that would break the file', () => {
    const conf = parseMosquittoConf('listener 1883\nallow_anonymous true\n', FILE);
    expect(formatMosquittoConf(conf, { header: ['made by a test'] })).toBe(
      '# made by a test\n\nallow_anonymous true\n\nlistener 1883\n',
    );
    conf.security.passwordFile = 'a\nlistener 1';
    expect(() => formatMosquittoConf(conf)).toThrow(
      /security.passwordFile: a mosquitto.conf value cannot contain a line break/,
    );
  });
});
