import { createReadStream, statSync } from 'node:fs';
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

/** The file of the built renderer a decoded URL path names; undefined when it is outside or not a file. */
export function staticFile(root: string, path: string): string | undefined {
  const relative = normalize(path).replace(/^([/\\])+/, '');
  const full = join(root, relative || 'index.html');
  if (!full.startsWith(root + sep)) return undefined;
  try {
    return statSync(full).isFile() ? full : undefined;
  } catch {
    return undefined;
  }
}

/** Send one file of the built renderer. */
export function sendFile(full: string, res: ServerResponse, headers: Record<string, string>): void {
  const stream = createReadStream(full);
  stream.once('error', () => res.destroy());
  stream.once('open', () => {
    res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(full)] ?? 'application/octet-stream' });
    stream.pipe(res);
  });
}
