/**
 * The same check as one `openssl s_client` command line, for the user to run elsewhere or paste into a
 * bug report. File arguments name the files the user gave (or placeholders for material from the
 * workspace or a PKCS#12, which s_client cannot read directly).
 */
import { parseTarget } from './target.js';
import type { ProbeTarget, TlsVersion } from './types.js';

export interface OpensslCommandOptions {
  /** CA file path; omitted → the system's default roots. */
  caFile?: string;
  servername?: string;
  alpn?: string[];
  certFile?: string;
  keyFile?: string;
  /** Intermediates to send with the client certificate (`-cert_chain`). */
  certChainFile?: string;
  tlsMin?: TlsVersion;
  tlsMax?: TlsVersion;
  crlFile?: string;
  /** Append the TLS secrets to this NSS key log file (`-keylogfile`), for Wireshark. */
  keyLogFile?: string;
}

/** Quote an argument for a POSIX shell only when it needs it. */
export function shellQuote(argument: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(argument)) return argument;
  return `'${argument.replace(/'/g, `'\\''`)}'`;
}

const VERSION_FLAG: Record<TlsVersion, string> = {
  '1': '-tls1',
  '1.1': '-tls1_1',
  '1.2': '-tls1_2',
  '1.3': '-tls1_3',
};
const VERSION_NAME: Record<TlsVersion, string> = {
  '1': 'TLSv1',
  '1.1': 'TLSv1.1',
  '1.2': 'TLSv1.2',
  '1.3': 'TLSv1.3',
};

export function opensslCommand(
  targetInput: string | ProbeTarget,
  options: OpensslCommandOptions = {},
): string {
  const target = typeof targetInput === 'string' ? parseTarget(targetInput) : targetInput;
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  const args = ['openssl', 's_client', '-connect', `${host}:${target.port}`];
  const servername = options.servername ?? (/^[\d.]+$|:/.test(target.host) ? undefined : target.host);
  if (servername) args.push('-servername', servername);
  else args.push('-noservername');
  if (options.caFile) args.push('-CAfile', options.caFile);
  if (options.certFile) args.push('-cert', options.certFile);
  if (options.keyFile) args.push('-key', options.keyFile);
  if (options.certChainFile) args.push('-cert_chain', options.certChainFile);
  if (options.alpn && options.alpn.length > 0) args.push('-alpn', options.alpn.join(','));
  if (options.tlsMin && options.tlsMax && options.tlsMin === options.tlsMax) {
    args.push(VERSION_FLAG[options.tlsMin]);
  } else {
    if (options.tlsMin) args.push('-min_protocol', VERSION_NAME[options.tlsMin]);
    if (options.tlsMax) args.push('-max_protocol', VERSION_NAME[options.tlsMax]);
  }
  if (options.crlFile) args.push('-CRL', options.crlFile, '-crl_check');
  if (options.keyLogFile) args.push('-keylogfile', options.keyLogFile);
  const checkName = options.servername ?? target.host;
  args.push(/^[\d.]+$|:/.test(checkName) ? '-verify_ip' : '-verify_hostname', checkName);
  args.push('-showcerts', '-verify_return_error');
  return `${args.map(shellQuote).join(' ')} </dev/null`;
}
