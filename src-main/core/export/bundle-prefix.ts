import { existsSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { FILE_OPTIONS, FOLDER_OPTIONS } from './conf-files.js';
import type { ConfOption } from './conf-sections.js';

/**
 * A bundle made for production names its files under the production prefix (/etc/mosquitto…), but
 * the copy the user imports from is a folder on this machine (the export folder, an unpacked
 * .tar.gz). Import maps such paths back to the bundle folder: every file the conf names under the
 * prefix that exists at the same place inside the folder holding mosquitto.conf.
 */

export interface PrefixMapping {
  /** The prefix the conf's paths were written under. */
  from: string;
  /** The folder they were found in (the folder of the imported mosquitto.conf). */
  to: string;
  /** How the prefix was known: the export's header line, or inferred from missing paths. */
  how: 'export header' | 'inferred';
  /** The conf lines rewritten (option and the path they named). */
  options: Array<{ line: number; option: string; path: string }>;
  /** Paths under the prefix found neither on this machine nor in the bundle folder. */
  missing: Array<{ line: number; option: string; value: string; inBundle: string }>;
}

/** The prefix named by our own export's header ("# Every file it names is under PREFIX; …"). */
export function exportedPrefix(text: string): string | undefined {
  const head = text.split('\n', 8).join('\n');
  if (!head.includes('exported by MQTT TLS Studio')) return undefined;
  const match = /^# Every file it names is under (\/\S*?);/m.exec(head);
  return match?.[1];
}

function isFileOption(key: string): boolean {
  return key in FILE_OPTIONS || (FOLDER_OPTIONS as readonly string[]).includes(key);
}

/** The part of `path` under `prefix`, or undefined when it is not under it. */
function under(prefix: string, path: string): string | undefined {
  const rel = relative(prefix, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : undefined;
}

/**
 * The rewrite of `options` (absolute file paths) that makes them point into `bundleDir`, or undefined
 * when nothing needs mapping. With the export header's prefix, every path under it that exists in the
 * bundle folder is mapped (the bundle's own copy wins over a file of the same name on this machine).
 * Without it, only paths missing here are mapped, under the longest prefix that finds them all.
 */
export function mapBundlePrefix(
  text: string,
  options: readonly ConfOption[],
  bundleDir: string,
): PrefixMapping | undefined {
  const files = options.filter((o) => isFileOption(o.key) && isAbsolute(o.value));
  const header = exportedPrefix(text);
  const exists = (rel: string) => existsSync(resolve(bundleDir, rel));
  let from: string | undefined;
  let how: PrefixMapping['how'] = 'export header';
  if (header !== undefined && resolve(header) !== resolve(bundleDir)) {
    from = header;
  } else if (header === undefined) {
    const missing = files.filter((o) => !existsSync(o.value));
    if (missing.length === 0) return undefined;
    // Longest ancestor of the first missing path under which every missing path is in the bundle.
    for (let candidate = dirname(missing[0]!.value); ; candidate = dirname(candidate)) {
      const found = missing.every((o) => {
        const rel = under(candidate, o.value);
        return rel !== undefined && exists(rel);
      });
      if (found && resolve(candidate) !== resolve(bundleDir)) {
        from = candidate;
        how = 'inferred';
        break;
      }
      if (candidate === dirname(candidate)) break;
    }
  }
  if (from === undefined) return undefined;
  const prefix = from;
  const mapped = files.flatMap((o) => {
    const rel = under(prefix, o.value);
    if (rel === undefined || !exists(rel)) return [];
    if (how === 'inferred' && existsSync(o.value)) return [];
    return [{ line: o.line, option: o.key, path: rel }];
  });
  const missing = files.flatMap((o) => {
    const rel = under(prefix, o.value);
    if (rel === undefined || exists(rel) || existsSync(o.value)) return [];
    return [{ line: o.line, option: o.key, value: o.value, inBundle: resolve(bundleDir, rel) }];
  });
  if (mapped.length === 0 && missing.length === 0) return undefined;
  return { from: prefix, to: bundleDir, how, options: mapped, missing };
}
