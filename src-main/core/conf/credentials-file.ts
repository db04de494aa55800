import { trimEndOf } from '../text-scan.js';

/**
 * The line reader Mosquitto 2.0.11 uses for both password and PSK files (security_default.c,
 * pwfile__parse): `#` in column 1 is a comment, a line without `:` is skipped, the name is the text
 * before the first `:` and the secret the text up to the next `:`, both trimmed.
 */
export interface CredentialLine {
  name: string;
  /** Undefined when nothing follows the colon. */
  secret: string | undefined;
  line: number;
}

export interface CredentialNotice {
  line: number;
  message: string;
}

export function readCredentialLines(text: string): {
  entries: CredentialLine[];
  notices: CredentialNotice[];
} {
  const entries: CredentialLine[] = [];
  const notices: CredentialNotice[] = [];
  const rows = text.split('\n');
  for (let i = 0; i < rows.length; i++) {
    const row = trimEndOf(rows[i], '\r');
    if (row.startsWith('#') || !row.includes(':')) {
      if (row.trim() && !row.startsWith('#')) {
        notices.push({ line: i + 1, message: 'line without ":" skipped (Mosquitto skips it too)' });
      }
      continue;
    }
    // strtok(":") skips leading colons, then splits on the next ones.
    const tokens = row.split(':').filter((t) => t !== '');
    const name = (tokens[0] ?? '').trim();
    if (!name) {
      notices.push({ line: i + 1, message: 'empty name skipped' });
      continue;
    }
    const secret = tokens[1]?.trim();
    entries.push({ name, secret: secret ? secret : undefined, line: i + 1 });
  }
  return { entries, notices };
}
