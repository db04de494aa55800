import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { InspectProbeParams, InspectResult } from '../../api/contract/inspect.js';
import { connackCode } from '../../core/inspect/connack-codes.js';
import { PROBLEM_CODES } from '../../core/problems.js';
import { UserError } from '../../core/user-error.js';
import type { CliContext, Command } from '../command.js';
import { UsageError } from '../command.js';

function readFile(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UserError(`${file}: cannot read the ${what} (${code})`, 'FILE_UNREADABLE', { file });
  }
}

/** "Problem codes: A, B, …." — every code of PROBLEM_CODES, wrapped like the rest of the help text. */
function problemCodeLines(width = 105): string[] {
  const words = `Problem codes: ${PROBLEM_CODES.join(', ')}.`.split(' ');
  const lines: string[] = [];
  for (const word of words) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last]!.length + 1 + word.length <= width) lines[last] += ` ${word}`;
    else lines.push(word);
  }
  return lines;
}

function readSecret(file: string, what: string): string {
  return readFile(file, what)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

function tlsVersion(ctx: CliContext, name: string): '1.2' | '1.3' | undefined {
  const value = ctx.option(name);
  if (value === undefined) return undefined;
  if (value !== '1.2' && value !== '1.3')
    throw new UsageError(`--${name} must be 1.2 or 1.3, not '${value}'`);
  return value;
}

function listOption(ctx: CliContext, name: string): string[] {
  const raw = ctx.values[name];
  const values = Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : [];
  return values
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter(Boolean);
}

/** Build the api params from the command line (files are read here; errors name them). */
async function probeParams(ctx: CliContext, target: string): Promise<InspectProbeParams> {
  const params: InspectProbeParams = { target };
  const ca = ctx.option('ca');
  if (ca) params.trust = { kind: 'pem', pem: readFile(ca, 'CA file').toString('utf8'), label: ca };
  const servername = ctx.option('servername');
  if (servername) params.servername = servername;
  const alpn = listOption(ctx, 'alpn');
  if (alpn.length > 0) params.alpn = alpn;
  const passphraseFile = ctx.option('passphrase-file');
  const passphrase = passphraseFile ? readSecret(passphraseFile, 'passphrase file') : undefined;
  const cert = ctx.option('cert');
  const key = ctx.option('key');
  if (key && !cert) throw new UsageError('--key needs --cert');
  if (cert) {
    const certBytes = readFile(cert, 'client certificate');
    const { looksLikePkcs12 } = await import('../../core/pki/index.js');
    if (looksLikePkcs12(certBytes) && !key) {
      params.clientCert = {
        kind: 'pkcs12',
        pfx: certBytes.toString('base64'),
        label: cert,
        ...(passphrase !== undefined ? { passphrase } : {}),
      };
    } else {
      if (!key) throw new UsageError('--cert needs --key (or give a PKCS#12 file as --cert)');
      params.clientCert = {
        kind: 'pem',
        certPem: certBytes.toString('utf8'),
        keyPem: readFile(key, 'private key').toString('utf8'),
        label: cert,
        ...(passphrase !== undefined ? { passphrase } : {}),
      };
    }
  }
  const tlsMin = tlsVersion(ctx, 'tls-min');
  const tlsMax = tlsVersion(ctx, 'tls-max');
  if (tlsMin) params.tlsMin = tlsMin;
  if (tlsMax) params.tlsMax = tlsMax;
  const crl = ctx.option('crl');
  if (crl) params.crlPem = readFile(crl, 'CRL file').toString('utf8');
  const username = ctx.option('username');
  const passwordFile = ctx.option('password-file');
  const clientId = ctx.option('client-id');
  const mqttVersion = ctx.option('mqtt-version');
  if (mqttVersion !== undefined && mqttVersion !== '3.1.1' && mqttVersion !== '5') {
    throw new UsageError(`--mqtt-version must be 3.1.1 or 5, not '${mqttVersion}'`);
  }
  if (
    ctx.values.mqtt === true ||
    username !== undefined ||
    passwordFile !== undefined ||
    clientId !== undefined ||
    mqttVersion !== undefined
  ) {
    params.mqtt = {
      ...(mqttVersion === '5' ? { protocolVersion: 5 as const } : {}),
      ...(clientId !== undefined ? { clientId } : {}),
      ...(username !== undefined ? { username } : {}),
      ...(passwordFile !== undefined ? { password: readSecret(passwordFile, 'password file') } : {}),
    };
  }
  const timeout = ctx.option('timeout');
  if (timeout !== undefined) {
    const seconds = Number(timeout);
    if (!Number.isFinite(seconds) || seconds < 0.1 || seconds > 120) {
      throw new UsageError(`--timeout must be a number of seconds from 0.1 to 120, not '${timeout}'`);
    }
    params.timeoutMs = Math.round(seconds * 1000);
  }
  const keyLog = ctx.option('key-log');
  if (keyLog !== undefined) {
    // The api wants an absolute path (a key log lands exactly where the user says): resolve it here.
    params.keyLogFile = keyLog === '' ? keyLog : resolve(keyLog);
  }
  return params;
}

function day(iso: string): string {
  return iso.slice(0, 10);
}

function printHuman(ctx: CliContext, result: InspectResult): void {
  ctx.out(`${result.target}: ${result.ok ? 'OK' : 'FAILED'}`);
  if (result.protocol) {
    const parts = [
      result.protocol,
      result.cipher,
      result.keyExchange ? `key exchange ${result.keyExchange}` : null,
      `SNI ${result.servername ?? '(none)'}`,
      `ALPN ${result.alpn ?? '(none)'}`,
    ];
    ctx.out(`  ${parts.filter(Boolean).join(', ')}`);
  }
  if (result.chain.length > 0) {
    ctx.out(`chain as sent (${result.chain.length}):`);
    result.chain.forEach((certificate, index) => {
      ctx.out(`  #${index + 1} ${certificate.subject}`);
      ctx.out(
        `     issuer ${certificate.issuer}; valid ${day(certificate.notBefore)} to ${day(certificate.notAfter)}`,
      );
      ctx.out(`     sha256 ${certificate.fingerprint256}`);
    });
  }
  const auth = result.clientAuth;
  if (auth.requested) {
    const names = auth.acceptableCAs.length > 0 ? auth.acceptableCAs.join('; ') : 'no CA names given';
    const verdict =
      auth.accepted === true
        ? 'accepted'
        : auth.accepted === false
          ? 'refused'
          : auth.certificatesSent === 0
            ? 'none sent'
            : 'verdict unknown';
    ctx.out(`client certificate: requested (${names}); ours: ${verdict}`);
  }
  if (result.mqtt) {
    const mqtt = result.mqtt;
    if (mqtt.protocolVersion === 5) {
      ctx.out(
        `MQTT 5: ${mqtt.returnCode !== null ? `${connackCode(mqtt.returnCode, 5)} (${mqtt.result})` : mqtt.result}${mqtt.reasonString !== undefined ? `, reason string "${mqtt.reasonString}"` : ''}`,
      );
    } else {
      ctx.out(
        `MQTT: ${mqtt.returnCode !== null ? `CONNACK ${mqtt.returnCode} (${mqtt.result})` : mqtt.result}`,
      );
    }
  }
  for (const problem of result.problems) {
    ctx.out(`${problem.code}: ${problem.message}`);
    ctx.out(`  fix: ${problem.fix}`);
    for (const fix of result.fixes.filter((f) => f.problem === problem.code)) {
      ctx.out(`  one click in the Inspector view: ${fix.label.replace(/…$/, '')}: ${fix.detail}`);
    }
  }
  if (result.brokerSide) {
    ctx.out(`our broker (${result.brokerSide.listener}) logged for this connection:`);
    for (const event of result.brokerSide.events) ctx.out(`  ${event.time} ${event.message}`);
  }
  for (const note of result.notes) {
    ctx.out(`note: ${note.message}`);
    ctx.out(`  ${note.fix}`);
  }
  if (result.keyLog) {
    ctx.out(
      `TLS key log: ${result.keyLog.lines} line${result.keyLog.lines === 1 ? '' : 's'} appended to ${result.keyLog.path} (anyone with this file can decrypt the probe's traffic)`,
    );
  }
  ctx.out(`same check with openssl: ${result.opensslCommand}`);
}

/** The inspect commands of CLI.md. See src-main/api/FOUNDATION.md. */
export const inspectCommands: Command[] = [
  {
    name: 'inspect',
    summary: 'Probe a broker: the TLS handshake both ways, the chain as sent, and what is wrong with the fix',
    usage:
      'HOST:PORT [--ca FILE] [--servername NAME] [--alpn PROTO] [--cert FILE --key FILE] [--tls-min 1.2|1.3] [--mqtt] [--mqtt-version 3.1.1|5] [--key-log FILE] [--json]',
    options: {
      ca: {
        type: 'string',
        value: 'FILE',
        description: "CA certificates to trust (PEM); default: the system's roots",
      },
      servername: {
        type: 'string',
        value: 'NAME',
        description: 'SNI to send and name to check, instead of HOST',
      },
      alpn: {
        type: 'string',
        value: 'PROTO',
        description: 'ALPN protocol to offer (repeat or comma-separate)',
        multiple: true,
      },
      cert: {
        type: 'string',
        value: 'FILE',
        description: 'client certificate (PEM, with --key) or a PKCS#12 file',
      },
      key: {
        type: 'string',
        value: 'FILE',
        description: 'private key of --cert (PEM or DER, may be encrypted)',
      },
      'passphrase-file': {
        type: 'string',
        value: 'FILE',
        description: 'passphrase of the key or the PKCS#12 file',
      },
      'tls-min': { type: 'string', value: '1.2|1.3', description: 'lowest TLS version to offer' },
      'tls-max': { type: 'string', value: '1.2|1.3', description: 'highest TLS version to offer' },
      crl: { type: 'string', value: 'FILE', description: "CRL(s) to check the server's chain against" },
      mqtt: {
        type: 'boolean',
        description: 'send an MQTT CONNECT after the handshake and report the CONNACK',
      },
      'mqtt-version': {
        type: 'string',
        value: '3.1.1|5',
        description:
          'MQTT version of that CONNECT (default 3.1.1; 5 shows the reason code and Reason String; implies --mqtt)',
      },
      username: { type: 'string', value: 'U', description: 'MQTT username (implies --mqtt)' },
      'password-file': {
        type: 'string',
        value: 'FILE',
        description: 'MQTT password, read from a file (implies --mqtt)',
      },
      'client-id': { type: 'string', value: 'ID', description: 'MQTT client id (implies --mqtt)' },
      timeout: { type: 'string', value: 'SECONDS', description: 'give up after this long (default 10)' },
      'key-log': {
        type: 'string',
        value: 'FILE',
        description:
          "append the probe's TLS secrets to FILE (NSS key log, for Wireshark; mode 0600, outside the workspace)",
      },
    },
    details: [
      'Targets: HOST:PORT or [IPv6]:PORT (TLS), wss://HOST:PORT/PATH (TLS + WebSocket), and for diagnosis',
      'mqtt://HOST:PORT or ws://HOST:PORT/PATH (plain).',
      'Exit 0 when the handshake (and with --mqtt, the CONNECT) succeeded and nothing would make a client',
      'refuse the server; 1 otherwise. --json prints { ok, protocol, cipher, servername, alpn, chain, problems }',
      'with the chain exactly as the server sent it, plus keyExchange, clientAuth, validation, mqtt and timeline.',
      '--key-log FILE appends the TLS secrets of every handshake the probe makes (NSS SSLKEYLOGFILE format) so',
      'Wireshark can decrypt a capture of it (TLS → (Pre)-Master-Secret log filename). Anyone who has this file',
      'can decrypt that traffic: keep it private and delete it when you are done.',
      ...problemCodeLines(),
    ].join('\n'),
    examples: [
      'mqtt-tls-studio inspect localhost:8883 --ca ca.crt',
      'mqtt-tls-studio inspect broker.example:8883 --ca ca.crt --cert device-1.crt --key device-1.key --mqtt',
      'mqtt-tls-studio inspect a1b2c3.iot.eu-west-1.amazonaws.com:443 --alpn x-amzn-mqtt-ca --cert dev.p12 --passphrase-file pass.txt',
      'mqtt-tls-studio inspect 10.0.0.5:8883 --servername broker.internal --tls-min 1.3 --json',
      'mqtt-tls-studio inspect wss://broker.example:443/mqtt --mqtt --username alice --password-file pw.txt',
      'mqtt-tls-studio inspect localhost:8883 --ca ca.crt --mqtt --key-log /tmp/mqtt-keys.log',
    ],
    async run(ctx) {
      if (ctx.positionals.length !== 1) throw new UsageError('inspect needs exactly one target: HOST:PORT');
      const params = await probeParams(ctx, ctx.positionals[0]!);
      const files = {
        ...(ctx.option('ca') ? { ca: ctx.option('ca') } : {}),
        ...(ctx.option('cert') ? { cert: ctx.option('cert') } : {}),
        ...(ctx.option('key') ? { key: ctx.option('key') } : {}),
        ...(ctx.option('crl') ? { crl: ctx.option('crl') } : {}),
      };
      const result = await ctx.call('inspect.probe', { ...params, remember: false }).catch((error) => {
        // The api names its field; on the command line the user typed --key-log.
        if (error instanceof UserError && error.code === 'BAD_KEY_LOG') {
          throw new UserError(error.message.replace(/^keyLogFile:/, '--key-log:'), error.code, {
            field: '--key-log',
          });
        }
        throw error;
      });
      const command = await ctx.call('inspect.opensslCommand', {
        target: params.target,
        ...(params.servername ? { servername: params.servername } : {}),
        ...(params.alpn ? { alpn: params.alpn } : {}),
        ...(params.tlsMin ? { tlsMin: params.tlsMin } : {}),
        ...(params.tlsMax ? { tlsMax: params.tlsMax } : {}),
        ...(params.keyLogFile ? { keyLogFile: params.keyLogFile } : {}),
        files,
      });
      result.opensslCommand = command;
      if (ctx.json) {
        ctx.printJson({
          ok: result.ok,
          protocol: result.protocol,
          cipher: result.cipher,
          servername: result.servername,
          alpn: result.alpn,
          chain: result.chain.map((certificate) => ({
            subject: certificate.subject,
            issuer: certificate.issuer,
            serial: certificate.serial,
            notBefore: certificate.notBefore,
            notAfter: certificate.notAfter,
            fingerprint256: certificate.fingerprint256,
          })),
          problems: result.problems,
          target: result.target,
          keyExchange: result.keyExchange,
          cipherIana: result.cipherIana,
          chainShape: result.chainShape,
          validation: result.validation,
          clientAuth: result.clientAuth,
          mqtt: result.mqtt,
          notes: result.notes,
          timeline: result.timeline,
          opensslCommand: result.opensslCommand,
          fixes: result.fixes,
          brokerSide: result.brokerSide,
          durationMs: result.durationMs,
          ...(result.keyLog ? { keyLog: result.keyLog } : {}),
        });
      } else {
        printHuman(ctx, result);
      }
      return result.ok ? 0 : 1;
    },
  },
];
