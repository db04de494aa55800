import { UserError } from '../user-error.js';
import type { MosquittoConf } from './model.js';

export interface ConfLocation {
  file?: string;
  line?: number;
  /** The setting path in the model, e.g. `listeners[0].certfile`. */
  field: string;
  /** `file:line` when known, else a description of the setting. */
  label: string;
}

/** Where a setting of the model was written (file and line when the model came from a file). */
export function locate(conf: MosquittoConf, path: string): ConfLocation {
  const source = conf.source;
  const own = source?.lines[path];
  const parent = own === undefined ? parentPath(path) : undefined;
  const line = own ?? (parent ? source?.lines[parent] : undefined);
  const file = source?.files?.[own === undefined && parent ? parent : path] ?? source?.file;
  if (source && file && line !== undefined) {
    return { file, line, field: path, label: `${file}:${line}` };
  }
  if (source) return { file: source.file, field: path, label: `${source.file} (${path})` };
  return { field: path, label: `broker settings (${describePath(conf, path)})` };
}

/** A setting without a line of its own (e.g. a default) is reported at its listener's line. */
function parentPath(path: string): string | undefined {
  const match = /^listeners\[(\d+)\]/.exec(path);
  return match ? `listeners[${match[1]}]` : undefined;
}

function describePath(conf: MosquittoConf, path: string): string {
  const match = /^listeners\[(\d+)\]\.?(.*)$/.exec(path);
  if (!match) return path;
  const listener = conf.listeners[Number(match[1])];
  const name = listener ? `listener ${listener.port}` : `listener #${Number(match[1]) + 1}`;
  return match[2] ? `${name}, ${match[2]}` : name;
}

/** A UserError whose message starts with the file and line (or setting) at fault. */
export function confError(conf: MosquittoConf, path: string, message: string): UserError {
  const where = locate(conf, path);
  return new UserError(`${where.label}: ${message}`, 'BAD_CONFIG', {
    file: where.file,
    line: where.line,
    field: where.field,
  });
}

/** A UserError at a line of a file that is not the conf itself (password, PSK or ACL file). */
export function fileLineError(
  file: string,
  line: number | undefined,
  message: string,
  code = 'BAD_CONFIG',
): UserError {
  const label = line === undefined ? file : `${file}:${line}`;
  return new UserError(`${label}: ${message}`, code, { file, line });
}
