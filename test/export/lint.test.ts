import { chmodSync, chownSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { lintMosquittoConf } from '../../src-main/core/export/lint-mosquitto-conf.js';
import { mosquittoRefuses, startMosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';
import { handToMosquitto, mosquittoUser, opensslPki } from './openssl-pki.js';

/**
 * Every lint rule that says Mosquitto refuses, or silently does something else, is checked here
 * against Debian's Mosquitto 2.0.11 with the same config.
 */
const dir = tempDir('mts-lint-');
const f = (name: string) => join(dir, name);

function codes(text: string): string[] {
  return lintMosquittoConf(text, 'mosquitto.conf').map((x) => x.code);
}

async function pub(args: string[]) {
  return run('mosquitto_pub', ['-h', 'localhost', '-t', 'lint/test', '-m', 'x', '-q', '1', ...args], {
    timeoutMs: 8000,
  });
}

const tlsClient = () => ['--cafile', f('ca.crt'), '--cert', f('client.crt'), '--key', f('client.key')];

beforeAll(() => {
  opensslPki(dir);
  handToMosquitto(dir, [f('server.key')]);
});

describe('lint of mosquitto.conf, judged by Debian Mosquitto', () => {
  it('a sound mTLS listener has no error and works', async () => {
    const port = await freePort();
    const conf = `listener ${port}\ncafile ${f('ca.crt')}\ncertfile ${f('server.crt')}\nkeyfile ${f('server.key')}\nrequire_certificate true\nuse_identity_as_username true\nallow_anonymous false\n`;
    const findings = lintMosquittoConf(conf, 'mosquitto.conf', { secretFiles: [f('server.key')] });
    expect(findings.filter((x) => x.severity === 'error')).toEqual([]);
    expect(findings.map((x) => x.code)).toEqual(['KEY_FILE_OWNER']);
    expect(findings[0]!.fix).toBe(
      `chown mosquitto: ${f('server.key')}   (as root, after copying the bundle into place)`,
    );
    const broker = await startMosquitto(dir, conf, port);
    try {
      const ok = await pub(['-p', String(port), ...tlsClient()]);
      expect(ok.stderr).toBe('');
      expect(ok.code).toBe(0);
    } finally {
      await broker.stop();
    }
  });

  it('KEY_FILE_OWNER: a 0600 key owned by root stops Mosquitto started as root', async () => {
    const sub = tempDir('mts-lint-owner-');
    opensslPki(sub);
    chmodSync(sub, 0o755);
    const port = await freePort();
    const conf = `listener ${port}\ncertfile ${join(sub, 'server.crt')}\nkeyfile ${join(sub, 'server.key')}\n`;
    expect(codes(conf)).toContain('KEY_FILE_OWNER');
    const refused = await mosquittoRefuses(sub, conf);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toMatch(/Unable to load server key file.*\n.*Permission denied/);
    const { uid, gid } = mosquittoUser();
    chownSync(join(sub, 'server.key'), uid, gid);
    const broker = await startMosquitto(sub, conf, port);
    await broker.stop();
  });

  it('ONLY_WEBSOCKETS: Mosquitto exits', async () => {
    const port = await freePort();
    const conf = `listener ${port}\nprotocol websockets\n`;
    expect(codes(conf)).toEqual(['ONLY_WEBSOCKETS']);
    const refused = await mosquittoRefuses(dir, conf);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain('Unable to start any listening sockets');
  });

  it('CERTFILE_WITHOUT_KEYFILE: Mosquitto serves plain MQTT', async () => {
    const port = await freePort();
    const conf = `listener ${port}\ncertfile ${f('server.crt')}\nallow_anonymous true\n`;
    expect(codes(conf)).toEqual(['CERTFILE_WITHOUT_KEYFILE']);
    const broker = await startMosquitto(dir, conf, port);
    try {
      const plain = await pub(['-p', String(port)]);
      expect(plain.code).toBe(0);
      const tls = await pub(['-p', String(port), '--cafile', f('ca.crt')]);
      expect(tls.code).not.toBe(0);
    } finally {
      await broker.stop();
    }
  });

  it('IDENTITY_WITHOUT_REQUIRE_CERTIFICATE: every client is refused', async () => {
    const port = await freePort();
    const conf = `listener ${port}\ncafile ${f('ca.crt')}\ncertfile ${f('server.crt')}\nkeyfile ${f('server.key')}\nuse_identity_as_username true\n`;
    expect(codes(conf)).toEqual(['KEY_FILE_OWNER', 'IDENTITY_WITHOUT_REQUIRE_CERTIFICATE']);
    const broker = await startMosquitto(dir, conf, port);
    try {
      const refused = await pub(['-p', String(port), ...tlsClient()]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/not authori[sz]ed|bad user name or password/i);
    } finally {
      await broker.stop();
    }
  });

  it('REQUIRE_CERTIFICATE_WITHOUT_CA: every client is refused', async () => {
    const port = await freePort();
    const conf = `listener ${port}\ncertfile ${f('server.crt')}\nkeyfile ${f('server.key')}\nrequire_certificate true\nallow_anonymous true\n`;
    expect(codes(conf)).toEqual(['KEY_FILE_OWNER', 'REQUIRE_CERTIFICATE_WITHOUT_CA']);
    const broker = await startMosquitto(dir, conf, port);
    try {
      const refused = await pub(['-p', String(port), ...tlsClient()]);
      expect(refused.code).not.toBe(0);
    } finally {
      await broker.stop();
    }
  });

  it('BAD_TLS_VERSION: Mosquitto refuses to start', async () => {
    const port = await freePort();
    const conf = `listener ${port}\ncertfile ${f('server.crt')}\nkeyfile ${f('server.key')}\ntls_version tlsv1.0\n`;
    expect(codes(conf)).toContain('BAD_TLS_VERSION');
    const refused = await mosquittoRefuses(dir, conf);
    expect(refused.running).toBe(false);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain('Unsupported tls_version "tlsv1.0"');
  });

  it('PSK_WITH_CERTIFICATE: the line order decides whether Mosquitto starts', async () => {
    writeFileSync(f('psk'), 'psk-client:00112233445566778899aabbccddeeff\n');
    handToMosquitto(dir, [f('psk')]);
    const tls = `certfile ${f('server.crt')}\nkeyfile ${f('server.key')}\n`;
    const confFor = (port: number, pskFirst: boolean) =>
      `psk_file ${f('psk')}\nallow_anonymous true\nlistener ${port}\n${pskFirst ? 'psk_hint hint\n' + tls : tls + 'psk_hint hint\n'}`;
    // psk_hint first: refused at the certfile line.
    const refusedConf = confFor(await freePort(), true);
    expect(codes(refusedConf)).toContain('PSK_WITH_CERTIFICATE');
    const refused = await mosquittoRefuses(dir, refusedConf);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain('Cannot use both certificate and psk encryption in a single listener');
    // certfile first: starts, and takes both PSK and certificate clients.
    const port = await freePort();
    const conf = confFor(port, false);
    expect(codes(conf)).toContain('PSK_WITH_CERTIFICATE');
    const broker = await startMosquitto(dir, conf, port);
    try {
      const viaPsk = await pub([
        '-p',
        String(port),
        '--psk-identity',
        'psk-client',
        '--psk',
        '00112233445566778899aabbccddeeff',
      ]);
      expect(viaPsk.code).toBe(0);
      const viaCert = await pub(['-p', String(port), '--cafile', f('ca.crt')]);
      expect(viaCert.code).toBe(0);
    } finally {
      await broker.stop();
    }
  });

  it('websockets: CRL and tls_version are reported as not applying (identity options do apply)', () => {
    const conf = `listener 1883\nlistener 8081\nprotocol websockets\ncafile /c\ncertfile /s\nkeyfile /k\nrequire_certificate true\ncrlfile /crl\ntls_version tlsv1.3\nuse_identity_as_username true\n`;
    const findings = lintMosquittoConf(conf, 'x.conf').filter((x) => x.code === 'WS_OPTION_IGNORED');
    expect(findings.map((x) => [x.line, x.severity])).toEqual([
      [8, 'error'],
      [9, 'warning'],
    ]);
  });

  it('per_listener_settings after an auth option, and bridge mistakes, name their line', () => {
    const conf = [
      'allow_anonymous true',
      'per_listener_settings true',
      'listener 1883',
      'allow_anonymous true',
      'connection central',
      'bridge_certfile /b.crt',
      'bridge_psk 0011',
    ].join('\n');
    const findings = lintMosquittoConf(conf, 'x.conf');
    expect(findings.map((x) => `${x.line}:${x.code}`)).toEqual([
      '2:PER_LISTENER_SETTINGS_LATE',
      '5:BRIDGE_WITHOUT_ADDRESS',
      '5:BRIDGE_WITHOUT_TOPIC',
      '6:BRIDGE_CERT_WITHOUT_CAFILE',
      '6:BRIDGE_CERT_KEY_PAIR',
      '7:BRIDGE_PSK_WITH_CERTIFICATE',
      '7:BRIDGE_PSK_IDENTITY',
    ]);
  });
});
