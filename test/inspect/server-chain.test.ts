/**
 * The server side of the handshake against Debian's Mosquitto, one listener per broken setup: the
 * inspector must name the problem, and agree with `openssl s_client` where s_client shows the same fact.
 */
import { readFileSync } from 'node:fs';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  opensslCommand,
  probe,
  type InspectReport,
  type ProbeOptions,
} from '../../src-main/core/inspect/index.js';
import { startMosquitto, type RunningMosquitto } from '../helpers/mosquitto.js';
import { freePort, waitForPort } from '../helpers/ports.js';
import { run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';
import { buildTestPki, type TestPki } from './openssl-pki.js';
import { sClient } from './s-client.js';

const dir = tempDir('mts-inspect-chain-');
let pki: TestPki;
let mosquitto: RunningMosquitto;
const ports: Record<string, number> = {};

function trustRoot(): ProbeOptions['trust'] {
  return { caPem: readFileSync(pki.root.cert, 'utf8'), label: 'root.crt' };
}

function codes(report: InspectReport): string[] {
  return report.problems.map((problem) => problem.code);
}

beforeAll(async () => {
  pki = buildTestPki(dir);
  const tls = (certfile: string, key: string) => [`certfile ${certfile}`, `keyfile ${pki.key(key)}`];
  const listeners: Record<string, string[]> = {
    healthy: tls(pki.serverChain, 'server'),
    messy: tls(pki.messyChain, 'server'),
    leafOnly: tls(pki.server, 'server'),
    expired: tls(pki.expiredChain, 'expired'),
    future: tls(pki.futureChain, 'future'),
    otherHost: tls(pki.otherHostChain, 'other-host'),
    ipInCn: tls(pki.ipInCnChain, 'ip-in-cn'),
    selfSigned: tls(pki.selfSigned, 'self-signed'),
    clientEku: tls(pki.clientEkuChain, 'client-eku'),
    revoked: tls(pki.revokedServerChain, 'revoked-server'),
    tls13only: [...tls(pki.serverChain, 'server'), 'tls_version tlsv1.3'],
    plain: [],
    wss: ['protocol websockets', ...tls(pki.serverChain, 'server')],
  };
  const lines = ['per_listener_settings true', 'log_dest stderr', 'log_type all'];
  for (const [name, settings] of Object.entries(listeners)) {
    ports[name] = await freePort();
    lines.push(`listener ${ports[name]} 127.0.0.1`, 'allow_anonymous true', ...settings);
  }
  mosquitto = await startMosquitto(dir, lines.join('\n') + '\n', ports.healthy!);
  await Promise.all(Object.values(ports).map((port) => waitForPort(port)));
});

afterAll(async () => {
  await mosquitto?.stop();
});

describe('a healthy listener', () => {
  it('reports no problem and agrees with openssl s_client on chain, protocol and cipher (TLS 1.3)', async () => {
    const report = await probe(`localhost:${ports.healthy}`, { trust: trustRoot(), mqtt: true });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.mqtt?.returnCode).toBe(0);
    expect(report.validation.trusted).toBe(true);
    expect(report.validation.hostname).toMatchObject({ name: 'localhost', matched: true, matchedBy: 'SAN' });
    const judge = await sClient(ports.healthy!, ['-servername', 'localhost', '-CAfile', pki.root.cert]);
    expect(judge.output).toContain('Verify return code: 0 (ok)');
    expect(report.chain.map((certificate) => certificate.fingerprint256)).toEqual(judge.chain);
    expect(report.chain.map((certificate) => certificate.subject)).toEqual([
      'CN=localhost',
      'CN=Inspect Test Intermediate',
    ]);
    expect(report.protocol).toBe(judge.protocol);
    expect(report.cipher).toBe(judge.cipher);
    expect(judge.tempKey?.toLowerCase()).toContain(report.keyExchange!.toLowerCase());
    const events = report.timeline.map((entry) => `${entry.from} ${entry.event}`);
    expect(events).toEqual(
      expect.arrayContaining([
        'client ClientHello',
        'server ServerHello',
        'server Certificate',
        'server Finished',
        'client CONNECT',
        'server CONNACK',
      ]),
    );
    expect(report.timeline.find((entry) => entry.event === 'Certificate')?.encrypted).toBe(true);
  });

  it('agrees with s_client -tls1_2 as well, and reads the key-exchange group from ServerKeyExchange', async () => {
    const report = await probe(`localhost:${ports.healthy}`, { trust: trustRoot(), tlsMax: '1.2' });
    expect(report.problems).toEqual([]);
    const judge = await sClient(ports.healthy!, [
      '-servername',
      'localhost',
      '-CAfile',
      pki.root.cert,
      '-tls1_2',
    ]);
    expect(report.protocol).toBe('TLSv1.2');
    expect(report.protocol).toBe(judge.protocol);
    expect(report.cipher).toBe(judge.cipher);
    expect(report.chain.map((certificate) => certificate.fingerprint256)).toEqual(judge.chain);
    expect(judge.tempKey?.toLowerCase()).toContain(report.keyExchange!.toLowerCase());
    expect(report.timeline.some((entry) => entry.event === 'ServerKeyExchange')).toBe(true);
  });

  it('matches with an SNI override: 127.0.0.1 with servername other.example', async () => {
    const report = await probe(`127.0.0.1:${ports.otherHost}`, {
      trust: trustRoot(),
      servername: 'other.example',
    });
    expect(report.problems).toEqual([]);
    expect(report.servername).toBe('other.example');
    expect(report.validation.hostname?.name).toBe('other.example');
  });

  it('gives an openssl command that s_client runs to the same verdict', async () => {
    const command = opensslCommand(`localhost:${ports.healthy}`, { caFile: pki.root.cert });
    expect(command).toContain(`-connect localhost:${ports.healthy}`);
    const result = await run('sh', ['-c', command], { timeoutMs: 15_000 });
    expect(result.stdout + result.stderr).toContain('Verify return code: 0 (ok)');
    const broken = opensslCommand(`localhost:${ports.leafOnly}`, { caFile: pki.root.cert });
    const refused = await run('sh', ['-c', broken], { timeoutMs: 15_000 });
    expect(refused.stdout + refused.stderr).toMatch(
      /Verify return code: 20 \(unable to get local issuer certificate\)/,
    );
  });
});

