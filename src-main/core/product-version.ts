import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** The version in the package's package.json (found by walking up from this file). */
export function productVersion(): string {
  if (cached) return cached;
  for (const up of ['../../package.json', '../../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'mqtt-tls-studio' && pkg.version) return (cached = pkg.version);
    } catch {
      // try the next candidate
    }
  }
  return (cached = '0.0.0');
}
