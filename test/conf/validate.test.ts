import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  assertValidConf,
  formatMosquittoConf,
  hashPassword,
  parseMosquittoConf,
  validateMosquittoConf,
} from '../../src-main/core/conf/index.js';
import { isUserError } from '../../src-main/core/user-error.js';
import { mosquittoRefuses, startMosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { makeTestPki, type TestPki } from '../broker/openssl-pki.js';
import { sharedTempDir } from '../helpers/tmp.js';

let pki: TestPki;
const dir = sharedTempDir('mts-validate-');

beforeAll(async () => {
  pki = await makeTestPki(join(dir, 'pki'));
  writeFileSync(join(dir, 'passwd'), `alice:${hashPassword('pw')}\nbroken\n`);
  writeFileSync(join(dir, 'acl'), 'user alice\ntopic readwrite a/#\n');
  writeFileSync(join(dir, 'acl-bad'), 'user alice\ntopic\treadwrite a/#\n');
  writeFileSync(join(dir, 'psk'), 'dev:0a1b2c3d\n');
  writeFileSync(join(dir, 'psk-bad'), 'dev:0a1b2c3d\nother:nothex\n');
  writeFileSync(join(dir, 'bad-label.crl'), '-----BEGIN CRL-----\nAAAA\n-----END CRL-----\n');
}, 60_000);

/** The conf text with a TLS listener on the test PKI (paths relative to `dir`). */
function tlsConf(port: number, extra: string[] = [], listenerExtra: string[] = []): string {
  return [
    'password_file passwd',
    'acl_file acl',
    ...extra,
    `listener ${port} 127.0.0.1`,
    'cafile pki/ca.crt',
    'certfile pki/server.crt',
    'keyfile pki/server.key',
    'require_certificate true',
    'crlfile pki/inter.crl',
    ...listenerExtra,
  ].join('\n');
}

function firstError(text: string): { text: string; file?: string; line?: number } {
  const conf = parseMosquittoConf(text, join(dir, 'test.conf'));
  try {
    assertValidConf(conf, { baseDir: dir });
  } catch (error) {
    if (!isUserError(error)) throw error;
    return { text: error.message, file: error.location.file, line: error.location.line };
  }
  throw new Error('no error');
}

describe('validateMosquittoConf', () => {
  it('accepts a complete TLS config and reports what Mosquitto would skip as warnings', () => {
    const conf = parseMosquittoConf(tlsConf(8883), join(dir, 'test.conf'));
    const result = validateMosquittoConf(conf, { baseDir: dir });
    expect(result.errors).toEqual([]);
    expect(result.warnings.map((w) => w.text)).toEqual([
      `${join(dir, 'passwd')}:2: line without ":" skipped (Mosquitto skips it too)`,
    ]);
  });

  const cases: Array<[string, string, RegExp, (file: string) => [string, number]]> = [
    [
      'a missing certificate file',
      tlsConf(8883).replace('certfile pki/server.crt', 'certfile pki/nope.crt'),
      /nope.crt does not exist/,
      (f) => [f, 5],
    ],
    [
      'a key that does not match',
      tlsConf(8883).replace('keyfile pki/server.key', 'keyfile pki/client1.key'),
      /does not match the certificate/,
      (f) => [f, 6],
    ],
    [
      'a CRL with the wrong PEM label',
      tlsConf(8883).replace('crlfile pki/inter.crl', 'crlfile bad-label.crl'),
      /BEGIN X509 CRL/,
      (f) => [f, 8],
    ],
    [
      'an unusable cipher list',
      tlsConf(8883, [], ['ciphers NOPE-CIPHER']),
      /no usable cipher/,
      (f) => [f, 9],
    ],
    [
      'a TLS 1.3 suite in ciphers_tls1.3 that is not one',
      tlsConf(8883, [], ['ciphers_tls1.3 AES128-SHA']),
      /not a TLS 1.3 cipher suite/,
      (f) => [f, 9],
    ],
    [
      'an ACL file Mosquitto refuses (at the ACL line)',
      tlsConf(8883).replace('acl_file acl', 'acl_file acl-bad'),
      /./,
      () => [join(dir, 'acl-bad'), 2],
    ],
    [
      'a PSK file with a non-hex key (at the PSK line)',
      'psk_file psk-bad\nlistener 8884\npsk_hint h\n',
      /non-hexadecimal/,
      () => [join(dir, 'psk-bad'), 2],
    ],
  ];
  for (const [name, text, message, where] of cases) {
    it(`stops at ${name} with the file and line`, () => {
      const error = firstError(text);
      const [file, line] = where(join(dir, 'test.conf'));
      expect(error.file).toBe(file);
      expect(error.line).toBe(line);
      expect(error.text.startsWith(`${file}:${line}: `)).toBe(true);
      expect(error.text).toMatch(message);
    });
  }
});

describe('Mosquitto agrees', () => {
  it('refuses to start with the configs we refuse for Mosquitto reasons', async () => {
    const port = await freePort();
    const P = pki.dir;
    const tls = [`certfile ${P}/server.crt`, `keyfile ${P}/server.key`];
    const configs: Record<string, string> = {
      unknown: `listener ${port}\nallow_anonymous true\nfoo bar\n`,
      indentedComment: `listener ${port}\n  # note\n`,
      tab: `listener\t${port}\n`,
      duplicate: `listener ${port}\ncafile ${P}/ca.crt\ncafile ${P}/ca.crt\n`,
      badBool: `listener ${port}\nallow_anonymous yes\n`,
      badTlsVersion: `listener ${port}\n${tls.join('\n')}\ntls_version tlsv1.0\n`,
      perListenerLate: `allow_anonymous true\nper_listener_settings true\nlistener ${port}\n`,
      pskThenCert: `listener ${port}\npsk_hint h\n${tls.join('\n')}\n`,
      websocketsOnly: `listener ${port}\nprotocol websockets\nallow_anonymous true\n`,
      keyMismatch: `listener ${port}\ncertfile ${P}/server.crt\nkeyfile ${P}/client1.key\n`,
      missingKey: `listener ${port}\ncertfile ${P}/server.crt\nkeyfile ${P}/nope.key\n`,
      badCiphers: `listener ${port}\n${tls.join('\n')}\nciphers NOPE-CIPHER\n`,
    };
    const results = await Promise.all(
      Object.entries(configs).map(async ([name, text]) => {
        const sub = join(dir, `refuse-${name}`);
        const { mkdirSync } = await import('node:fs');
        mkdirSync(sub, { recursive: true });
        const mosquitto = await mosquittoRefuses(sub, text, 4000);
        let ours = 'accepted';
        try {
          assertValidConf(parseMosquittoConf(text, 'x.conf'), { baseDir: sub });
        } catch (error) {
          ours = isUserError(error) ? 'refused' : String(error);
        }
        return {
          name,
          mosquitto: mosquitto.code === 0 || mosquitto.code === null ? 'started' : 'refused',
          ours,
        };
      }),
    );
    for (const r of results)
      expect(r, r.name).toEqual({ name: r.name, mosquitto: 'refused', ours: 'refused' });
  }, 30_000);

  it('starts unchanged from our formatted output (mqtt, mqtts with mTLS + CRL, PSK, wss)', async () => {
    const [p1, p2, p3, p4] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const P = pki.dir;
    const text = [
      'per_listener_settings true',
      `listener ${p1} 127.0.0.1`,
      'allow_anonymous true',
      `listener ${p2} 127.0.0.1`,
      `cafile ${P}/ca.crt`,
      `certfile ${P}/server.chain.crt`,
      `keyfile ${P}/server.key`,
      `crlfile ${P}/inter.crl`,
      'require_certificate true',
      'use_identity_as_username true',
      'tls_version tlsv1.2',
      `acl_file ${dir}/acl`,
      `listener ${p3} 127.0.0.1`,
      'psk_hint studio',
      'use_identity_as_username true',
      `psk_file ${dir}/psk`,
      `listener ${p4} 127.0.0.1`,
      'protocol websockets',
      `cafile ${P}/ca.crt`,
      `certfile ${P}/server.crt`,
      `keyfile ${P}/server.key`,
      'require_certificate true',
      `password_file ${dir}/passwd`,
    ].join('\n');
    const conf = parseMosquittoConf(text, 'in.conf');
    assertValidConf(conf, { baseDir: dir });
    const sub = join(dir, 'formatted');
    (await import('node:fs')).mkdirSync(sub, { recursive: true });
    const broker = await startMosquitto(sub, formatMosquittoConf(conf, { header: ['round trip'] }), p2);
    try {
      const ok = await (
        await import('../helpers/run.js')
      ).run('mosquitto_pub', [
        '-h',
        'localhost',
        '-p',
        String(p2),
        '--cafile',
        pki.path('ca.crt'),
        '--cert',
        pki.path('client1.crt'),
        '--key',
        pki.path('client1.key'),
        '-t',
        'x',
        '-m',
        'y',
      ]);
      expect(ok.code).toBe(0);
      expect(broker.log()).not.toMatch(/Error/);
    } finally {
      await broker.stop();
    }
  }, 30_000);

  it('reads include_dir as Mosquitto does (a Debian-style conf with conf.d)', async () => {
    const [mine, theirs] = await Promise.all([freePort(), freePort()]);
    const { mkdirSync } = await import('node:fs');
    const { loadConfFile, startBroker } = await import('../../src-main/core/broker/index.js');
    const { run } = await import('../helpers/run.js');
    for (const [name, port] of [
      ['ours', mine],
      ['mosquitto', theirs],
    ] as const) {
      const confd = join(dir, `debian-${name}`, 'conf.d');
      mkdirSync(confd, { recursive: true });
      writeFileSync(join(confd, 'local.conf'), `listener ${port} 127.0.0.1\nallow_anonymous true\n`);
      writeFileSync(join(confd, 'README'), 'not a .conf file: skipped\n');
    }
    const main = (name: string) =>
      `persistence false\nlog_dest stderr\ninclude_dir ${join(dir, `debian-${name}`, 'conf.d')}\n`;
    writeFileSync(join(dir, 'debian-ours', 'mosquitto.conf'), main('ours'));
    const mosquitto = await startMosquitto(join(dir, 'debian-mosquitto'), main('mosquitto'), theirs);
    const loaded = loadConfFile(join(dir, 'debian-ours', 'mosquitto.conf'));
    const ours = await startBroker(loaded.conf, { baseDir: loaded.baseDir });
    try {
      for (const port of [mine, theirs]) {
        expect(
          (await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-t', 't', '-m', 'x'])).code,
        ).toBe(0);
      }
    } finally {
      await Promise.all([mosquitto.stop(), ours.stop()]);
    }
  }, 30_000);
});