describe('the chain exactly as the server sent it', () => {
  for (const version of ['1.3', '1.2'] as const) {
    it(`keeps order, duplicate and root in TLS ${version}, where getPeerCertificate(true) re-links them`, async () => {
      const report = await probe(`localhost:${ports.messy}`, { trust: trustRoot(), tlsMax: version });
      expect(report.protocol).toBe(`TLSv${version}`);
      const judge = await sClient(ports.messy!, [
        '-servername',
        'localhost',
        version === '1.3' ? '-tls1_3' : '-tls1_2',
      ]);
      const fingerprints = report.chain.map((certificate) => certificate.fingerprint256);
      expect(fingerprints).toEqual(judge.chain);
      expect(report.chain.map((certificate) => certificate.commonName)).toEqual([
        'localhost',
        'Inspect Test Root',
        'Inspect Test Intermediate',
        'Inspect Test Intermediate',
      ]);
      expect(report.chainShape).toMatchObject({ count: 4, inOrder: false, duplicates: [3], rootSent: true });
      expect(report.problems).toEqual([]); // clients cope with it; the notes say what to tidy
      expect(report.notes.map((note) => note.message).join('\n')).toMatch(
        /out of order[\s\S]*more than once[\s\S]*root CA too/,
      );

      // What Node's API shows for the same server: re-linked by issuer, so not what was sent.
      const nodeView = await new Promise<string[]>((resolve, reject) => {
        const socket = tlsConnect({
          host: '127.0.0.1',
          port: ports.messy!,
          servername: 'localhost',
          ca: readFileSync(pki.root.cert),
          maxVersion: `TLSv${version}`,
        });
        socket.once('secureConnect', () => {
          const names: string[] = [];
          let certificate = socket.getPeerCertificate(true);
          const seen = new Set<string>();
          while (certificate && !seen.has(certificate.fingerprint256)) {
            seen.add(certificate.fingerprint256);
            names.push(certificate.subject.CN as string);
            certificate = certificate.issuerCertificate;
          }
          socket.destroy();
          resolve(names);
        });
        socket.once('error', reject);
      });
      expect(nodeView).toEqual(['localhost', 'Inspect Test Intermediate', 'Inspect Test Root']);
    });
  }
});

