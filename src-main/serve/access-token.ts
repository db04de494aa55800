import { randomBytes, timingSafeEqual } from 'node:crypto';

/** A fresh random per-run token (192 bits). */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export function tokensEqual(a: string | undefined | null, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
