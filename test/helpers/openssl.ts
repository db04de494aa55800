import { run, type RunResult } from './run.js';

/** Run Debian's openssl (the independent judge) in `cwd`. */
export function openssl(args: string[], cwd?: string, input?: string): Promise<RunResult> {
  return run('openssl', args, {
    timeoutMs: 30_000,
    ...(cwd ? { cwd } : {}),
    ...(input !== undefined ? { input } : {}),
  });
}

/** openssl that must succeed; returns stdout + stderr. */
export async function opensslOk(args: string[], cwd?: string): Promise<string> {
  const result = await openssl(args, cwd);
  if (result.code !== 0)
    throw new Error(`openssl ${args.join(' ')} failed (${result.code}):\n${result.stdout}${result.stderr}`);
  return result.stdout + result.stderr;
}

/** A new P-256 key made by openssl (`genpkey`), written unencrypted as PEM to `path`. */
export function opensslEcKey(path: string): Promise<string> {
  return opensslOk(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path]);
}

/** `openssl req` options for a new P-256 key, written unencrypted. */
export const NEW_EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/**
 * A self-signed certificate made by openssl with a new P-256 key: `openssl req -x509` with the subject,
 * the key written to `key` and the certificate to `cert`; `extra` adds options (e.g. `-addext`).
 */
export function opensslSelfSigned(
  subject: string,
  files: { key: string; cert: string },
  days: number,
  extra: string[] = [],
): Promise<string> {
  return opensslOk([
    ...['req', '-x509', ...NEW_EC_KEY, '-subj', subject, '-days', String(days)],
    ...['-keyout', files.key, '-out', files.cert, ...extra],
  ]);
}
