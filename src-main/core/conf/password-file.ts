import { createHash, pbkdf2, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { UserError } from '../user-error.js';
import { readCredentialLines, type CredentialNotice } from './credentials-file.js';

const pbkdf2Async = promisify(pbkdf2);

/** mosquitto_passwd's default PBKDF2 iteration count. */
export const DEFAULT_PASSWORD_ITERATIONS = 101;
const SALT_BYTES = 12;
const HASH_BYTES = 64;

/** A decoded Mosquitto password hash: `$7$` (PBKDF2-HMAC-SHA512) or the older `$6$` (SHA-512 of password+salt). */
export type PasswordHash =
  { type: 7; iterations: number; salt: Buffer; hash: Buffer } | { type: 6; salt: Buffer; hash: Buffer };

export interface PasswordUser {
  username: string;
  hash: PasswordHash;
  line: number;
}

export interface PasswordFile {
  users: Map<string, PasswordUser>;
  /** Lines Mosquitto would skip or remove at start, with the reason (it logs them and starts anyway). */
  notices: CredentialNotice[];
}

/** Read a Mosquitto password file as Mosquitto 2.0.11 does: entries it cannot decode are skipped, with a notice. */
export function parsePasswordFile(text: string): PasswordFile {
  const { entries, notices } = readCredentialLines(text);
  const users = new Map<string, PasswordUser>();
  for (const entry of entries) {
    if (entry.secret === undefined) {
      notices.push({
        line: entry.line,
        message: `missing password hash for user ${entry.name}: entry removed`,
      });
      continue;
    }
    const decoded = decodePasswordHash(entry.secret);
    if (typeof decoded === 'string') {
      notices.push({ line: entry.line, message: `${decoded} for user ${entry.name}: entry removed` });
      continue;
    }
    if (users.has(entry.name)) {
      notices.push({ line: entry.line, message: `user ${entry.name} appears twice: the last entry wins` });
    }
    users.set(entry.name, { username: entry.name, hash: decoded, line: entry.line });
  }
  return { users, notices };
}

/** Decode `$7$ITER$SALT$HASH` or `$6$SALT$HASH`; a string is the reason it cannot be decoded. */
export function decodePasswordHash(text: string): PasswordHash | string {
  const tokens = text.split('$').filter((t) => t !== '');
  const type = tokens[0];
  if (type !== '6' && type !== '7') return 'invalid password hash type (not $6$ or $7$)';
  let rest = tokens.slice(1);
  let iterations = 0;
  if (type === '7') {
    iterations = Number.parseInt(rest[0] ?? '', 10);
    if (!(iterations >= 1)) return 'invalid hash iterations';
    rest = rest.slice(1);
  }
  const salt = decodeBase64(rest[0]);
  if (!salt || salt.length !== SALT_BYTES) return 'unable to decode password salt';
  const hash = decodeBase64(rest[1]);
  if (!hash || hash.length !== HASH_BYTES) return 'unable to decode password';
  return type === '7' ? { type: 7, iterations, salt, hash } : { type: 6, salt, hash };
}

function decodeBase64(text: string | undefined): Buffer | undefined {
  if (!text || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  return Buffer.from(text, 'base64');
}

/** Hash a password the way `mosquitto_passwd` writes it: `$7$101$<salt>$<hash>`. */
export function hashPassword(password: string, options: { iterations?: number; salt?: Buffer } = {}): string {
  const iterations = options.iterations ?? DEFAULT_PASSWORD_ITERATIONS;
  const salt = options.salt ?? randomBytes(SALT_BYTES);
  if (salt.length !== SALT_BYTES) {
    throw new UserError(`a password salt is ${SALT_BYTES} bytes`, 'BAD_INPUT', { field: 'salt' });
  }
  const hash = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, HASH_BYTES, 'sha512');
  return `$7$${iterations}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Mosquitto compares the CONNECT password as a C string: it ends at the first NUL byte. */
function cString(password: Buffer | string): Buffer {
  const bytes = typeof password === 'string' ? Buffer.from(password, 'utf8') : password;
  const nul = bytes.indexOf(0);
  return nul < 0 ? bytes : bytes.subarray(0, nul);
}

/** True when the password matches the stored hash. */
export async function checkPassword(hash: PasswordHash, password: Buffer | string): Promise<boolean> {
  const bytes = cString(password);
  const digest =
    hash.type === 7
      ? await pbkdf2Async(bytes, hash.salt, hash.iterations, HASH_BYTES, 'sha512')
      : createHash('sha512').update(bytes).update(hash.salt).digest();
  return digest.length === hash.hash.length && timingSafeEqual(digest, hash.hash);
}

/**
 * Add or replace one user in password-file text, like `mosquitto_passwd -b FILE USER PASSWORD`: the
 * other lines are kept as they are.
 */
export function setPassword(text: string, username: string, password: string, iterations?: number): string {
  if (!username || /[:\r\n]/.test(username)) {
    throw new UserError(
      `username "${username}" cannot be empty or contain ":" or a line break`,
      'BAD_INPUT',
      {
        field: 'username',
      },
    );
  }
  if (/[\r\n]/.test(password)) {
    throw new UserError('a password cannot contain a line break', 'BAD_INPUT', { field: 'password' });
  }
  const entry = `${username}:${hashPassword(password, { iterations })}`;
  const rows = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  let replaced = false;
  const out = rows.map((row) => {
    if (row.startsWith('#') || !row.includes(':')) return row;
    const name = row
      .split(':')
      .filter((t) => t !== '')[0]
      ?.trim();
    if (name !== username) return row;
    replaced = true;
    return entry;
  });
  if (!replaced) out.push(entry);
  return out.join('\n') + '\n';
}

/** Remove one user from password-file text (`mosquitto_passwd -D`). */
export function removePasswordUser(text: string, username: string): string {
  const rows = text.replace(/\n$/, '').split('\n');
  const out = rows.filter((row) => {
    if (row.startsWith('#') || !row.includes(':')) return true;
    return (
      row
        .split(':')
        .filter((t) => t !== '')[0]
        ?.trim() !== username
    );
  });
  return out.length === 0 ? '' : out.join('\n') + '\n';
}
