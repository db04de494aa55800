/**
 * The client side of the handshake against Debian's Mosquitto: require_certificate with a CRL, client
 * certificates from PEM, encrypted keys and PKCS#12, and the MQTT login behind it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe, type InspectReport, type ProbeOptions } from '../../src-main/core/inspect/index.js';
import { isUserError } from '../../src-main/core/user-error.js';
import { startMosquitto, type RunningMosquitto } from '../helpers/mosquitto.js';
import { freePort, waitForPort } from '../helpers/ports.js';
import { tempDir } from '../helpers/tmp.js';
import { buildTestPki, readableByMosquitto, type TestPki } from './openssl-pki.js';
import { sClient } from './s-client.js';

const dir = tempDir('mts-inspect-mtls-');
let pki: TestPki;
let mosquitto: RunningMosquitto;
const ports: Record<string, number> = {};

function codes(report: InspectReport): string[] {
  return report.problems.map((problem) => problem.code);
}

function withClient(name: string, extra: Partial<ProbeOptions> = {}): ProbeOptions {
  return {
    trust: { caPem: readFileSync(pki.root.cert, 'utf8'), label: 'root.crt' },
    clientCert: {
      kind: 'pem',
      certPem: readFileSync(pki.pki.path(`${name}.crt`), 'utf8'),
      keyPem: readFileSync(pki.key(name), 'utf8'),
      label: `${name}.crt`,
    },
    ...extra,
  };
}

beforeAll(async () => {
  pki = buildTestPki(dir);
  execFileSync('mosquitto_passwd', ['-c', '-b', pki.pki.path('passwd'), 'alice', 'wonderland']);
  readableByMosquitto(dir);
  const tls = [`certfile ${pki.serverChain}`, `keyfile ${pki.key('server')}`];
  const listeners: Record<string, string[]> = {
    mtls: [
      ...tls,
      `cafile ${pki.caBundle}`,
      'require_certificate true',
      `crlfile ${pki.crl}`,
      'allow_anonymous true',
    ],
    identity: [...tls, `cafile ${pki.caBundle}`, 'require_certificate true', 'use_identity_as_username true'],
    password: [...tls, `password_file ${pki.pki.path('passwd')}`, 'allow_anonymous false'],
  };
  const lines = ['per_listener_settings true', 'log_dest stderr', 'log_type all'];
  for (const [name, settings] of Object.entries(listeners)) {
    ports[name] = await freePort();
    lines.push(`listener ${ports[name]} 127.0.0.1`, ...settings);
  }
  mosquitto = await startMosquitto(dir, lines.join('\n') + '\n', ports.mtls!);
  await Promise.all(Object.values(ports).map((port) => waitForPort(port)));
});

afterAll(async () => {
  await mosquitto?.stop();
});

describe('require_certificate', () => {
  for (const version of ['1.3', '1.2'] as const) {
    it(`no client certificate: CLIENT_CERT_REQUIRED (TLS ${version})`, async () => {
      const report = await probe(`localhost:${ports.mtls}`, {
        trust: { caPem: readFileSync(pki.root.cert, 'utf8') },
        tlsMax: version,
      });
      expect(codes(report)).toEqual(['CLIENT_CERT_REQUIRED']);
      expect(report.clientAuth.requested).toBe(true);
      expect(report.clientAuth.certificatesSent).toBe(0);
      expect(report.chain).toHaveLength(2); // the server's side is still fully reported
      expect(report.ok).toBe(false);
    });

    it(`a valid client certificate is accepted (TLS ${version})`, async () => {
      const report = await probe(`localhost:${ports.mtls}`, withClient('device-1', { tlsMax: version }));
      expect(report.problems).toEqual([]);
      expect(report.clientAuth).toMatchObject({ requested: true, certificatesSent: 1, accepted: true });
      expect(report.clientAuth.offered?.commonName).toBe('device-1');
    });

    it(`a certificate from an unknown CA is refused: CLIENT_CERT_REJECTED, unknown_ca (TLS ${version})`, async () => {
      const report = await probe(`localhost:${ports.mtls}`, withClient('device-rogue', { tlsMax: version }));
      expect(codes(report)).toEqual(['CLIENT_CERT_REJECTED']);
      expect(report.clientAuth).toMatchObject({ accepted: false, serverAlert: 'unknown_ca' });
    });

    it(`a revoked client certificate is refused: CLIENT_CERT_REJECTED, certificate_revoked (TLS ${version})`, async () => {
      const report = await probe(
        `localhost:${ports.mtls}`,
        withClient('device-revoked', { tlsMax: version, mqtt: true }),
      );
      expect(codes(report)).toEqual(['CLIENT_CERT_REJECTED']);
      expect(report.clientAuth).toMatchObject({ accepted: false, serverAlert: 'certificate_revoked' });
      expect(report.problems[0]!.message).toMatch(/revoked/);
    });
  }

  it('what the server asks for agrees with s_client (no CA names from Mosquitto)', async () => {
    const report = await probe(`localhost:${ports.mtls}`, withClient('device-1'));
    const judge = await sClient(ports.mtls!, ['-servername', 'localhost', '-tls1_2']);
    expect(judge.output).toMatch(/No client certificate CA names sent/);
    expect(report.clientAuth.acceptableCAs).toEqual([]);
  });

  it('an encrypted key with its passphrase, and a PKCS#12, both connect with MQTT', async () => {
    const encrypted = readFileSync(pki.pki.encryptKey('device-1', 'k3y pass'), 'utf8');
    const base = withClient('device-1', { mqtt: true });
    const viaEncrypted = await probe(`localhost:${ports.mtls}`, {
      ...base,
      clientCert: {
        kind: 'pem',
        certPem: readFileSync(pki.client, 'utf8'),
        keyPem: encrypted,
        passphrase: 'k3y pass',
      },
    });
    expect(viaEncrypted.problems).toEqual([]);
    expect(viaEncrypted.mqtt?.returnCode).toBe(0);
    const p12 = readFileSync(pki.pki.pkcs12('device-1', [pki.inter.cert], 'p12 pass'));
    const viaPkcs12 = await probe(`localhost:${ports.mtls}`, {
      ...base,
      clientCert: { kind: 'pkcs12', pfx: p12, passphrase: 'p12 pass', label: 'device-1.p12' },
    });
    expect(viaPkcs12.problems).toEqual([]);
    expect(viaPkcs12.clientAuth.accepted).toBe(true);
    expect(viaPkcs12.mqtt?.returnCode).toBe(0);
  });

  it('a wrong passphrase or a key of another certificate is one clear error before any traffic', async () => {
    const encrypted = readFileSync(pki.pki.encryptKey('device-1', 'right'), 'utf8');
    const attempt = (options: ProbeOptions) =>
      probe(`localhost:${ports.mtls}`, options).then(
        () => null,
        (error: unknown) => error,
      );
    const wrong = await attempt({
      clientCert: {
        kind: 'pem',
        certPem: readFileSync(pki.client, 'utf8'),
        keyPem: encrypted,
        passphrase: 'wrong',
        label: 'device-1.crt',
      },
    });
    expect(isUserError(wrong)).toBe(true);
    expect((wrong as Error).message).toMatch(/device-1\.crt key: .*passphrase/);
    const mismatch = await attempt({
      clientCert: {
        kind: 'pem',
        certPem: readFileSync(pki.client, 'utf8'),
        keyPem: readFileSync(pki.key('server'), 'utf8'),
        label: 'device-1.crt',
      },
    });
    expect(isUserError(mismatch)).toBe(true);
    expect((mismatch as Error).message).toMatch(/device-1\.crt: the private key does not belong/);
  });
});

describe('the MQTT login behind TLS', () => {
  it('no credentials on a password listener: MQTT_NOT_AUTHORIZED', async () => {
    const report = await probe(`localhost:${ports.password}`, {
      trust: { caPem: readFileSync(pki.root.cert, 'utf8') },
      mqtt: true,
    });
    expect(codes(report)).toEqual(['MQTT_NOT_AUTHORIZED']);
    expect(report.mqtt?.returnCode).toBe(5);
    expect(report.protocol).toBe('TLSv1.3'); // TLS itself was fine
  });

  it('a wrong password: MQTT_NOT_AUTHORIZED; the right one: ok', async () => {
    const trust = { caPem: readFileSync(pki.root.cert, 'utf8') };
    const wrong = await probe(`localhost:${ports.password}`, {
      trust,
      mqtt: { username: 'alice', password: 'nope' },
    });
    expect(codes(wrong)).toEqual(['MQTT_NOT_AUTHORIZED']);
    const right = await probe(`localhost:${ports.password}`, {
      trust,
      mqtt: { username: 'alice', password: 'wonderland', clientId: 'alice-1' },
    });
    expect(right.problems).toEqual([]);
    expect(right.ok).toBe(true);
    expect(right.mqtt).toMatchObject({ returnCode: 0, clientId: 'alice-1', username: 'alice' });
  });

  it('use_identity_as_username: the certificate is the login', async () => {
    const report = await probe(`localhost:${ports.identity}`, withClient('device-1', { mqtt: true }));
    expect(report.problems).toEqual([]);
    expect(report.mqtt?.returnCode).toBe(0);
    expect(mosquitto.log()).toMatch(
      /New client connected from 127\.0\.0\.1:\d+ as \S+ \(p2, c1, k30, u'device-1'\)/,
    );
  });
});
