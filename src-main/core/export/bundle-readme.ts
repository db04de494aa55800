import type { BundleFile } from './bundle.js';
import { shellQuote } from './client-readme.js';
import type { ExportLintFinding } from './lint-mosquitto-conf.js';
import type { ListenerView } from './listener-view.js';

/** The bundle's top README.txt: how to install it, what listens where, what each file is. */
export interface BundleReadmeInput {
  prefix: string;
  host: string;
  views: ListenerView[];
  files: readonly BundleFile[];
  findings: readonly ExportLintFinding[];
  clients: ReadonlyArray<{ name: string; included: boolean; reason?: string }>;
  bridges: readonly string[];
  /** PSK identities with topics their ACL grants, when a PSK listener exists (keys are never shown). */
  pskClients?: Array<{ identity: string; publishTopic: string; subscribeFilter: string }>;
  pskFileName?: string;
}

function describeListener(view: ListenerView): string {
  const parts: string[] = [];
  if (view.psk) parts.push('TLS-PSK, the PSK identity is the username');
  else if (view.tls) {
    parts.push(view.requireCertificate ? 'TLS with client certificates (mTLS)' : 'TLS');
    if (view.tlsVersion) parts.push(`${view.tlsVersion.replace('tlsv', 'TLS ')} or later`);
    if (view.crlfile) parts.push('revoked clients refused (CRL)');
  } else parts.push('no TLS');
  if (view.identity === 'cn') parts.push("username = the certificate's CN");
  if (view.identity === 'subject') parts.push("username = the certificate's subject");
  if (view.passwordFile && view.identity === 'connect') parts.push('username and password');
  if (view.allowAnonymous) parts.push('anonymous clients allowed');
  return `  ${view.scheme}://HOST:${view.port}${view.address ? ` (bound to ${view.address})` : ''} — ${parts.join('; ')}`;
}

export function bundleReadme(input: BundleReadmeInput): string {
  const p = input.prefix.replace(/\/+$/, '') || '/';
  const at = (path: string) => (p === '/' ? `/${path}` : `${p}/${path}`);
  const secrets = input.files.filter((f) => f.mode === 0o600 && !f.path.startsWith('clients/'));
  const out: string[] = [
    'Mosquitto bundle exported by MQTT TLS Studio',
    '============================================',
    '',
  ];
  out.push(`mosquitto.conf names every file by its path under ${p}.`, '');
  out.push('Install (as root, on the broker host)');
  out.push(`  mkdir -p ${p}`);
  const top = [
    ...new Set(input.files.filter((f) => !f.path.startsWith('clients/')).map((f) => f.path.split('/')[0]!)),
  ];
  out.push(`  cp -r ${top.join(' ')} ${p}/`);
  out.push(`  # (from the .tar.gz: tar -xzf bundle.tar.gz -C ${p} --exclude=clients)`);
  if (secrets.length > 0) {
    out.push('  # Mosquitto 2.x started as root drops to the user "mosquitto" before it opens any file,');
    out.push('  # so the 0600 files must belong to that user:');
    out.push(`  chown mosquitto: ${secrets.map((f) => at(f.path)).join(' ')}`);
  }
  out.push(`  mosquitto -c ${at('mosquitto.conf')}`);
  if (p === '/etc/mosquitto') {
    out.push(
      "  # (this mosquitto.conf replaces Debian's /etc/mosquitto/mosquitto.conf, which the service reads)",
    );
  }
  out.push('  # The client bundles (clients/) are for the devices: they do not belong on the broker.', '');

  out.push('Listeners');
  for (const view of input.views) out.push(describeListener(view).replace('HOST', input.host));
  out.push('');

  const pskView = input.views.find((v) => v.psk);
  if (pskView && input.pskClients && input.pskClients.length > 0) {
    out.push(
      `PSK clients (export PSK_HEX=the hex key after the identity in ${input.pskFileName ?? 'the PSK file'})`,
    );
    for (const c of input.pskClients) {
      const common = `-h ${input.host} -p ${pskView.port} --psk-identity ${shellQuote(c.identity)} --psk "$PSK_HEX"`;
      out.push(
        `  mosquitto_sub ${common} -i ${shellQuote(`${c.identity}-sub`)} -t ${shellQuote(c.subscribeFilter)} -q 1 -v`,
      );
      out.push(
        `  mosquitto_pub ${common} -i ${shellQuote(c.identity)} -t ${shellQuote(c.publishTopic)} -q 1 -m 'hello from ${c.identity.replace(/'/g, '')}'`,
      );
    }
    out.push('');
  }

  if (input.bridges.length > 0) {
    out.push(
      `Bridges: ${input.bridges.join(', ')} (see the connection sections at the end of mosquitto.conf)`,
      '',
    );
  }

  out.push('Files');
  const width = Math.max(
    ...input.files.filter((f) => !f.path.startsWith('clients/')).map((f) => f.path.length),
    10,
  );
  for (const file of input.files) {
    if (file.path.startsWith('clients/')) continue;
    out.push(`  ${file.path.padEnd(width)}  ${file.mode === 0o600 ? '(0600) ' : ''}${file.description}`);
  }
  out.push('');

  const included = input.clients.filter((c) => c.included);
  out.push('Client bundles (each with its own README.txt and ready commands)');
  if (included.length === 0) out.push('  none');
  for (const c of included) out.push(`  clients/${c.name}/`);
  for (const c of input.clients.filter((c) => !c.included && c.reason !== 'not chosen')) {
    out.push(`  (${c.name} left out: ${c.reason})`);
  }
  out.push('');

  const shown = input.findings.filter((f) => f.severity !== 'info' || f.code !== 'KEY_FILE_OWNER');
  if (shown.length > 0) {
    out.push('Checks made before export');
    for (const f of shown) {
      out.push(`  ${f.severity}: ${f.file}${f.line ? `:${f.line}` : ''}: ${f.message}`);
      out.push(`    fix: ${f.fix}`);
    }
    out.push('');
  }
  return out.join('\n');
}
