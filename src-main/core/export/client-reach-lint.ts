import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import type { AclFile } from '../acl/index.js';
import type { ClientBundleResult } from './client-bundle.js';
import { parsePasswordFile, parsePskFile } from './conf-access.js';
import type { ConfOption } from './conf-sections.js';
import type { ExportLintFinding } from './lint-mosquitto-conf.js';
import type { ListenerView } from './listener-view.js';

/**
 * Lint of what the bundle's clients will meet, beyond the conf's own traps: a broker host name the
 * server certificate does not hold (mosquitto_pub --cafile refuses it: "host name verification
 * failed"), a client bundle sent to a password listener whose password file lacks its user, ACL user
 * blocks no client can ever log in as, and a server certificate whose root the workshop lacks.
 * Severity `warning`: the broker starts, but these clients cannot get in.
 */

/** The server certificate's names as the workshop writes them (dns:…, ip:…). */
export function certificateNames(leaf: X509Certificate): string[] {
  return (leaf.subjectAltName ?? '')
    .split(', ')
    .filter(Boolean)
    .map((s) => s.replace(/^DNS:/, 'dns:').replace(/^IP Address:/, 'ip:'));
}

/**
 * Whether a TLS client connecting to `host` accepts `leaf` by name. OpenSSL's own matching
 * (X509_check_host / X509_check_ip, through Node): an IP address must be an IP SAN, a name a DNS SAN
 * (wildcards one label deep), the CN only when the certificate has no DNS SAN — as Mosquitto's clients do.
 */
export function hostMatches(leaf: X509Certificate, host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (isIP(bare) !== 0) return leaf.checkIP(bare) !== undefined;
  return leaf.checkHost(bare, { subject: 'default', wildcards: true, partialWildcards: false }) !== undefined;
}

export interface ClientReachInput {
  host: string;
  views: ListenerView[];
  /** Server certificate chain (leaf first) of each listener, by the listener's line in the source conf. */
  serverCerts: Map<number, X509Certificate[]>;
  /** The bundled text of a file a conf line names (password file, PSK file). */
  fileText: (option: ConfOption | undefined) => string | undefined;
  /** The ACL a listener uses, and where it is in the bundle. */
  acl: (view: ListenerView) => AclFile | undefined;
  aclBundlePath: (view: ListenerView) => string | undefined;
  passwordBundlePath: (view: ListenerView) => string;
  prefix: string;
  /** Line offset of the exported conf (its header) over the source conf. */
  headerLines: number;
  bundles: Array<{ name: string; result: ClientBundleResult }>;
}

function listenerName(view: ListenerView): string {
  return `the ${view.scheme} listener on port ${view.port}`;
}

function hostFindings(input: ClientReachInput): ExportLintFinding[] {
  const findings: ExportLintFinding[] = [];
  const seen = new Set<string>();
  for (const view of input.views) {
    if (!view.tls || view.psk) continue;
    const leaf = input.serverCerts.get(view.section.start.line)?.[0];
    if (!leaf || seen.has(leaf.fingerprint256)) continue;
    seen.add(leaf.fingerprint256);
    if (hostMatches(leaf, input.host)) continue;
    const names = certificateNames(leaf);
    const usable = names.filter((n) => !n.includes('*')).map((n) => n.replace(/^(dns|ip):/, ''));
    const kind = isIP(input.host.replace(/^\[(.*)\]$/, '$1')) !== 0 ? 'ip' : 'dns';
    findings.push({
      code: 'HOST_NOT_IN_SAN',
      severity: 'warning',
      file: 'mosquitto.conf',
      line: (view.certfile?.line ?? view.section.start.line) + input.headerLines,
      message: `the client commands connect to "${input.host}", a name the server certificate of ${listenerName(view)} does not hold (${names.length > 0 ? names.join(', ') : 'it has no subject alternative names'}): mosquitto_pub --cafile refuses it with "host name verification failed", mqtt.js and paho with a host name mismatch`,
      fix: `${usable.length > 0 ? `set the broker host name to one of ${usable.join(', ')}, or ` : ''}issue the server certificate again with ${kind}:${input.host} in its SANs`,
    });
  }
  return findings;
}

function passwordUsers(input: ClientReachInput, view: ListenerView): Set<string> | undefined {
  const text = input.fileText(view.passwordFile);
  return text === undefined ? undefined : new Set(parsePasswordFile(text).users.keys());
}

