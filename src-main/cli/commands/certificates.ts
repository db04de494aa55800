import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '../../core/user-error.js';
import { writeFileAtomic } from '../../core/workspace/atomic-write.js';
import { KEY_TYPE_LABELS, KEY_TYPE_VALUES, REVOCATION_REASON_VALUES } from '../../api/contract/pki-values.js';
import type { CertificateDetail, CertificateSummary } from '../../core/pki/types.js';
import type { CliContext, Command, OptionSpec } from '../command.js';
import { UsageError } from '../command.js';

type KeyTypeValue = (typeof KEY_TYPE_VALUES)[number];

function readInput(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UserError(`${file}: cannot read the ${what} (${code})`, 'FILE_UNREADABLE', { file });
  }
}

/** The passphrase in a file: its first line, without the line ending (as `openssl -passin file:`). */
function readPassphrase(ctx: CliContext): string | undefined {
  const file = ctx.option('passphrase-file');
  if (file === undefined) return undefined;
  return readInput(file, 'passphrase file').toString('utf8').split(/\r?\n/)[0]!;
}

function intOption(ctx: CliContext, name: string, min: number, max: number): number | undefined {
  const text = ctx.option(name);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not '${text}'`);
  }
  return Number(text);
}

function keyTypeOption(ctx: CliContext): KeyTypeValue | undefined {
  const value = ctx.option('key');
  if (value === undefined) return undefined;
  if (!(KEY_TYPE_VALUES as readonly string[]).includes(value)) {
    throw new UsageError(`--key must be one of ${KEY_TYPE_VALUES.join(', ')}, not '${value}'`);
  }
  return value as KeyTypeValue;
}

function profileOption(ctx: CliContext): 'server' | 'client' {
  const value = ctx.required('profile');
  if (value !== 'server' && value !== 'client')
    throw new UsageError(`--profile must be server or client, not '${value}'`);
  return value;
}

function onePositional(ctx: CliContext, what: string): string {
  if (ctx.positionals.length === 0) throw new UsageError(`${what} is required`);
  if (ctx.positionals.length > 1) throw new UsageError(`unexpected argument '${ctx.positionals[1]}'`);
  return ctx.positionals[0]!;
}

function noPositionals(ctx: CliContext): void {
  if (ctx.positionals.length > 0) throw new UsageError(`unexpected argument '${ctx.positionals[0]}'`);
}

function date(iso: string): string {
  return iso.slice(0, 10);
}

const KIND_LABEL: Record<CertificateSummary['kind'], string> = {
  'root-ca': 'root CA',
  'intermediate-ca': 'intermediate CA',
  server: 'server certificate',
  client: 'client certificate',
  imported: 'imported certificate',
};

function keyLabel(keyType: string): string {
  return (KEY_TYPE_LABELS as Record<string, string>)[keyType] ?? keyType;
}

function status(c: CertificateSummary, now = Date.now()): string {
  if (c.revoked) return 'revoked';
  if (Date.parse(c.notAfter) < now) return 'expired';
  if (Date.parse(c.notBefore) > now) return 'not yet valid';
  if (Date.parse(c.notAfter) - now < 30 * 86_400_000) return 'expiring';
  return 'valid';
}

function printIssued(ctx: CliContext, c: CertificateSummary, verb: string): void {
  ctx.out(
    `${verb} ${KIND_LABEL[c.kind]} "${c.name}" (${c.subject})${c.issuerName ? ` signed by "${c.issuerName}"` : ''}`,
  );
  ctx.out(`  ${keyLabel(c.keyType)}, valid until ${c.notAfter}, serial ${c.serial}`);
  if (c.san.length) ctx.out(`  SAN ${c.san.join(', ')}`);
  ctx.out(`  certificate certs/${c.name}.crt${c.hasKey ? `, key keys/${c.name}.key (0600)` : ''}`);
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

function printDetail(
  ctx: CliContext,
  s: CertificateSummary,
  d: CertificateDetail,
  chainNames: string[],
): void {
  const lines: Array<[string, string]> = [
    ['Name', `${s.name} (${KIND_LABEL[s.kind]}${s.hasKey ? ', key in workspace' : ''})`],
    ['Status', status(s) + (s.revoked ? ` on ${s.revoked.at} (${s.revoked.reason})` : '')],
    ['Subject', d.subject.rfc2253],
    ['Issuer', d.issuer.rfc2253 + (s.issuerName ? ` ("${s.issuerName}")` : '')],
    ['Chain', chainNames.join(' → ')],
    ['Serial', d.serial],
    ['Version', String(d.version)],
    ['Not before', d.notBefore],
    ['Not after', d.notAfter],
    [
      'Public key',
      `${d.publicKey.algorithm.toUpperCase()} ${d.publicKey.bits} bits${d.publicKey.curve ? ` (${d.publicKey.curve})` : ''}`,
    ],
    ['Signature', d.signatureAlgorithm.name],
  ];
  if (d.basicConstraints) {
    lines.push([
      'Basic constraints',
      `CA:${d.basicConstraints.ca ? 'TRUE' : 'FALSE'}${d.basicConstraints.pathLen !== undefined ? `, pathlen:${d.basicConstraints.pathLen}` : ''}${d.basicConstraints.critical ? ' (critical)' : ''}`,
    ]);
  }
  if (d.keyUsage)
    lines.push(['Key usage', d.keyUsage.usages.join(', ') + (d.keyUsage.critical ? ' (critical)' : '')]);
  if (d.extendedKeyUsage) lines.push(['Extended key usage', d.extendedKeyUsage.usages.join(', ')]);
  if (d.san.length) lines.push(['Subject alt names', d.san.join(', ')]);
  if (d.subjectKeyId) lines.push(['Subject key id', d.subjectKeyId]);
  if (d.authorityKeyId) lines.push(['Authority key id', d.authorityKeyId]);
  for (const e of d.extensions) {
    if (!['2.5.29.19', '2.5.29.15', '2.5.29.37', '2.5.29.17', '2.5.29.14', '2.5.29.35'].includes(e.oid)) {
      lines.push([e.name, e.value + (e.critical ? ' (critical)' : '')]);
    }
  }
  lines.push(['SHA-256', d.fingerprints.sha256], ['SHA-1', d.fingerprints.sha1]);
  const width = Math.max(...lines.map(([k]) => k.length));
  for (const [k, v] of lines) ctx.out(`${k.padEnd(width)}  ${v}`);
}

/** A batch refusal about `names[i]` names the device list's file and line instead. */
async function deviceError(error: unknown, file: string, text: string): Promise<unknown> {
  if (!(error instanceof UserError)) return error;
  const match = /^names\[(\d+)\]: (.*)$/.exec(error.message);
  // loaded here: the pki stack is not needed to start the command line
  const { parseDeviceLines } = await import('../../core/pki/issue.js');
  const line = match ? parseDeviceLines(text)[Number(match[1])]?.line : undefined;
  if (!match || line === undefined) return error;
  return new UserError(`${file}:${line}: ${match[2]}`, error.code, { file, line });
}

const keyTypeSpec: OptionSpec = {
  type: 'string',
  value: 'TYPE',
  description: `key type: ${KEY_TYPE_VALUES.join(', ')} (default ec-p256)`,
};
const daysSpec: OptionSpec = { type: 'string', value: 'N', description: 'validity in days' };

/** The certificates commands of CLI.md. See src-main/api/FOUNDATION.md. */
export const certificatesCommands: Command[] = [
  {
    name: 'ca create',
    summary: 'Create a root CA, or an intermediate CA signed by its parent',
    usage: '--name NAME --cn CN [--parent CA] [--key TYPE] [--days N] [--path-len N] [--json]',
    options: {
      name: { type: 'string', value: 'NAME', description: 'workspace name (letters, digits, . - _)' },
      cn: { type: 'string', value: 'CN', description: 'common name of the CA' },
      parent: { type: 'string', value: 'CA', description: 'parent CA: makes an intermediate signed by it' },
      key: keyTypeSpec,
      days: {
        ...daysSpec,
        description: 'validity in days (root 3650, intermediate 1825, never past the parent)',
      },
      'path-len': {
        type: 'string',
        value: 'N',
        description: 'how many CAs may stand below it (intermediates default to 0)',
      },
    },
    details: 'Writes certs/NAME.crt, keys/NAME.key (0600) and an empty CRL crl/NAME.crl in the workspace.',
    examples: [
      'mqtt-tls-studio ca create --name root --cn "Plant Root CA"',
      'mqtt-tls-studio ca create --name issuing --cn "Plant Issuing CA" --parent root --key ec-p384',
    ],
    async run(ctx) {
      noPositionals(ctx);
      const parent = ctx.option('parent');
      const keyType = keyTypeOption(ctx);
      const days = intOption(ctx, 'days', 1, 36500);
      const pathLen = intOption(ctx, 'path-len', 0, 32);
      const ca = await ctx.call('pki.createCa', {
        name: ctx.required('name'),
        cn: ctx.required('cn'),
        ...(parent !== undefined ? { parent } : {}),
        ...(keyType ? { keyType } : {}),
        ...(days !== undefined ? { days } : {}),
        ...(pathLen !== undefined ? { pathLen } : {}),
      });
      if (ctx.json) return ctx.printJson(ca);
      printIssued(ctx, ca, 'Created');
      ctx.out(`  CRL crl/${ca.name}.crl`);
    },
  },
  {
    name: 'cert issue',
    summary: 'Issue a server or client certificate (with a new key) from a workspace CA',
    usage:
      '--ca CA --profile server|client --name NAME --cn CN [--san dns:HOST,ip:ADDR,...] [--key TYPE] [--days N] [--json]',
    options: {
      ca: { type: 'string', value: 'CA', description: 'the issuing CA (workspace name)' },
      profile: {
        type: 'string',
        value: 'server|client',
        description: 'server: EKU serverAuth (a broker); client: EKU clientAuth (a device)',
      },
      name: { type: 'string', value: 'NAME', description: 'workspace name' },
      cn: { type: 'string', value: 'CN', description: 'common name (a device id for clients)' },
      san: {
        type: 'string',
        value: 'LIST',
        multiple: true,
        description:
          'subject alternative names, comma separated: dns:HOST, ip:ADDR (servers default to their CN)',
      },
      key: keyTypeSpec,
      days: { ...daysSpec, description: 'validity in days (default 365, never past the CA)' },
    },
    examples: [
      'mqtt-tls-studio cert issue --ca issuing --profile server --name broker --cn broker.local --san dns:broker.local,dns:localhost,ip:127.0.0.1',
      'mqtt-tls-studio cert issue --ca issuing --profile client --name device-7 --cn device-7',
    ],
    async run(ctx) {
      noPositionals(ctx);
      const profile = profileOption(ctx);
      const keyType = keyTypeOption(ctx);
      const days = intOption(ctx, 'days', 1, 36500);
      const sanValues = ctx.values.san;
      const san = (Array.isArray(sanValues) ? sanValues : typeof sanValues === 'string' ? [sanValues] : [])
        .flatMap((v) => v.split(','))
        .map((v) => v.trim())
        .filter((v) => v !== '');
      for (const entry of san) {
        if (!/^(dns|ip|email|uri):./i.test(entry))
          throw new UsageError(`--san entries are dns:HOST or ip:ADDRESS, not '${entry}'`);
      }
      const cert = await ctx.call('pki.issue', {
        ca: ctx.required('ca'),
        profile,
        name: ctx.required('name'),
        cn: ctx.required('cn'),
        ...(san.length ? { san } : {}),
        ...(keyType ? { keyType } : {}),
        ...(days !== undefined ? { days } : {}),
      });
      if (ctx.json) return ctx.printJson(cert);
      printIssued(ctx, cert, 'Issued');
    },
  },
  {
    name: 'cert batch',
    summary: 'Issue client certificates (with new keys) for a list of device ids, in one commit',
    usage: '--ca CA --devices FILE [--key TYPE] [--days N] [--prefix P] [--json]',
    options: {
      ca: { type: 'string', value: 'CA', description: 'the issuing CA (workspace name)' },
      devices: {
        type: 'string',
        value: 'FILE',
        description: 'one device id a line (or a CSV: its first column); # comments and a header are skipped',
      },
      key: keyTypeSpec,
      days: { ...daysSpec, description: 'validity in days (default 365, never past the CA)' },
      prefix: {
        type: 'string',
        value: 'P',
        description: 'put before each id to make the workspace name (the CN stays the device id)',
      },
    },
    details: [
      'Each device id becomes the CN of a client certificate (EKU clientAuth) and its workspace name',
      "(after --prefix). The list follows the Certificates view's batch rules: names of letters, digits,",
      '. - _; a name twice or one the workspace already holds is refused. All certificates and keys are',
      'written in one atomic commit: a refused list leaves the workspace as it was.',
    ].join('\n'),
    examples: [
      'mqtt-tls-studio cert batch --ca issuing --devices devices.txt',
      'mqtt-tls-studio cert batch --ca issuing --devices fleet.csv --prefix plant1- --key ec-p384 --days 730 --json',
    ],
    async run(ctx) {
      noPositionals(ctx);
      const ca = ctx.required('ca');
      const file = ctx.required('devices');
      const keyType = keyTypeOption(ctx);
      const days = intOption(ctx, 'days', 1, 36500);
      const prefix = ctx.option('prefix');
      const text = readInput(file, 'device list').toString('utf8');
      const ids = await ctx.call('pki.parseDeviceList', { text });
      if (ids.length === 0) throw new UserError(`${file}: no device ids found`, 'BAD_NAME', { file });
      const tty = !ctx.json && process.stderr.isTTY === true;
      const off = tty
        ? (await ctx.service()).onEvent((topic, data) => {
            if (topic !== 'pki.batchProgress') return;
            const p = data as { done: number; total: number };
            process.stderr.write(
              `\rmaking keys ${p.done.toLocaleString('en')}/${p.total.toLocaleString('en')}`,
            );
            if (p.done === p.total) process.stderr.write('\rsigning and writing…' + ' '.repeat(16) + '\r');
          })
        : undefined;
      let result;
      try {
        result = await ctx.call('pki.issueBatch', {
          ca,
          profile: 'client',
          names: ids,
          ...(keyType ? { keyType } : {}),
          ...(days !== undefined ? { days } : {}),
          ...(prefix !== undefined ? { prefix } : {}),
        });
      } catch (error) {
        throw await deviceError(error, file, text);
      } finally {
        off?.();
        if (tty) process.stderr.write('\r' + ' '.repeat(40) + '\r');
      }
      if (ctx.json) return ctx.printJson(result);
      const issued = result.issued;
      const first = issued[0]!;
      ctx.out(
        `Issued ${issued.length} client certificate${issued.length === 1 ? '' : 's'} signed by "${first.issuerName ?? ca}" (${keyLabel(first.keyType)}, valid until ${first.notAfter})`,
      );
      const shown = issued.slice(0, 10).map((c) => c.name);
      ctx.out(
        `  ${shown.join(', ')}${issued.length > shown.length ? `, … (${issued.length - shown.length} more)` : ''}`,
      );
      ctx.out(`  certificates certs/NAME.crt, keys keys/NAME.key (0600)`);
    },
  },
  {
    name: 'cert sign-csr',
    summary: 'Sign an external PKCS#10 request (PEM or DER) under a profile',
    usage: '--ca CA --profile server|client --csr FILE --name NAME [--days N] [--json]',
    options: {
      ca: { type: 'string', value: 'CA', description: 'the issuing CA' },
      profile: { type: 'string', value: 'server|client', description: 'the profile to sign under' },
      csr: { type: 'string', value: 'FILE', description: 'the request (PEM or DER)' },
      name: { type: 'string', value: 'NAME', description: 'workspace name of the certificate' },
      days: daysSpec,
    },
    details:
      'The subject and the requested DNS/IP names are taken from the request; key usages and EKU come from the\nprofile. The private key stays with whoever made the request.',
    examples: [
      'openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout dev.key -subj /CN=dev-9 -out dev.csr',
      'mqtt-tls-studio cert sign-csr --ca issuing --profile client --csr dev.csr --name dev-9',
    ],
    async run(ctx) {
      noPositionals(ctx);
      const profile = profileOption(ctx);
      const days = intOption(ctx, 'days', 1, 36500);
      const file = ctx.required('csr');
      const ca = ctx.required('ca');
      const name = ctx.required('name');
      const csr = readInput(file, 'request');
      const cert = await ctx.call('pki.signCsr', {
        ca,
        profile,
        name,
        csr: csr.toString('base64'),
        file,
        ...(days !== undefined ? { days } : {}),
      });
      if (ctx.json) return ctx.printJson(cert);
      printIssued(ctx, cert, 'Signed');
    },
  },
  {
    name: 'cert import',
    summary:
      'Import a certificate (PEM, DER, PKCS#7 or PKCS#12) with its CA chain and optionally its private key',
    usage: '--name NAME --cert FILE [--key FILE] [--passphrase-file F] [--json]',
    options: {
      name: { type: 'string', value: 'NAME', description: 'workspace name of the certificate' },
      cert: {
        type: 'string',
        value: 'FILE',
        description: 'certificate or bundle: PEM, DER, PKCS#7 (.p7b) or PKCS#12 (.p12/.pfx)',
      },
      key: {
        type: 'string',
        value: 'FILE',
        description: 'private key: PEM (PKCS#8, PKCS#1, SEC1, encrypted) or DER',
      },
      'passphrase-file': {
        type: 'string',
        value: 'F',
        description: 'file whose first line is the passphrase (PKCS#12 or encrypted key)',
      },
    },
    details: [
      'The key must belong to the certificate, else nothing is imported.',
      'A bundle (a PKCS#12, or a file with several certificates, in any order) holds one certificate and',
      'its CA certificates: the certificate gets NAME, each CA becomes a root or intermediate CA entry',
      'named after its CN (without key), unless the workspace already holds it. A certificate of the',
      'bundle that is not on the chain is refused, and nothing is imported.',
    ].join('\n'),
    examples: [
      'mqtt-tls-studio cert import --name legacy-broker --cert server.crt --key server.key',
      'mqtt-tls-studio cert import --name phone --cert phone.p12 --passphrase-file pass.txt',
      'mqtt-tls-studio cert import --name gateway --cert fullchain.pem --key gateway.key',
    ],
    async run(ctx) {
      noPositionals(ctx);
      const name = ctx.required('name');
      const certFile = ctx.required('cert');
      const keyFile = ctx.option('key');
      const passphrase = readPassphrase(ctx);
      const cert = readInput(certFile, 'certificate');
      const key = keyFile !== undefined ? readInput(keyFile, 'key') : undefined;
      const result = await ctx.call('pki.import', {
        name,
        cert: cert.toString('base64'),
        certFile,
        ...(key ? { key: key.toString('base64'), keyFile } : {}),
        ...(passphrase !== undefined ? { passphrase } : {}),
      });
      if (ctx.json) return ctx.printJson(result);
      printIssued(ctx, result, 'Imported');
      for (const ca of result.chain) {
        ctx.out(
          `Imported ${KIND_LABEL[ca.kind]} "${ca.name}" (${ca.subject}) from the bundle, no key${ca.issuerName ? `, signed by "${ca.issuerName}"` : ''}`,
        );
      }
      for (const known of result.chainKnown) {
        ctx.out(`  already in the workspace: "${known.name}" (${known.subject})`);
      }
      const top = result.chain[result.chain.length - 1] ?? result;
      if (!top.issuerName && top.subject !== top.issuer) {
        ctx.out(`  its issuer (${top.issuer}) is not in the workspace`);
      }
    },
  },
  {
    name: 'cert revoke',
    summary: "Revoke a certificate and republish its CA's CRL",
    usage: `NAME [--reason REASON] [--json]`,
    options: {
      reason: {
        type: 'string',
        value: 'REASON',
        description: `one of ${REVOCATION_REASON_VALUES.join(', ')} (default unspecified)`,
      },
    },
    examples: [
      'mqtt-tls-studio cert revoke device-7 --reason keyCompromise',
      'mqtt-tls-studio crl --ca issuing --out crl.pem',
    ],
    async run(ctx) {
      const name = onePositional(ctx, 'NAME');
      const reasonText = ctx.option('reason');
      let reason: (typeof REVOCATION_REASON_VALUES)[number] | undefined;
      if (reasonText !== undefined) {
        const wanted = reasonText.replace(/[-_\s]/g, '').toLowerCase();
        reason = REVOCATION_REASON_VALUES.find((r) => r.toLowerCase() === wanted);
        if (!reason)
          throw new UsageError(
            `--reason must be one of ${REVOCATION_REASON_VALUES.join(', ')}, not '${reasonText}'`,
          );
      }
      const cert = await ctx.call('pki.revoke', { name, ...(reason ? { reason } : {}) });
      if (ctx.json) return ctx.printJson(cert);
      ctx.out(
        `Revoked "${cert.name}" (${cert.subject}, serial ${cert.serial}): ${cert.revoked?.reason ?? 'unspecified'}`,
      );
      ctx.out(`  the CRL of "${cert.issuerName}" was republished in crl/${cert.issuerName}.crl`);
    },
  },
  {
    name: 'cert list',
    summary: 'List the certificates of the workspace',
    usage: '[--json]',
    options: {},
    examples: ['mqtt-tls-studio cert list', 'mqtt-tls-studio cert list --json'],
    async run(ctx) {
      noPositionals(ctx);
      const list = await ctx.call('pki.list', {});
      if (ctx.json) return ctx.printJson(list);
      if (list.length === 0) {
        ctx.out('No certificates yet. Start with: mqtt-tls-studio ca create --name root --cn "My Root CA"');
        return;
      }
      const rows = [['NAME', 'KIND', 'CN', 'ISSUER', 'KEY', 'EXPIRES', 'STATUS']];
      for (const c of list) {
        rows.push([
          c.name,
          c.kind,
          c.cn || '-',
          c.issuerName ?? (c.subject === c.issuer ? '(self)' : '?'),
          c.hasKey ? c.keyType : `${c.keyType} (no key)`,
          date(c.notAfter),
          status(c),
        ]);
      }
      for (const line of table(rows)) ctx.out(line);
    },
  },
  {
    name: 'cert show',
    summary: 'Show every field of a certificate, decoded',
    usage: 'NAME [--pem] [--json]',
    options: { pem: { type: 'boolean', description: 'print the PEM too' } },
    examples: ['mqtt-tls-studio cert show broker', 'mqtt-tls-studio cert show device-7 --json'],
    async run(ctx) {
      const name = onePositional(ctx, 'NAME');
      const shown = await ctx.call('pki.show', { name });
      if (ctx.json) return ctx.printJson(shown);
      printDetail(ctx, shown.summary, shown.detail, shown.chainNames);
      if (ctx.values.pem) ctx.out(shown.pem);
    },
  },
  {
    name: 'cert export',
    summary: 'Write a certificate with its key and chain to a folder (PEM, DER or PKCS#12)',
    usage: 'NAME --out DIR [--format pem|der|p12] [--passphrase-file F] [--json]',
    options: {
      out: { type: 'string', value: 'DIR', description: 'output folder (created if needed)' },
      format: { type: 'string', value: 'pem|der|p12', description: 'default pem' },
      'passphrase-file': {
        type: 'string',
        value: 'F',
        description: 'p12: file whose first line is the passphrase (required); pem: encrypt the key with it',
      },
    },
    details: [
      'pem: DIR/NAME.crt (the certificate), DIR/NAME.key (PKCS#8, mode 0600), DIR/NAME.chain.crt (it, then',
      '     every intermediate, no root) and DIR/ca.crt (the root of its chain)',
      'der: DIR/NAME.der',
      'p12: DIR/NAME.p12 with key, certificate, intermediates and root (AES-256, as OpenSSL 3)',
    ].join('\n'),
    examples: [
      'mqtt-tls-studio cert export broker --out /etc/mosquitto/certs',
      'mqtt-tls-studio cert export device-7 --out ./device-7 --format p12 --passphrase-file pass.txt',
    ],
    async run(ctx) {
      const name = onePositional(ctx, 'NAME');
      const format = ctx.option('format') ?? 'pem';
      if (format !== 'pem' && format !== 'der' && format !== 'p12') {
        throw new UsageError(`--format must be pem, der or p12, not '${format}'`);
      }
      const outDir = resolve(ctx.required('out'));
      if (format === 'p12' && ctx.option('passphrase-file') === undefined) {
        throw new UsageError('--passphrase-file is required with --format p12');
      }
      const passphrase = readPassphrase(ctx);
      const result = await ctx.call('pki.export', {
        name,
        outDir,
        format,
        ...(passphrase !== undefined
          ? format === 'p12'
            ? { passphrase }
            : { keyPassphrase: passphrase }
          : {}),
      });
      if (ctx.json) return ctx.printJson(result);
      ctx.out(`Exported "${name}" (${format}):`);
      for (const file of result.files) ctx.out(`  ${file}`);
    },
  },
  {
    name: 'cert lint',
    summary: 'Find what in a workspace certificate breaks MQTT clients and brokers',
    usage: 'NAME [--json]',
    options: {},
    details: 'Exit 1 when there is an error-level finding.',
    examples: ['mqtt-tls-studio cert lint broker'],
    async run(ctx) {
      const name = onePositional(ctx, 'NAME');
      const findings = await ctx.call('pki.lint', { name });
      const errors = findings.filter((f) => f.severity === 'error').length;
      if (ctx.json) ctx.printJson(findings);
      else if (findings.length === 0) ctx.out(`${name}: no findings`);
      else
        for (const f of findings)
          ctx.out(`${name}: ${f.severity}: ${f.message} [${f.code}]\n  fix: ${f.fix}`);
      return errors > 0 ? 1 : 0;
    },
  },
  {
    name: 'cert delete',
    summary: 'Remove a certificate, its key and CRL from the workspace',
    usage: 'NAME',
    options: {},
    details:
      "Refused while it is the issuer of other certificates. A revoked certificate stays on its CA's CRL.",
    examples: ['mqtt-tls-studio cert delete old-device'],
    async run(ctx) {
      const name = onePositional(ctx, 'NAME');
      await ctx.call('pki.delete', { name });
      if (ctx.json) return ctx.printJson({ deleted: name });
      ctx.out(`Deleted "${name}"`);
    },
  },
  {
    name: 'crl',
    summary: 'Publish a fresh CRL of a CA (next CRL number) and write it to a file',
    usage: '--ca CA --out FILE [--days N] [--json]',
    options: {
      ca: { type: 'string', value: 'CA', description: 'the CA whose revocations to publish' },
      out: { type: 'string', value: 'FILE', description: 'where to write the CRL (PEM, X509 CRL)' },
      days: { type: 'string', value: 'N', description: 'days until nextUpdate (default 30)' },
    },
    details: 'Mosquitto (crlfile) and Node (crl) read it. An expired CRL makes OpenSSL refuse every client.',
    examples: ['mqtt-tls-studio crl --ca issuing --out /etc/mosquitto/crl.pem'],
    async run(ctx) {
      noPositionals(ctx);
      const days = intOption(ctx, 'days', 1, 3650);
      const out = resolve(ctx.required('out'));
      const crl = await ctx.call('pki.crl', {
        ca: ctx.required('ca'),
        ...(days !== undefined ? { days } : {}),
      });
      try {
        writeFileAtomic(out, crl.pem);
      } catch (error) {
        throw new UserError(
          `${out}: cannot write the CRL (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
          'FILE_UNWRITABLE',
          {
            file: out,
          },
        );
      }
      if (ctx.json) return ctx.printJson({ ...crl, file: out });
      ctx.out(
        `CRL #${crl.number} of "${crl.ca}" with ${crl.revoked} revoked certificate(s), next update ${crl.nextUpdate}`,
      );
      ctx.out(`  written to ${out}`);
    },
  },
  {
    name: 'verify',
    summary: 'Verify a certificate chain as OpenSSL would, and explain the first failure',
    usage: 'CERT --ca FILE [--untrusted FILE] [--crl FILE] [--purpose server|client] [--host NAME] [--json]',
    options: {
      ca: { type: 'string', value: 'FILE', description: 'trusted CA certificate(s), PEM or DER' },
      untrusted: { type: 'string', value: 'FILE', description: 'intermediates to build the chain with' },
      crl: { type: 'string', value: 'FILE', description: "CRL(s); the leaf's issuer must have one" },
      purpose: {
        type: 'string',
        value: 'server|client',
        description: 'check EKU/key usage for a TLS server or client',
      },
      host: {
        type: 'string',
        value: 'NAME',
        description: 'host name or IP address the certificate must match',
      },
    },
    details: 'Prints OK, or the first failure as PROBLEM_CODE: sentence. Exit 0 when valid, 1 otherwise.',
    examples: [
      'mqtt-tls-studio verify broker.crt --ca ca.crt --untrusted issuing.crt --purpose server --host broker.local',
      'mqtt-tls-studio verify device-7.crt --ca ca.crt --untrusted issuing.crt --crl issuing.crl --purpose client',
    ],
    async run(ctx) {
      const certFile = onePositional(ctx, 'CERT');
      const caFile = ctx.required('ca');
      const purpose = ctx.option('purpose');
      if (purpose !== undefined && purpose !== 'server' && purpose !== 'client') {
        throw new UsageError(`--purpose must be server or client, not '${purpose}'`);
      }
      const untrustedFile = ctx.option('untrusted');
      const crlFile = ctx.option('crl');
      const host = ctx.option('host');
      const result = await ctx.call('pki.verify', {
        cert: readInput(certFile, 'certificate').toString('base64'),
        ca: readInput(caFile, 'CA file').toString('base64'),
        ...(untrustedFile !== undefined
          ? { untrusted: readInput(untrustedFile, 'untrusted file').toString('base64') }
          : {}),
        ...(crlFile !== undefined ? { crl: readInput(crlFile, 'CRL file').toString('base64') } : {}),
        ...(purpose ? { purpose } : {}),
        ...(host !== undefined ? { host } : {}),
        files: {
          cert: certFile,
          ca: caFile,
          ...(untrustedFile !== undefined ? { untrusted: untrustedFile } : {}),
          ...(crlFile !== undefined ? { crl: crlFile } : {}),
        },
      });
      if (ctx.json) ctx.printJson(result);
      else if (result.ok) ctx.out('OK');
      else ctx.out(`${result.problems[0]!.code}: ${result.problems[0]!.message}`);
      return result.ok ? 0 : 1;
    },
  },
];
