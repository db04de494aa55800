import { UserError, messageOf } from '../user-error.js';
import { includeDirReader, resolveConfPath, type IncludedFile } from './conf-access.js';
import { trimEndOf, trimStartOf } from '../text-scan.js';

/**
 * A production mosquitto.conf often keeps its listeners in `include_dir` files (Debian's default
 * /etc/mosquitto/mosquitto.conf is only `include_dir /etc/mosquitto/conf.d` and a few globals). Import
 * reads them in place, as Mosquitto does (every `*.conf` of the folder, in name order), and remembers
 * where each line came from so every error still names the real file and line.
 */
export interface MergedConf {
  text: string;
  /** For each 1-based line of `text`: the file and line it came from. */
  origin: Array<{ file: string; line: number }>;
  /** The include_dir lines that were expanded, with the files read. */
  included: Array<{ file: string; line: number; dir: string; files: string[] }>;
}

export function mergeIncludeDirs(text: string, file: string, baseDir: string): MergedConf {
  const out: string[] = [];
  const origin: MergedConf['origin'] = [];
  const included: MergedConf['included'] = [];
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const match = includeDirLine(raw);
    if (!match) {
      out.push(raw);
      origin.push({ file, line: index + 1 });
      return;
    }
    const dir = resolveConfPath(baseDir, match[1]!);
    let entries: IncludedFile[];
    try {
      entries = includeDirReader(baseDir)(match[1]!);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UserError(
        `${file}:${index + 1}: include_dir ${match[1]}: ${code === 'ENOENT' ? 'no such folder' : messageOf(error)}`,
        'CONF_MISSING_FILE',
        { file, line: index + 1 },
      );
    }
    out.push(`# include_dir ${match[1]} (read in place by the import)`);
    origin.push({ file, line: index + 1 });
    const files: string[] = [];
    for (const { file: path, text: body } of entries) {
      files.push(path);
      out.push(`# --- ${path} ---`);
      origin.push({ file: path, line: 1 });
      body
        .replace(/\n$/, '')
        .split('\n')
        .forEach((line, i) => {
          if (/^ *include_dir /.test(line)) {
            throw new UserError(
              `${path}:${i + 1}: include_dir inside an included file (Mosquitto refuses it too)`,
              'BAD_CONFIG',
              {
                file: path,
                line: i + 1,
              },
            );
          }
          out.push(line);
          origin.push({ file: path, line: i + 1 });
        });
    }
    included.push({ file, line: index + 1, dir, files });
  });
  return { text: out.join('\n'), origin, included };
}

/** Re-point a UserError raised on the merged text to the real file and line. */
export function relocate(error: unknown, merged: MergedConf, mergedName: string): unknown {
  if (
    !(error instanceof UserError) ||
    error.location.line === undefined ||
    error.location.file !== mergedName
  )
    return error;
  const where = merged.origin[error.location.line - 1];
  if (!where) return error;
  const message = error.message.startsWith(`${mergedName}:${error.location.line}`)
    ? `${where.file}:${where.line}${error.message.slice(`${mergedName}:${error.location.line}`.length)}`
    : error.message;
  return new UserError(message, error.code, { ...error.location, file: where.file, line: where.line });
}

/**
 * `include_dir DIR` (leading spaces allowed, trailing blanks dropped): [line, DIR], else undefined. A
 * loop, not a regex: `/^ *include_dir +(.+?)[ \t\r]*$/` took seconds on a long line of blanks.
 */
function includeDirLine(raw: string): [string, string] | undefined {
  const start = trimStartOf(raw, ' ');
  if (!start.startsWith('include_dir ')) return undefined;
  const dir = trimEndOf(trimStartOf(start.slice('include_dir '.length), ' '), ' \t\r');
  if (dir === '' || /[\r\n\u2028\u2029]/.test(dir)) return undefined;
  return [raw, dir];
}
