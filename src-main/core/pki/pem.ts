import { UserError } from '../user-error.js';
import type { PemBlock } from './types.js';

const BEGIN = /^-----BEGIN ([A-Z0-9 ]+)-----\s*$/;
const END = /^-----END ([A-Z0-9 ]+)-----\s*$/;

/** True when the bytes look like PEM text (a BEGIN line somewhere). */
export function looksLikePem(data: Buffer | string): boolean {
  const text = typeof data === 'string' ? data : data.subarray(0, 65536).toString('latin1');
  return text.includes('-----BEGIN ');
}

/**
 * Every PEM block in a text, in order. Text outside blocks (comments, `openssl x509 -text` output,
 * bag attributes) is ignored. A block without its END line or with bad base64 is a UserError naming
 * the file and line.
 */
export function parsePemBlocks(text: string | Buffer, file = 'input'): PemBlock[] {
  const source = (typeof text === 'string' ? text : text.toString('utf8')).replace(/\r\n?/g, '\n');
  const lines = source.split('\n');
  const blocks: PemBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const begin = BEGIN.exec(lines[i]!.trim());
    if (!begin) continue;
    const label = begin[1]!;
    const startLine = i + 1;
    const headers: Record<string, string> = {};
    const body: string[] = [];
    let ended = false;
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j]!.trim();
      const end = END.exec(line);
      if (end) {
        if (end[1] !== label) {
          throw new UserError(
            `${file}:${j + 1}: END ${end[1]} does not close BEGIN ${label} (line ${startLine})`,
            'BAD_PEM',
            { file, line: j + 1 },
          );
        }
        ended = true;
        break;
      }
      if (body.length === 0 && /^[A-Za-z-]+:/.test(line)) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon)] = line.slice(colon + 1).trim();
        continue;
      }
      if (line === '') continue;
      if (!/^[A-Za-z0-9+/=]+$/.test(line)) {
        throw new UserError(`${file}:${j + 1}: not base64 inside the ${label} block`, 'BAD_PEM', {
          file,
          line: j + 1,
        });
      }
      body.push(line);
    }
    if (!ended) {
      throw new UserError(
        `${file}:${startLine}: the ${label} block has no END line (truncated?)`,
        'BAD_PEM',
        {
          file,
          line: startLine,
        },
      );
    }
    const b64 = body.join('');
    if (b64.length % 4 !== 0 || /=[^=]/.test(b64)) {
      throw new UserError(
        `${file}:${startLine}: the ${label} block's base64 is truncated or damaged`,
        'BAD_PEM',
        {
          file,
          line: startLine,
        },
      );
    }
    blocks.push({
      label,
      headers,
      der: Buffer.from(b64, 'base64'),
      text: lines.slice(i, j + 1).join('\n') + '\n',
      line: startLine,
    });
    i = j;
  }
  return blocks;
}

/** Encode DER as PEM with 64-character lines. */
export function toPem(der: Buffer | Uint8Array, label: string): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** The DER of the first CERTIFICATE block, or the bytes themselves when they are not PEM. */
export function certificateDer(input: string | Buffer, file = 'input'): Buffer {
  if (looksLikePem(input)) {
    const block = parsePemBlocks(input, file).find(
      (b) => b.label === 'CERTIFICATE' || b.label === 'X509 CERTIFICATE',
    );
    if (!block) throw new UserError(`${file}: no CERTIFICATE block found`, 'BAD_CERTIFICATE', { file });
    return block.der;
  }
  return typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
}
