import {
  confSections,
  isTrue,
  lastOption,
  type ConfOption,
  type ConfSections,
  type ListenerSection,
} from './conf-sections.js';
import {
  NOT_FOR_WEBSOCKETS_KEYWORDS,
  SECURITY_KEYWORDS,
  TLS_VERSIONS as CONF_TLS_VERSIONS,
} from './conf-access.js';

/**
 * Lint of a mosquitto.conf for the traps Mosquitto 2.0.11 sets without a word (shared/FACTS.md, each one
 * tried against Debian's mosquitto in test/export). Severity:
 * - error: Mosquitto refuses to start, or starts doing something else than the file says (plain MQTT
 *   where TLS was meant, every client refused);
 * - warning: an option Mosquitto ignores where it stands;
 * - info: what to do when installing the bundle.
 */

export type ExportLintSeverity = 'error' | 'warning' | 'info';

export interface ExportLintFinding {
  code: string;
  severity: ExportLintSeverity;
  message: string;
  fix: string;
  file: string;
  line?: number;
}

export interface LintConfOptions {
  /** Paths (as the conf names them) of files written 0600 (keys, password and PSK files). */
  secretFiles?: readonly string[];
}

/** tls_version values Mosquitto accepts, the options websockets listeners ignore, and the security options. */
const TLS_VERSIONS: readonly string[] = CONF_TLS_VERSIONS;
const WS_IGNORED = NOT_FOR_WEBSOCKETS_KEYWORDS;
const AUTH_SCOPED: readonly string[] = Object.values(SECURITY_KEYWORDS);

function isWebsockets(listener: ListenerSection): boolean {
  return lastOption(listener.options, 'protocol')?.value === 'websockets';
}

function describe(listener: ListenerSection): string {
  return `listener ${listener.port}${isWebsockets(listener) ? ' (websockets)' : ''}`;
}

