import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { resolveConfPath } from './conf-access.js';
import { UserError, messageOf } from '../user-error.js';
import type { ConfOption } from './conf-sections.js';
import { pemCertificateBlocks } from '../text-scan.js';

/** A file that a mosquitto.conf line names, read from disk. */
export interface SourceFile {
  option: ConfOption;
  /** Absolute path it was read from. */
  path: string;
  data: Buffer;
}

/** Read the file a conf line names; a missing or unreadable file is a UserError naming `conf:line`. */
export function readConfFile(option: ConfOption, baseDir: string, confFile: string): SourceFile {
  const path = resolveConfPath(baseDir, option.value);
  if (option.value === '') {
    throw new UserError(`${confFile}:${option.line}: ${option.key} needs a file name`, 'CONF_MISSING_FILE', {
      file: confFile,
      line: option.line,
    });
  }
  try {
    if (statSync(path).isDirectory()) {
      throw new UserError(
        `${confFile}:${option.line}: ${option.key} ${option.value}: is a folder, not a file`,
        'CONF_MISSING_FILE',
        {
          file: confFile,
          line: option.line,
        },
      );
    }
    return { option, path, data: readFileSync(path) };
  } catch (error) {
    if (error instanceof UserError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : messageOf(error);
    throw new UserError(
      `${confFile}:${option.line}: ${option.key} ${option.value}: ${why}`,
      'CONF_MISSING_FILE',
      {
        file: confFile,
        line: option.line,
      },
    );
  }
}

/** Every certificate file of a `capath` folder, concatenated (OpenSSL reads the hashed names in it). */
export function readCaPath(option: ConfOption, baseDir: string, confFile: string): SourceFile {
  const path = resolveConfPath(baseDir, option.value);
  let names: string[];
  try {
    names = readdirSync(path).sort();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(
      `${confFile}:${option.line}: ${option.key} ${option.value}: ${code === 'ENOENT' ? 'no such folder' : messageOf(error)}`,
      'CONF_MISSING_FILE',
      { file: confFile, line: option.line },
    );
  }
  const parts: string[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    const full = join(path, name);
    let text: string;
    try {
      if (!statSync(full).isFile()) continue;
      text = readFileSync(full, 'utf8');
    } catch {
      continue;
    }
    for (const block of pemCertificateBlocks(text)) {
      const normal = block + '\n';
      if (!seen.has(normal)) parts.push(normal);
      seen.add(normal);
    }
  }
  return { option, path, data: Buffer.from(parts.join('')) };
}

export { basename };