describe('each broken server setup is named', () => {
  const cases: Array<{
    name: string;
    listener: string;
    target?: (port: number) => string;
    options?: () => ProbeOptions;
    code: string;
    sClientArgs?: () => string[];
    sClientSays?: RegExp;
  }> = [
    {
      name: 'untrusted root (the client trusts another CA)',
      listener: 'healthy',
      options: () => ({ trust: { caPem: readFileSync(pki.rogue.cert, 'utf8'), label: 'rogue.crt' } }),
      code: 'UNTRUSTED_ROOT',
      sClientArgs: () => ['-CAfile', pki.rogue.cert],
      sClientSays: /Verify return code: 20 \(unable to get local issuer certificate\)/,
    },
    {
      name: 'missing intermediate (certfile without it)',
      listener: 'leafOnly',
      code: 'MISSING_INTERMEDIATE',
      sClientArgs: () => ['-CAfile', pki.root.cert],
      sClientSays: /Verify return code: 21 \(unable to verify the first certificate\)/,
    },
    {
      name: 'expired server certificate',
      listener: 'expired',
      code: 'EXPIRED',
      sClientArgs: () => ['-CAfile', pki.root.cert],
      sClientSays: /Verify return code: 10 \(certificate has expired\)/,
    },
    {
      name: 'server certificate not yet valid',
      listener: 'future',
      code: 'NOT_YET_VALID',
      sClientArgs: () => ['-CAfile', pki.root.cert],
      sClientSays: /Verify return code: 9 \(certificate is not yet valid\)/,
    },
    {
      name: 'host name not in the SAN',
      listener: 'otherHost',
      code: 'HOSTNAME_MISMATCH',
      sClientArgs: () => ['-CAfile', pki.root.cert, '-verify_hostname', 'localhost'],
      sClientSays: /Verify return code: 62 \(hostname mismatch\)/,
    },
    {
      name: 'IP address only in the CN',
      listener: 'ipInCn',
      target: (port) => `127.0.0.1:${port}`,
      code: 'HOSTNAME_MISMATCH',
      sClientArgs: () => ['-CAfile', pki.root.cert, '-verify_ip', '127.0.0.1'],
      sClientSays: /Verify return code: 64 \(IP address mismatch\)/,
    },
    {
      name: 'self-signed leaf',
      listener: 'selfSigned',
      code: 'SELF_SIGNED_LEAF',
      sClientArgs: () => ['-CAfile', pki.root.cert],
      sClientSays: /Verify return code: 18 \(self-signed certificate\)/,
    },
    {
      name: 'wrong EKU (a client certificate on the server)',
      listener: 'clientEku',
      code: 'WRONG_PURPOSE',
      sClientArgs: () => ['-CAfile', pki.root.cert, '-purpose', 'sslserver'],
      sClientSays: /Verify return code: 26 \(unsuitable certificate purpose\)/,
    },
    {
      name: 'revoked server certificate (with the CRL)',
      listener: 'revoked',
      options: () => ({ trust: trustRoot(), crlPem: readFileSync(pki.crl, 'utf8') }),
      code: 'REVOKED',
      sClientArgs: () => ['-CAfile', pki.root.cert, '-CRL', pki.crl, '-crl_check'],
      sClientSays: /Verify return code: 23 \(certificate revoked\)/,
    },
  ];
  for (const testCase of cases) {
    it(testCase.name, async () => {
      const port = ports[testCase.listener]!;
      const report = await probe(
        testCase.target?.(port) ?? `localhost:${port}`,
        testCase.options?.() ?? { trust: trustRoot() },
      );
      expect(codes(report)).toContain(testCase.code);
      expect(report.ok).toBe(false);
      for (const problem of report.problems) {
        expect(problem.message.length).toBeGreaterThan(20);
        expect(problem.fix.length).toBeGreaterThan(10);
      }
      if (testCase.sClientArgs) {
        const judge = await sClient(port, ['-servername', 'localhost', ...testCase.sClientArgs()]);
        expect(judge.output).toMatch(testCase.sClientSays!);
        expect(report.chain.map((certificate) => certificate.fingerprint256)).toEqual(judge.chain);
      }
    });
  }

  it('IP only in the CN is called out as such', async () => {
    const report = await probe(`127.0.0.1:${ports.ipInCn}`, { trust: trustRoot() });
    expect(report.validation.hostname).toMatchObject({
      name: '127.0.0.1',
      kind: 'ip',
      matched: false,
      ipOnlyInCommonName: true,
    });
    expect(report.problems.find((problem) => problem.code === 'HOSTNAME_MISMATCH')?.message).toMatch(
      /only in the CN/,
    );
  });

  it('the system roots do not trust a private CA either', async () => {
    const report = await probe(`localhost:${ports.healthy}`, {});
    expect(codes(report)).toContain('UNTRUSTED_ROOT');
    expect(report.validation.trust).toMatch(/system|Node/);
  });
});

