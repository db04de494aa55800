import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '../../core/user-error.js';
import type { ExportLintFinding } from '../../core/export/index.js';
import { UsageError, type Command, type CliContext } from '../command.js';

function isArchive(path: string): boolean {
  return /\.(tar\.gz|tgz)$/i.test(path);
}

function readPassphrase(file: string): string {
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UserError(`${file}: cannot read the passphrase file (${code})`, 'BAD_INPUT', {
      file,
      field: 'p12-passphrase-file',
    });
  }
}

function printFindings(ctx: CliContext, findings: readonly ExportLintFinding[]): void {
  for (const f of findings) {
    if (f.code === 'KEY_FILE_OWNER') continue;
    ctx.out(`${f.severity}: ${f.file}${f.line ? `:${f.line}` : ''}: ${f.message}`);
  }
}

/** The export commands of CLI.md (and `import mosquitto`, the way back). See src-main/api/FOUNDATION.md. */
export const exportCommands: Command[] = [
  {
    name: 'export mosquitto',
    summary: 'Write a bundle production Mosquitto 2.x starts from unchanged, with client bundles',
    usage: '--out DIR [--path-prefix PREFIX] [--host NAME] [--p12-passphrase-file F] [--json]',
    options: {
      out: {
        type: 'string',
        value: 'DIR',
        description:
          'the folder to write (created if missing); a name ending in .tar.gz writes one archive instead',
      },
      'path-prefix': {
        type: 'string',
        value: 'PREFIX',
        description:
          'where the files will live on the broker host (default: the absolute path of DIR; /etc/mosquitto for a .tar.gz)',
      },
      host: {
        type: 'string',
        value: 'NAME',
        description:
          "the broker's host name in the clients' ready commands (default: the server certificate's DNS name)",
      },
      'p12-passphrase-file': {
        type: 'string',
        value: 'F',
        description: 'also write clients/NAME/NAME.p12, protected by the passphrase in F',
      },
    },
    details: [
      'Writes DIR/mosquitto.conf and every file it names (certs/ca.crt, certs/server.crt holding the server',
      'certificate and its intermediates in order, certs/server.key 0600, the CRL, ACL, password and PSK files,',
      'the bridges saved in the Export view), with paths under PREFIX, plus DIR/clients/NAME/ for every client',
      'certificate: ca.crt, NAME.crt, NAME.key and a README.txt with ready mosquitto_pub/mosquitto_sub commands',
      'and mqtt.js / paho-mqtt snippets. The settings are linted first for Mosquitto traps: an error stops the',
      'export (exit 1) before anything is written.',
    ].join('\n'),
    examples: [
      'mqtt-tls-studio export mosquitto --out ./prod',
      'mqtt-tls-studio export mosquitto --out ./prod --path-prefix /etc/mosquitto --host mqtt.example.com',
      'mqtt-tls-studio export mosquitto --out bundle.tar.gz --path-prefix /etc/mosquitto',
    ],
    async run(ctx) {
      const out = resolve(ctx.required('out'));
      const prefix = ctx.option('path-prefix');
      const host = ctx.option('host');
      const passphraseFile = ctx.option('p12-passphrase-file');
      const archive = isArchive(out);
      const result = await ctx.call('export.write', {
        target: archive ? 'tar.gz' : 'folder',
        path: out,
        ...(prefix !== undefined ? { pathPrefix: prefix } : {}),
        ...(host !== undefined ? { host } : {}),
        ...(passphraseFile !== undefined ? { p12Passphrase: readPassphrase(passphraseFile) } : {}),
      });
      if (ctx.json) return ctx.printJson(result);
      ctx.out(
        `wrote ${result.target}${archive ? '' : '/'} (${result.files.length} files, paths under ${result.prefix})`,
      );
      for (const file of result.files) ctx.out(`  ${file}`);
      if (result.owned)
        ctx.out(
          `gave ${result.owned.files.join(', ')} to the user "${result.owned.user}" (Mosquitto drops to it)`,
        );
      const left = result.clients.filter((c) => !c.included && c.reason !== 'not chosen');
      for (const c of left) ctx.out(`left out clients/${c.name}: ${c.reason}`);
      printFindings(ctx, result.findings);
      const conf = archive ? `${result.prefix}/mosquitto.conf` : `${result.target}/mosquitto.conf`;
      ctx.out(`start it with: mosquitto -c ${conf}   (README.txt says how to install it)`);
    },
  },
  {
    name: 'import mosquitto',
    summary: 'Read a production mosquitto.conf and the files it names into the workspace broker settings',
    usage: 'CONF [--replace] [--json]',
    options: {
      replace: { type: 'boolean', description: 'overwrite the broker settings the workspace already has' },
    },
    details: [
      'Copies the conf (include_dir files read in place) and every file it names into the workspace',
      '(broker/mosquitto.conf, ca.crt, server.crt, server.key, acl.conf, passwd, psk.txt, crl.pem),',
      'adds its certificates and keys to the workshop, and lists each option not carried over.',
      'Everything is checked first: a bad line stops it with FILE:LINE and the workspace is left as it was.',
    ].join('\n'),
    examples: [
      'mqtt-tls-studio import mosquitto /etc/mosquitto/mosquitto.conf',
      'mqtt-tls-studio import mosquitto prod.conf --replace --json',
    ],
    async run(ctx) {
      const file = ctx.positionals[0];
      if (!file || ctx.positionals.length > 1)
        throw new UsageError('give exactly one mosquitto.conf to import');
      const replace = ctx.values.replace === true;
      const report = await ctx.call('export.import', {
        file: resolve(file),
        ...(replace ? { replace } : {}),
      });
      if (ctx.json) return ctx.printJson(report);
      ctx.out(`imported ${report.conf}`);
      if (report.pathPrefix)
        ctx.out(
          `  paths under ${report.pathPrefix.from} read from ${report.pathPrefix.to} (${report.pathPrefix.options.length} file(s) of the bundle)`,
        );
      for (const l of report.listeners) ctx.out(`  listener ${l.scheme}://${l.address ?? '*'}:${l.port}`);
      for (const f of report.files) ctx.out(`  ${f.option} ${f.from} -> ${f.to}`);
      for (const c of report.certificates)
        ctx.out(`  certificate ${c.name} (${c.cn || 'no CN'}): ${c.status}`);
      for (const n of report.notCarriedOver)
        ctx.out(`not carried over: ${n.file}:${n.line}: ${n.option} (${n.reason})`);
      for (const k of report.keptForExport) ctx.out(`kept for export only: ${k.file}:${k.line}: ${k.option}`);
      for (const w of report.warnings) ctx.out(`warning: ${w}`);
    },
  },
];
