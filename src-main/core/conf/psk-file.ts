import { fileLineError } from './conf-error.js';
import { readCredentialLines, type CredentialNotice } from './credentials-file.js';

export interface PskIdentity {
  identity: string;
  /** The key as written (hexadecimal). */
  hex: string;
  /** The key bytes the TLS handshake uses. */
  key: Buffer;
  line: number;
}

export interface PskFile {
  identities: Map<string, PskIdentity>;
  notices: CredentialNotice[];
}

/**
 * Read a Mosquitto PSK file (`identity:hexkey` per line). Like Mosquitto 2.0.11, a key that is empty or
 * not hexadecimal stops the broker — here with the file and line.
 */
export function parsePskFile(text: string, file = 'psk_file'): PskFile {
  const { entries, notices } = readCredentialLines(text);
  const identities = new Map<string, PskIdentity>();
  for (const entry of entries) {
    if (entry.secret === undefined)
      throw fileLineError(file, entry.line, `empty PSK for identity "${entry.name}"`);
    if (!/^[0-9a-fA-F]+$/.test(entry.secret)) {
      throw fileLineError(
        file,
        entry.line,
        `PSK for identity "${entry.name}" contains non-hexadecimal characters`,
      );
    }
    if (identities.has(entry.name)) {
      notices.push({
        line: entry.line,
        message: `identity ${entry.name} appears twice: the first entry wins`,
      });
      continue;
    }
    identities.set(entry.name, {
      identity: entry.name,
      hex: entry.secret,
      key: pskKeyBytes(entry.secret),
      line: entry.line,
    });
  }
  return { identities, notices };
}

/** Hex → key bytes as Mosquitto's and mosquitto_pub's BIGNUM conversion reads them (an odd length gets a leading 0). */
export function pskKeyBytes(hex: string): Buffer {
  return Buffer.from(hex.length % 2 === 1 ? `0${hex}` : hex, 'hex');
}

export function formatPskFile(entries: Array<{ identity: string; hex: string }>): string {
  return entries.map((e) => `${e.identity}:${e.hex}`).join('\n') + (entries.length ? '\n' : '');
}