function lintListener(
  sections: ConfSections,
  listener: ListenerSection,
  add: (f: Omit<ExportLintFinding, 'file'>) => void,
): void {
  const o = listener.options;
  const ws = isWebsockets(listener);
  const name = describe(listener);
  const cert = lastOption(o, 'certfile');
  const key = lastOption(o, 'keyfile');
  const cafile = lastOption(o, 'cafile') ?? lastOption(o, 'capath');
  const psk = lastOption(o, 'psk_hint');
  const require = lastOption(o, 'require_certificate');
  const identity = lastOption(o, 'use_identity_as_username');
  const subject = lastOption(o, 'use_subject_as_username');

  if (ws) {
    for (const key of WS_IGNORED) {
      const option = lastOption(o, key);
      if (!option) continue;
      add({
        code: 'WS_OPTION_IGNORED',
        severity: key === 'crlfile' || key === 'capath' ? 'error' : 'warning',
        line: option.line,
        message:
          key === 'crlfile'
            ? `${name}: crlfile does not apply to websockets listeners, so revoked clients are NOT refused there`
            : key === 'capath'
              ? `${name}: capath does not apply to websockets listeners: client certificates cannot be verified there`
              : `${name}: ${key} does not apply to websockets listeners; Mosquitto ignores it`,
        fix:
          key === 'crlfile'
            ? 'use an mqtt (TLS) listener for clients that must be checked against the CRL'
            : key === 'capath'
              ? 'use cafile'
              : `remove ${key} from this listener, or use protocol mqtt`,
      });
    }
  }

  if (cert && !key) {
    add({
      code: 'CERTFILE_WITHOUT_KEYFILE',
      severity: 'error',
      line: cert.line,
      message: `${name}: certfile without keyfile: Mosquitto silently serves plain, unencrypted MQTT here`,
      fix: 'add the keyfile of the server certificate (TLS is on only when both are set)',
    });
  }
  if (key && !cert) {
    add({
      code: 'KEYFILE_WITHOUT_CERTFILE',
      severity: 'error',
      line: key.line,
      message: `${name}: keyfile without certfile: this listener serves plain, unencrypted MQTT`,
      fix: 'add the certfile of the server certificate (TLS is on only when both are set)',
    });
  }
  if (psk && (cert || key)) {
    add({
      code: 'PSK_WITH_CERTIFICATE',
      severity: 'error',
      line: psk.line,
      message: `${name}: PSK and certificates on one listener: Mosquitto 2.0.11 refuses to start when psk_hint comes before certfile/keyfile, and takes both kinds of client when it comes after — the line order decides`,
      fix: 'put PSK clients on a listener of their own (psk_hint, no certfile/keyfile)',
    });
  }
  if (isTrue(require) && !cafile) {
    add({
      code: 'REQUIRE_CERTIFICATE_WITHOUT_CA',
      severity: 'error',
      line: require!.line,
      message: `${name}: require_certificate true without cafile or capath: no client certificate can be verified, every client is refused`,
      fix: 'add cafile with the CA that issued the client certificates',
    });
  }
  if (isTrue(require) && !cert && !ws) {
    add({
      code: 'REQUIRE_CERTIFICATE_WITHOUT_TLS',
      severity: 'error',
      line: require!.line,
      message: `${name}: require_certificate true on a listener without TLS (no certfile/keyfile) has no effect`,
      fix: 'add certfile and keyfile, or remove require_certificate',
    });
  }
  for (const option of [identity, subject]) {
    // On a PSK listener use_identity_as_username takes the PSK identity: no certificate involved.
    if (!isTrue(option) || isTrue(require) || (psk && option === identity)) continue;
    add({
      code: 'IDENTITY_WITHOUT_REQUIRE_CERTIFICATE',
      severity: 'error',
      line: option!.line,
      message: `${name}: ${option!.key} without require_certificate true: Mosquitto refuses every client (CONNACK not authorized)`,
      fix: 'add require_certificate true with the cafile of the client CA',
    });
  }
  const crl = lastOption(o, 'crlfile');
  if (crl && !ws && !isTrue(require)) {
    add({
      code: 'CRL_WITHOUT_CLIENT_CERTIFICATES',
      severity: 'warning',
      line: crl.line,
      message: `${name}: crlfile without require_certificate true: client certificates are not asked for, so the CRL checks nothing`,
      fix: 'add require_certificate true, or remove crlfile',
    });
  }
  const version = lastOption(o, 'tls_version');
  if (version && !TLS_VERSIONS.includes(version.value)) {
    add({
      code: 'BAD_TLS_VERSION',
      severity: 'error',
      line: version.line,
      message: `${name}: tls_version ${version.value} is not one of ${TLS_VERSIONS.join(', ')}: Mosquitto refuses to start`,
      fix: 'use tlsv1.2 (or tlsv1.3); the value is a minimum',
    });
  }
  if (!sections.all.some((x) => x.key === 'per_listener_settings' && x.value === 'true')) return;
  const perListener = sections.all.find((x) => x.key === 'per_listener_settings')!;
  const anonymous = lastOption(o, 'allow_anonymous');
  const hasAuth =
    lastOption(o, 'password_file') || lastOption(o, 'psk_file') || isTrue(identity) || isTrue(subject);
  if (!isTrue(anonymous) && !hasAuth) {
    add({
      code: 'LISTENER_REFUSES_EVERYONE',
      severity: 'warning',
      line: listener.start.line,
      message: `${name}: no password_file, psk_file or certificate identity and allow_anonymous is not true: every client is refused`,
      fix: 'add an authentication method to this listener, or allow_anonymous true',
    });
  }
  void perListener;
}

/** The user Mosquitto runs as after dropping root (`user`, default mosquitto). */
function runAsUser(sections: ConfSections): string {
  return lastOption(sections.global, 'user')?.value ?? 'mosquitto';
}