describe('versions and transports', () => {
  it('a TLS 1.3-only listener refuses a client limited to TLS 1.2 (PROTOCOL_VERSION), as s_client -tls1_2 sees', async () => {
    const report = await probe(`localhost:${ports.tls13only}`, { trust: trustRoot(), tlsMax: '1.2' });
    expect(codes(report)).toEqual(['PROTOCOL_VERSION']);
    expect(report.clientAuth.serverAlert).toBe('protocol_version');
    const judge = await sClient(ports.tls13only!, ['-servername', 'localhost', '-tls1_2']);
    expect(judge.output).toMatch(/alert protocol version/);
    const ok = await probe(`localhost:${ports.tls13only}`, { trust: trustRoot(), tlsMin: '1.3' });
    expect(ok.problems).toEqual([]);
    expect(ok.protocol).toBe('TLSv1.3');
  });

  it('plain MQTT on the port a client thinks is TLS: NOT_TLS', async () => {
    const report = await probe(`localhost:${ports.plain}`, { trust: trustRoot() });
    expect(codes(report)).toEqual(['NOT_TLS']);
    expect(report.problems[0]!.message).toMatch(/plain MQTT/);
  });

  it('plain MQTT sent to a TLS port: TLS_ON_PLAIN_PORT', async () => {
    const report = await probe(`mqtt://localhost:${ports.healthy}`, { trust: trustRoot() });
    expect(codes(report)).toEqual(['TLS_ON_PLAIN_PORT']);
  });

  it('a plain port probed as plain MQTT answers CONNACK 0', async () => {
    const report = await probe(`mqtt://127.0.0.1:${ports.plain}`, {});
    expect(report.ok).toBe(true);
    expect(report.mqtt?.returnCode).toBe(0);
  });

  it('MQTT over wss: handshake, WebSocket upgrade, CONNACK', async () => {
    const report = await probe(`wss://localhost:${ports.wss}/mqtt`, { trust: trustRoot(), mqtt: true });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.mqtt?.returnCode).toBe(0);
    expect(report.timeline.map((entry) => entry.event)).toEqual(
      expect.arrayContaining(['HTTP upgrade', 'HTTP response', 'CONNACK']),
    );
  });
});
