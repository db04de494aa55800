/**
 * What the browser mode reads from a request before it trusts it, written so that no request line or
 * header, however malformed, can throw: the path and the token of the request target, and whether the
 * Host header names this very server (DNS rebinding: a foreign name resolving to 127.0.0.1).
 */

export interface RequestTarget {
  /** The decoded path, always starting with `/`. */
  path: string;
  /** `?token=` when present. */
  token: string | null;
}

/**
 * The path and token of an origin-form request target (`/path?query`); undefined for anything else
 * (absolute form, `*`, `//host`, a backslash, a malformed %-escape, a NUL byte). Never throws.
 * Parsed by hand rather than with `new URL(target, base)`, which throws on some targets and resolves
 * `//x` or `/\x` to another host.
 */
export function requestTarget(raw: string | undefined): RequestTarget | undefined {
  if (typeof raw !== 'string' || !raw.startsWith('/') || raw.startsWith('//') || raw.includes('\\')) {
    return undefined;
  }
  const end = raw.search(/[?#]/);
  const encodedPath = end === -1 ? raw : raw.slice(0, end);
  const query = end !== -1 && raw[end] === '?' ? raw.slice(end + 1).split('#')[0] : '';
  let path: string;
  try {
    path = decodeURIComponent(encodedPath);
  } catch {
    return undefined;
  }
  if (path.includes('\0') || path.includes('\\')) return undefined;
  return { path, token: new URLSearchParams(query).get('token') };
}

/** True when the request carries exactly one Host header and it is `127.0.0.1:PORT` or `localhost:PORT`. */
export function hostAllowed(rawHeaders: readonly string[], port: number): boolean {
  const hosts: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i].toLowerCase() === 'host') hosts.push(rawHeaders[i + 1] ?? '');
  }
  if (hosts.length !== 1) return false;
  const host = hosts[0].toLowerCase();
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}
