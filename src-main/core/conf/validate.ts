import type { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { parseAcl } from '../acl/index.js';
import { isUserError, UserError } from '../user-error.js';
import { locate } from './conf-error.js';
import {
  effectiveSecurity,
  hasCertificateTls,
  securityPath,
  settingPath,
  type ListenerSettings,
  type MosquittoConf,
} from './model.js';
import { SECURITY_KEYWORDS } from './options.js';
import { parsePasswordFile } from './password-file.js';
import { parsePskFile } from './psk-file.js';
import {
  readCapath,
  readCertificates,
  readCrl,
  readFileReason,
  readPrivateKey,
  resolveConfPath,
} from './tls-files.js';

export interface ConfIssue {
  level: 'error' | 'warning';
  message: string;
  /** The file and line at fault: the conf line that named a file, or a line inside that file. */
  file?: string;
  line?: number;
  field?: string;
  /** `file:line: message`, ready to print. */
  text: string;
}

export interface ConfValidation {
  errors: ConfIssue[];
  warnings: ConfIssue[];
}

export interface ValidateOptions {
  /** Folder relative paths are resolved against (Mosquitto: its working directory). */
  baseDir: string;
  /** The time certificates are checked against (default now). */
  now?: Date;
}

/**
 * Check everything a conf names, as Mosquitto would when starting, but naming the line: files exist and
 * can be read, certificates and keys decode, the key matches the certificate, the CRL loads, cipher lists
 * are valid, password/PSK/ACL files are well formed. Warnings are what Mosquitto accepts silently.
 */
export function validateMosquittoConf(conf: MosquittoConf, options: ValidateOptions): ConfValidation {
  const result: ConfValidation = { errors: [], warnings: [] };
  const now = options.now ?? new Date();
  const path = (p: string) => resolveConfPath(options.baseDir, p);

  const issue = (
    level: ConfIssue['level'],
    at: { file?: string; line?: number; field?: string; label: string },
    message: string,
  ) => {
    const entry: ConfIssue = { level, message, text: `${at.label}: ${message}` };
    if (at.file !== undefined) entry.file = at.file;
    if (at.line !== undefined) entry.line = at.line;
    if (at.field !== undefined) entry.field = at.field;
    (level === 'error' ? result.errors : result.warnings).push(entry);
  };
  const error = (settingAt: string, message: string) => issue('error', locate(conf, settingAt), message);
  const warning = (settingAt: string, message: string) => issue('warning', locate(conf, settingAt), message);
  const inFile = (level: ConfIssue['level'], file: string, line: number | undefined, message: string) =>
    issue(level, { file, line, label: line === undefined ? file : `${file}:${line}` }, message);
  /** Run a reader; a thrown UserError keeps its own location, anything else is reported at the setting. */
  const attempt = <T>(settingAt: string, read: () => T): T | undefined => {
    try {
      return read();
    } catch (caught) {
      if (isUserError(caught) && caught.location.file) {
        inFile(
          'error',
          caught.location.file,
          caught.location.line,
          caught.message.replace(/^[^:]+(:\d+)?: /, ''),
        );
      } else {
        error(settingAt, (caught as Error).message);
      }
      return undefined;
    }
  };
  const readable = (settingAt: string, file: string): boolean => {
    const reason = readFileReason(path(file));
    if (reason) error(settingAt, reason);
    return !reason;
  };

  for (const notice of conf.notices) {
    if (notice.level === 'warning') {
      issue(
        'warning',
        { file: notice.file, line: notice.line, label: label(notice.file, notice.line) },
        notice.message,
      );
    }
  }

  conf.listeners.forEach((listener, index) => validateListener(listener, index));

  const checkedSecurity = new Set<string>();
  conf.listeners.forEach((listener, index) => {
    const prefix = securityPath(conf, index);
    if (checkedSecurity.has(prefix)) return;
    checkedSecurity.add(prefix);
    const security = effectiveSecurity(conf, listener);
    if (security.passwordFile && readable(`${prefix}.passwordFile`, security.passwordFile)) {
      const file = path(security.passwordFile);
      const parsed = parsePasswordFile(readFileSync(file, 'utf8'));
      for (const n of parsed.notices) inFile('warning', file, n.line, n.message);
      if (parsed.users.size === 0)
        warning(`${prefix}.passwordFile`, `${SECURITY_KEYWORDS.passwordFile} has no usable user`);
    }
    if (security.pskFile && readable(`${prefix}.pskFile`, security.pskFile)) {
      const file = path(security.pskFile);
      attempt(`${prefix}.pskFile`, () => parsePskFile(readFileSync(file, 'utf8'), file));
    }
    if (security.aclFile && readable(`${prefix}.aclFile`, security.aclFile)) {
      const file = path(security.aclFile);
      attempt(`${prefix}.aclFile`, () => parseAcl(readFileSync(file, 'utf8'), file));
    }
  });
  return result;

  function validateListener(listener: ListenerSettings, index: number): void {
    const at = (field: string) => settingPath(index, field);
    if (hasCertificateTls(listener)) {
      let leaf: X509Certificate | undefined;
      if (readable(at('certfile'), listener.certfile!)) {
        const certs = attempt(at('certfile'), () => readCertificates(path(listener.certfile!)));
        leaf = certs?.certificates[0];
        if (leaf) {
          if (new Date(leaf.validTo) < now)
            warning(at('certfile'), `the server certificate expired on ${leaf.validTo}`);
          if (new Date(leaf.validFrom) > now)
            warning(at('certfile'), `the server certificate is not valid before ${leaf.validFrom}`);
          if (leaf.ca)
            warning(at('certfile'), 'the first certificate of certfile is a CA, not a server certificate');
          const missing = missingIssuer(
            certs!.certificates,
            listener.cafile ? path(listener.cafile) : undefined,
          );
          if (missing) {
            warning(
              at('certfile'),
              `certfile holds only the server certificate and neither it nor cafile holds its issuer "${missing}": if "${missing}" is an intermediate CA, clients that hold just the root fail with "unknown ca" — put it after the server certificate in certfile`,
            );
          }
        }
      }
      if (listener.tlsKeyform === 'engine') {
        error(
          at('tlsKeyform'),
          `tls_keyform engine: keyfile ${listener.keyfile} names a key inside an OpenSSL engine, which only production Mosquitto can reach — to run this listener locally use tls_keyform pem with a PEM key file (export keeps the line as it is)`,
        );
      } else if (readable(at('keyfile'), listener.keyfile!)) {
        const key = attempt(at('keyfile'), () => readPrivateKey(path(listener.keyfile!)));
        if (key && leaf && !leaf.checkPrivateKey(key)) {
          error(
            at('keyfile'),
            `this key does not match the certificate in ${listener.certfile} (OpenSSL: key values mismatch)`,
          );
        }
      }
      if (listener.cafile && readable(at('cafile'), listener.cafile)) {
        attempt(at('cafile'), () => readCertificates(path(listener.cafile!)));
      }
      if (listener.capath) attempt(at('capath'), () => readCapath(path(listener.capath!)));
      if (listener.crlfile && readable(at('crlfile'), listener.crlfile)) {
        attempt(at('crlfile'), () => readCrl(path(listener.crlfile!)));
      }
    }
    if (listener.ciphers) {
      attempt(at('ciphers'), () => {
        if (listener.ciphers!.split(':').some((c) => c.startsWith('TLS_'))) {
          throw new UserError('TLS 1.3 suites belong in ciphers_tls1.3; ciphers is for TLS 1.2 and earlier');
        }
        checkCiphers(listener.ciphers!, 'ciphers');
      });
    }
    if (listener.ciphersTls13) {
      attempt(at('ciphersTls13'), () => {
        const names = listener.ciphersTls13!.split(':').filter((c) => c !== '');
        const bad = names.find((c) => !c.startsWith('TLS_'));
        if (bad) throw new UserError(`"${bad}" is not a TLS 1.3 cipher suite (they start with TLS_)`);
        checkCiphers(listener.ciphersTls13!, 'ciphers_tls1.3');
      });
    }
  }
}

/**
 * The issuer a server sends no certificate of: the chain in certfile must end at a certificate issued by
 * a root (self-signed), or OpenSSL must find the missing intermediate in cafile (FACTS.md: it completes
 * the chain from there). Undefined when the chain is whole.
 */
function missingIssuer(chain: X509Certificate[], cafile: string | undefined): string | undefined {
  const last = chain[chain.length - 1]!;
  // A chain that reaches a CA certificate ends at an intermediate: the client holds the root above it.
  if (last.ca || last.checkIssued(last)) return undefined;
  const pool: X509Certificate[] = [];
  if (cafile) {
    try {
      pool.push(...readCertificates(cafile).certificates);
    } catch {
      // an unreadable cafile is reported on its own line
    }
  }
  if (pool.some((c) => last.checkIssued(c))) return undefined;
  return /CN=([^\n]*)/.exec(last.issuer)?.[1] ?? last.issuer.replace(/\n/g, ', ');
}

function checkCiphers(list: string, keyword: string): void {
  try {
    createSecureContext({ ciphers: list });
  } catch {
    throw new UserError(`no usable cipher in ${keyword} "${list}" (Mosquitto: Unable to set TLS ciphers)`);
  }
}

function label(file: string | undefined, line: number | undefined): string {
  if (!file) return 'broker settings';
  return line === undefined ? file : `${file}:${line}`;
}

/** Validate and throw the first error as a UserError naming its file and line; returns the warnings. */
export function assertValidConf(conf: MosquittoConf, options: ValidateOptions): ConfIssue[] {
  const { errors, warnings } = validateMosquittoConf(conf, options);
  const first = errors[0];
  if (first) {
    throw new UserError(first.text, 'BAD_CONFIG', { file: first.file, line: first.line, field: first.field });
  }
  return warnings;
}
