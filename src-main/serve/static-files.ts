import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import type { ServerResponse } from 'node:http';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** Serve one file of the built renderer; false when there is no such file. */
export function serveStatic(
  root: string,
  urlPath: string,
  res: ServerResponse,
  headers: Record<string, string>,
): boolean {
  const relative = normalize(decodeURIComponent(urlPath)).replace(/^([/\\])+/, '');
  const full = join(root, relative || 'index.html');
  if (!full.startsWith(root + sep) && full !== root) return false;
  if (!existsSync(full) || !statSync(full).isFile()) return false;
  res.writeHead(200, {
    ...headers,
    'Content-Type': TYPES[extname(full)] ?? 'application/octet-stream',
  });
  createReadStream(full).pipe(res);
  return true;
}
