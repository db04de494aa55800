import { createPrivateKey } from 'node:crypto';

/**
 * Finding secrets in a file by what they are, whatever its line ends (LF, CRLF, CR, mixed) or trailing
 * spaces: PEM private key blocks (PKCS#8, encrypted PKCS#8, legacy RSA/EC/DSA, OpenSSH, PGP), DER
 * private keys, and the secret options of a mosquitto.conf. Hand-written scan (no library reads "which
 * PEM blocks does this text hold, where", and it must run in linear time on any file).
 */

export const KEY_MASK = '••• private key, not shown •••';
const SECRET_MASK = '••••••••';

export interface PemBlock {
  label: string;
  /** Index of `-----BEGIN`. */
  start: number;
  /** Index just past the BEGIN marker's `-----`. */
  headerEnd: number;
  /** Index of `-----END` (the text's length when the block has no END line). */
  footerStart: number;
  /** Index just past the END marker's `-----` (the text's length without an END line). */
  end: number;
}

const BEGIN = '-----BEGIN ';
const DASHES = '-----';
const MAX_LABEL = 80;

/** Every PEM block of a text, in order; one pass with indexOf (linear time). */
export function pemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  let from = 0;
  for (;;) {
    const start = text.indexOf(BEGIN, from);
    if (start === -1) return blocks;
    const labelStart = start + BEGIN.length;
    const labelEnd = text.indexOf(DASHES, labelStart);
    const label = labelEnd === -1 ? '' : text.slice(labelStart, labelEnd);
    if (labelEnd === -1 || labelEnd - labelStart > MAX_LABEL || /[\r\n]/.test(label)) {
      from = labelStart;
      continue;
    }
    const headerEnd = labelEnd + DASHES.length;
    const footer = `-----END ${label}-----`;
    const footerStart = text.indexOf(footer, headerEnd);
    if (footerStart === -1) {
      blocks.push({ label, start, headerEnd, footerStart: text.length, end: text.length });
      return blocks;
    }
    blocks.push({ label, start, headerEnd, footerStart, end: footerStart + footer.length });
    from = footerStart + footer.length;
  }
}

export function isPrivateKeyLabel(label: string): boolean {
  return label.includes('PRIVATE KEY');
}

/** The line end that follows `index` in the text (`\r\n`, `\r` or `\n`), `\n` when none does. */
function lineEndAfter(text: string, index: number): string {
  const m = /\r\n|\r|\n/.exec(text.slice(index, index + 200));
  return m ? m[0] : '\n';
}

function maskedBlock(text: string, block: PemBlock): string {
  const eol = lineEndAfter(text, block.headerEnd);
  const begin = `-----BEGIN ${block.label}-----`;
  if (block.end === text.length && !text.endsWith(`-----END ${block.label}-----`)) {
    return `${begin}${eol}${KEY_MASK} (no END line)`;
  }
  return `${begin}${eol}${KEY_MASK}${eol}-----END ${block.label}-----`;
}

/** The text with the body of every private key block masked; everything else kept as it is. */
export function maskPrivateKeys(text: string): { text: string; masked: number } {
  let out = '';
  let at = 0;
  let masked = 0;
  for (const block of pemBlocks(text)) {
    if (!isPrivateKeyLabel(block.label)) continue;
    out += text.slice(at, block.start) + maskedBlock(text, block);
    at = block.end;
    masked++;
  }
  return { text: out + text.slice(at), masked };
}

/**
 * A key file shown safely: only its PEM blocks, private ones masked (text between blocks is dropped: it
 * could be an unarmored key). Undefined when it holds no private key block.
 */
export function maskKeyFile(text: string): string | undefined {
  const blocks = pemBlocks(text);
  if (!blocks.some((b) => isPrivateKeyLabel(b.label))) return undefined;
  return blocks
    .map((block) => {
      const shown = isPrivateKeyLabel(block.label)
        ? maskedBlock(text, block)
        : text.slice(block.start, block.end);
      const eol = /^(\r\n|\r|\n)/.exec(text.slice(block.end, block.end + 2));
      return shown + (eol ? eol[0] : '');
    })
    .join('');
}

/** mosquitto.conf options whose value is a secret (a bridge's pre-shared key or remote password). */
const SECRET_OPTIONS = new Set(['bridge_psk', 'remote_password']);

function secretOptionValue(line: string): { keyEnd: number } | undefined {
  const m = /^[ \t]*([A-Za-z_0-9.]{1,40})[ \t]+\S/.exec(line);
  if (!m || !SECRET_OPTIONS.has(m[1])) return undefined;
  return { keyEnd: m[0].length - 1 };
}

/** The conf's text with the value of every secret option masked. */
export function maskConfSecrets(text: string): { text: string; masked: number } {
  let masked = 0;
  const lines = text.split(/(\r\n|\r|\n)/);
  for (let i = 0; i < lines.length; i += 2) {
    const option = secretOptionValue(lines[i]);
    if (!option) continue;
    lines[i] = lines[i].slice(0, option.keyEnd) + SECRET_MASK;
    masked++;
  }
  return { text: lines.join(''), masked };
}

/** Whether bytes are a DER private key (PKCS#8, PKCS#1 RSA or SEC1 EC). */
function isDerPrivateKey(data: Buffer): boolean {
  if (data.length < 16 || data[0] !== 0x30) return false;
  for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
    try {
      createPrivateKey({ key: data, format: 'der', type });
      return true;
    } catch (error) {
      // An encrypted PKCS#8 key is recognised, and only its passphrase is missing.
      if ((error as { code?: string }).code === 'ERR_MISSING_PASSPHRASE') return true;
    }
  }
  return false;
}

/**
 * Whether a file carries a secret: a private key (a PEM block anywhere in it, or DER bytes), or, in a
 * mosquitto.conf, a secret option.
 */
export function carriesSecret(file: { data: string | Buffer; kind: string }): boolean {
  let text: string;
  if (Buffer.isBuffer(file.data)) {
    if (isDerPrivateKey(file.data)) return true;
    text = file.data.toString('latin1');
  } else text = file.data;
  if (pemBlocks(text).some((b) => isPrivateKeyLabel(b.label))) return true;
  return file.kind === 'conf' && maskConfSecrets(text).masked > 0;
}