export function lintMosquittoConf(
  text: string,
  file: string,
  options: LintConfOptions = {},
): ExportLintFinding[] {
  const sections = confSections(text, file);
  const findings: ExportLintFinding[] = [];
  const add = (f: Omit<ExportLintFinding, 'file'>) => findings.push({ file, ...f });

  if (sections.listeners.length === 0) {
    add({
      code: 'NO_LISTENER',
      severity: 'warning',
      message: 'no listener: Mosquitto 2.x then listens on 127.0.0.1:1883 only, without TLS',
      fix: 'add a listener with certfile and keyfile',
    });
  } else if (sections.listeners.every(isWebsockets)) {
    add({
      code: 'ONLY_WEBSOCKETS',
      severity: 'error',
      line: sections.listeners[0]!.start.line,
      message:
        'only websockets listeners: Mosquitto 2.0.11 exits with "Unable to start any listening sockets"',
      fix: 'add an mqtt listener (even one bound to 127.0.0.1)',
    });
  }
  const ports = new Map<string, ConfOption>();
  for (const listener of sections.listeners) {
    const key = `${listener.address ?? '*'}:${listener.port}`;
    const previous = ports.get(key);
    if (previous) {
      add({
        code: 'DUPLICATE_LISTENER',
        severity: 'error',
        line: listener.start.line,
        message: `listener ${listener.port} is already defined on line ${previous.line}: Mosquitto cannot bind it twice`,
        fix: 'give each listener its own port',
      });
    }
    ports.set(key, listener.start);
    lintListener(sections, listener, add);
  }

  const perListener = sections.all.find((x) => x.key === 'per_listener_settings');
  if (perListener && perListener.value === 'true') {
    const early = sections.all.find((x) => AUTH_SCOPED.includes(x.key) && x.line < perListener.line);
    if (early) {
      add({
        code: 'PER_LISTENER_SETTINGS_LATE',
        severity: 'error',
        line: perListener.line,
        message: `per_listener_settings true comes after ${early.key} (line ${early.line}): it must come before every authentication option`,
        fix: 'move per_listener_settings true to the top of the file',
      });
    }
  }

  for (const bridge of sections.bridges) {
    const b = bridge.options;
    const cafile = lastOption(b, 'bridge_cafile') ?? lastOption(b, 'bridge_capath');
    const cert = lastOption(b, 'bridge_certfile');
    const key = lastOption(b, 'bridge_keyfile');
    const psk = lastOption(b, 'bridge_psk');
    const identity = lastOption(b, 'bridge_identity');
    const name = `bridge ${bridge.name}`;
    if (!lastOption(b, 'address') && !lastOption(b, 'addresses')) {
      add({
        code: 'BRIDGE_WITHOUT_ADDRESS',
        severity: 'error',
        line: bridge.start.line,
        message: `${name}: no address: Mosquitto refuses to start`,
        fix: 'add address HOST:PORT',
      });
    }
    if ((cert || key) && !cafile) {
      add({
        code: 'BRIDGE_CERT_WITHOUT_CAFILE',
        severity: 'error',
        line: (cert ?? key)!.line,
        message: `${name}: bridge_certfile/keyfile without bridge_cafile: the bridge does not use TLS at all`,
        fix: 'add bridge_cafile with the CA of the remote broker',
      });
    }
    if ((cert && !key) || (key && !cert)) {
      add({
        code: 'BRIDGE_CERT_KEY_PAIR',
        severity: 'error',
        line: (cert ?? key)!.line,
        message: `${name}: bridge_certfile and bridge_keyfile must be given together`,
        fix: 'set both, or neither',
      });
    }
    if (psk && (cert || cafile)) {
      add({
        code: 'BRIDGE_PSK_WITH_CERTIFICATE',
        severity: 'error',
        line: psk.line,
        message: `${name}: bridge_psk together with certificates: Mosquitto refuses to start`,
        fix: 'use either bridge_psk + bridge_identity, or bridge_cafile/certfile/keyfile',
      });
    }
    if ((psk && !identity) || (identity && !psk)) {
      add({
        code: 'BRIDGE_PSK_IDENTITY',
        severity: 'error',
        line: (psk ?? identity)!.line,
        message: `${name}: bridge_psk and bridge_identity must be given together`,
        fix: 'set both, or neither',
      });
    }
    if (!b.some((x) => x.key === 'topic')) {
      add({
        code: 'BRIDGE_WITHOUT_TOPIC',
        severity: 'warning',
        line: bridge.start.line,
        message: `${name}: no topic line: the bridge connects but carries nothing`,
        fix: 'add e.g. topic sensors/# out 1',
      });
    }
    const version = lastOption(b, 'bridge_tls_version');
    if (version && !TLS_VERSIONS.includes(version.value)) {
      add({
        code: 'BAD_TLS_VERSION',
        severity: 'error',
        line: version.line,
        message: `${name}: bridge_tls_version ${version.value} is not one of ${TLS_VERSIONS.join(', ')}`,
        fix: 'use tlsv1.2 or tlsv1.3',
      });
    }
  }

  const user = runAsUser(sections);
  if (user !== 'root') {
    const secrets = new Set(options.secretFiles ?? []);
    const named = sections.all.filter(
      (option) =>
        ['keyfile', 'bridge_keyfile', 'password_file', 'psk_file'].includes(option.key) &&
        (!options.secretFiles || secrets.has(option.value)),
    );
    const files = [...new Set(named.map((o) => o.value))];
    if (named.length > 0) {
      add({
        code: 'KEY_FILE_OWNER',
        severity: 'info',
        line: named[0]!.line,
        message: `${files.length === 1 ? `${files[0]} is` : `${files.join(', ')} are`} mode 0600: Mosquitto started as root drops to the user "${user}" before it opens ${files.length === 1 ? 'it' : 'them'}`,
        fix: `chown ${user}: ${files.join(' ')}   (as root, after copying the bundle into place)`,
      });
    }
  }
  return findings.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}