function passwordUserFindings(input: ClientReachInput): ExportLintFinding[] {
  const findings: ExportLintFinding[] = [];
  for (const bundle of input.bundles) {
    const missing = bundle.result.routes.filter(({ view, endpoint }) => {
      if (!endpoint.password || endpoint.username.source !== 'connect') return false;
      const user = endpoint.username.value;
      const users = passwordUsers(input, view);
      return user !== undefined && users !== undefined && !users.has(user);
    });
    if (missing.length === 0) continue;
    const user = missing[0]!.endpoint.username.value!;
    const first = bundle.result.routes[0]?.view === missing[0]!.view;
    const where = missing.map((m) => `port ${m.view.port}`).join(', ');
    const file = input.passwordBundlePath(missing[0]!.view);
    findings.push({
      code: 'PASSWORD_USER_MISSING',
      severity: first ? 'warning' : 'info',
      file: `clients/${bundle.name}/README.txt`,
      message: `clients/${bundle.name}: the password listener (${where}) has no user "${user}" in ${file}: ${first ? "the bundle's commands (-u " + user + ') are' : 'a login there is'} refused with "not authorised"`,
      fix: `add the user before exporting (Broker view → users), or on the broker host: mosquitto_passwd ${input.prefix === '/' ? '' : input.prefix}/${file} ${user}`,
    });
  }
  return findings;
}

/**
 * ACL `user` blocks for a name no client can log in as. Only decided where the set of usernames is
 * closed: every listener using that ACL takes its users from a password file (or PSK identities), and
 * none lets anonymous clients in. Certificate identities are open (any device of the CA), so skipped.
 */
function aclUserFindings(input: ClientReachInput): ExportLintFinding[] {
  const findings: ExportLintFinding[] = [];
  const byAcl = new Map<string, ListenerView[]>();
  for (const view of input.views) {
    const path = input.aclBundlePath(view);
    if (path) byAcl.set(path, [...(byAcl.get(path) ?? []), view]);
  }
  for (const [path, views] of byAcl) {
    const acl = input.acl(views[0]!);
    if (!acl) continue;
    const known = new Set<string>();
    let closed = true;
    for (const view of views) {
      if (view.allowAnonymous) closed = false;
      else if (view.psk && view.identity === 'cn') {
        const text = input.fileText(view.pskFile);
        if (text === undefined) closed = false;
        else for (const identity of parsePskFile(text).identities.keys()) known.add(identity);
      } else if (!view.psk && view.identity === 'connect' && view.passwordFile) {
        const users = passwordUsers(input, view);
        if (!users) closed = false;
        else for (const user of users) known.add(user);
      } else if (view.identity !== 'connect' || view.psk) closed = false;
    }
    if (!closed) continue;
    const from = views.some((v) => v.psk) ? 'the password and PSK files' : 'the password file';
    for (const line of acl.lines) {
      if (line.kind !== 'user' || known.has(line.username)) continue;
      findings.push({
        code: 'ACL_USER_UNKNOWN',
        severity: 'warning',
        file: path,
        line: line.line,
        message: `user ${line.username}: no client can log in as "${line.username}" (${views.map(listenerName).join(', ')} take users from ${from} only, which lack it), so these rules never apply`,
        fix: `add "${line.username}" to the password file (Broker view → users), or fix the name in the ACL`,
      });
    }
  }
  return findings;
}

function serverRootFindings(input: ClientReachInput): ExportLintFinding[] {
  const views = new Map<number, { view: ListenerView; clients: string[] }>();
  for (const bundle of input.bundles) {
    const view = bundle.result.serverRootUnknown;
    if (!view) continue;
    const entry = views.get(view.section.start.line) ?? { view, clients: [] };
    entry.clients.push(bundle.name);
    views.set(view.section.start.line, entry);
  }
  return [...views.values()].map(({ view, clients }) => {
    const leaf = input.serverCerts.get(view.section.start.line)?.[0];
    const issuer = leaf ? leaf.issuer.replace(/\n/g, ', ') : 'unknown';
    return {
      code: 'SERVER_ROOT_UNKNOWN',
      severity: 'warning' as const,
      file: 'mosquitto.conf',
      line: (view.certfile?.line ?? view.section.start.line) + input.headerLines,
      message: `the root CA of the server certificate of ${listenerName(view)} (issued by "${issuer}") is not in the workshop: the client bundles (${clients.slice(0, 3).join(', ')}${clients.length > 3 ? ', …' : ''}) get the broker's cafile as ca.crt, which verifies the broker only if the same CA issued both`,
      fix: 'import the root CA of the server certificate into the workshop (Certificates → Import) and export again',
    };
  });
}

export function clientReachFindings(input: ClientReachInput): ExportLintFinding[] {
  return [
    ...hostFindings(input),
    ...serverRootFindings(input),
    ...passwordUserFindings(input),
    ...aclUserFindings(input),
  ];
}
