import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect } from 'vitest';
import { UserError } from '../../src-main/core/user-error.js';

/** The openssl runners live in test/helpers; the pki tests import them from here too. */
export { NEW_EC_KEY, openssl, opensslEcKey, opensslOk, opensslSelfSigned } from '../helpers/openssl.js';

/** Every file under dir: relative path → sha256 and mode, to prove a folder did not change. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  const walk = (d: string) => {
    for (const entry of readdirSync(d).sort()) {
      const full = join(d, entry);
      const st = statSync(full);
      if (st.isDirectory()) {
        out[relative(dir, full) + '/'] = (st.mode & 0o777).toString(8);
        walk(full);
      } else {
        out[relative(dir, full)] =
          createHash('sha256').update(readFileSync(full)).digest('hex') + ' ' + (st.mode & 0o777).toString(8);
      }
    }
  };
  walk(dir);
  return out;
}

/**
 * Expect `action` to fail with one UserError whose message matches, and the folder to be exactly as
 * it was before (same files, same bytes, same modes).
 */
export async function expectRefusedUnchanged(
  dir: string,
  action: () => unknown,
  message: RegExp,
): Promise<UserError> {
  const before = snapshot(dir);
  let caught: unknown;
  try {
    await action();
  } catch (error) {
    caught = error;
  }
  expect(caught, 'the action should have failed').toBeInstanceOf(UserError);
  const error = caught as UserError;
  expect(error.message).toMatch(message);
  expect(error.message).not.toContain('\n');
  expect(snapshot(dir)).toEqual(before);
  return error;
}
