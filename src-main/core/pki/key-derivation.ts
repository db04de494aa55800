/**
 * The key derivations a PKCS#12 or encrypted PKCS#8 file asks for (PBKDF2, scrypt, and the PKCS#12 KDF
 * of RFC 7292 B.2), bounded so that a file cannot make us work for minutes, and run either inline (the
 * synchronous readers) or off the event loop (the async readers the api uses).
 *
 * Readers are generators that `yield` a Derivation and get the derived bytes back, so one parser
 * serves both drivers: `deriveAllSync` and `deriveAll`.
 *
 * Bounds (the guide: Windows refuses PKCS#12 iteration counts above 600,000; BoringSSL allows up to
 * 100,000,000, OpenSSL has no limit, and writes 2,048 by default; Java 10,000):
 * - at most MAX_ITERATIONS (600,000) iterations per derivation, at least 1;
 * - PBKDF2's key length is the cipher's own (OpenSSL's PKCS5_v2_PBKDF2_keyivgen refuses any other);
 * - at most MAX_FILE_WORK (2,000,000) iteration blocks (iterations × output blocks) per file, over
 *   the MAC and every encrypted bag together;
 * - scrypt (RFC 7914; OpenSSL writes N=16384, r=8, p=1): memory 128·N·r at most 32 MiB (OpenSSL's own
 *   cap, SCRYPT_MAX_MEM) and work N·r·p at most 2^20 (8× OpenSSL's default; OpenSSL bounds p only by
 *   2^30/r, so p alone can ask for hours), also over the whole file; N a power of two; a key length of
 *   at most 64 bytes.
 */
import { createHash, hash, pbkdf2, pbkdf2Sync, scrypt, scryptSync } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { promisify } from 'node:util';

export const MAX_ITERATIONS = 600_000;
export const MAX_FILE_WORK = 2_000_000;

const pbkdf2Async = promisify(pbkdf2);
const scryptAsync = promisify(scrypt) as (
  password: Buffer,
  salt: Buffer,
  keyLength: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

export const MAX_SCRYPT_MEMORY = 32 * 1024 * 1024;
export const MAX_SCRYPT_WORK = 2 ** 20;
/** Node's own estimate of scrypt's memory is a little above 128·N·r: leave it room. */
const SCRYPT_MAXMEM = 2 * MAX_SCRYPT_MEMORY;

export type Derivation =
  | { kind: 'pbkdf2'; password: Buffer; salt: Buffer; iterations: number; keyLength: number; digest: string }
  | {
      kind: 'scrypt';
      password: Buffer;
      salt: Buffer;
      cost: number;
      blockSize: number;
      parallel: number;
      keyLength: number;
    }
  | {
      kind: 'pkcs12';
      digest: string;
      password: Buffer;
      salt: Buffer;
      /** 1 = key, 2 = IV, 3 = MAC key. */
      id: number;
      iterations: number;
      size: number;
    };

/** A reader that needs derived keys: yields what it needs, receives the bytes. */
export type Deriving<T> = Generator<Derivation, T, Buffer>;

/** Refusal of a file's key-derivation parameters (a DoS bound or an unsupported digest). */
export class DerivationLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DerivationLimitError';
  }
}

const HASH_BLOCK: Record<string, { u: number; v: number }> = {
  sha1: { u: 20, v: 64 },
  sha224: { u: 28, v: 64 },
  sha256: { u: 32, v: 64 },
  sha384: { u: 48, v: 128 },
  sha512: { u: 64, v: 128 },
};

/** Checks one iteration count against MAX_ITERATIONS (the caller names the part of the file). */
export function checkIterations(iterations: number): number {
  if (!Number.isSafeInteger(iterations) || iterations < 1) {
    throw new DerivationLimitError(`iteration count ${iterations} is not a positive number`);
  }
  if (iterations > MAX_ITERATIONS) {
    throw new DerivationLimitError(
      `iteration count ${iterations.toLocaleString('en')} is above the limit of ${MAX_ITERATIONS.toLocaleString('en')}`,
    );
  }
  return iterations;
}

/** Checks scrypt's parameters against the bounds above (the caller names the part of the file). */
export function checkScrypt(d: {
  cost: number;
  blockSize: number;
  parallel: number;
  keyLength: number;
}): void {
  const { cost, blockSize, parallel, keyLength } = d;
  for (const [name, value] of [
    ['N', cost],
    ['r', blockSize],
    ['p', parallel],
    ['key length', keyLength],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new DerivationLimitError(`scrypt ${name} ${value} is not a positive number`);
    }
  }
  if (cost < 2 || (cost & (cost - 1)) !== 0)
    throw new DerivationLimitError(`scrypt N ${cost} is not a power of two`);
  if (keyLength > 64)
    throw new DerivationLimitError(`scrypt key length ${keyLength} is above the limit of 64`);
  if (128 * cost * blockSize > MAX_SCRYPT_MEMORY) {
    throw new DerivationLimitError(
      `scrypt asks for ${((128 * cost * blockSize) / 2 ** 20).toLocaleString('en')} MiB (N ${cost}, r ${blockSize}); the limit is ${MAX_SCRYPT_MEMORY / 2 ** 20} MiB`,
    );
  }
  if (cost * blockSize * parallel > MAX_SCRYPT_WORK) {
    throw new DerivationLimitError(
      `scrypt work N·r·p = ${(cost * blockSize * parallel).toLocaleString('en')} is above the limit of ${MAX_SCRYPT_WORK.toLocaleString('en')}`,
    );
  }
}

/** The work of one file's derivations, charged as they are asked for. */
export class DerivationBudget {
  private used = 0;
  private scryptUsed = 0;

  charge(derivation: Derivation): void {
    if (derivation.kind === 'scrypt') {
      checkScrypt(derivation);
      this.scryptUsed += derivation.cost * derivation.blockSize * derivation.parallel;
      if (this.scryptUsed > MAX_SCRYPT_WORK) {
        throw new DerivationLimitError(
          `the file asks for more than ${MAX_SCRYPT_WORK.toLocaleString('en')} scrypt work (N·r·p) in total`,
        );
      }
      return;
    }
    checkIterations(derivation.iterations);
    const outputBlock = HASH_BLOCK[derivation.digest]?.u ?? 20;
    const size = derivation.kind === 'pbkdf2' ? derivation.keyLength : derivation.size;
    this.used += derivation.iterations * Math.ceil(size / outputBlock);
    if (this.used > MAX_FILE_WORK) {
      throw new DerivationLimitError(
        `the file asks for more than ${MAX_FILE_WORK.toLocaleString('en')} key-derivation iterations in total`,
      );
    }
  }
}

/** The password as PKCS#12 wants it: BMPString (UTF-16BE) with a two-byte terminator. */
export function bmpPassword(password: string): Buffer {
  const out = Buffer.alloc((password.length + 1) * 2);
  for (let i = 0; i < password.length; i++) out.writeUInt16BE(password.charCodeAt(i), i * 2);
  return out;
}

/**
 * RFC 7292 appendix B.2, one step at a time: yields every few thousand hashes so the async driver can
 * let the event loop run. Hand-written: Node's crypto offers no PKCS#12 KDF, and neither pkijs nor
 * @peculiar implement the legacy PKCS#12 PBE (RC2-40, 3DES) that needs it.
 */
function* pkcs12KdfSteps(d: Extract<Derivation, { kind: 'pkcs12' }>): Generator<void, Buffer> {
  const block = HASH_BLOCK[d.digest];
  if (!block) throw new DerivationLimitError(`PKCS#12 key derivation with ${d.digest} is not supported`);
  const { u, v } = block;
  const diversifier = Buffer.alloc(v, d.id);
  const fill = (data: Buffer): Buffer => {
    if (data.length === 0) return Buffer.alloc(0);
    const length = v * Math.ceil(data.length / v);
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i++) out[i] = data[i % data.length]!;
    return out;
  };
  const input = Buffer.concat([fill(d.salt), fill(d.password)]);
  const out = Buffer.alloc(d.size);
  for (let produced = 0; produced < d.size;) {
    let a = createHash(d.digest).update(diversifier).update(input).digest();
    for (let r = 1; r < d.iterations; r++) {
      a = hash(d.digest, a, 'buffer'); // one-shot: about twice the speed of createHash here
      if ((r & 0xfff) === 0) yield;
    }
    a.copy(out, produced, 0, Math.min(u, d.size - produced));
    produced += u;
    if (produced >= d.size) break;
    const b = Buffer.alloc(v);
    for (let k = 0; k < v; k++) b[k] = a[k % u]!;
    for (let j = 0; j < input.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = input[j + k]! + b[k]! + carry;
        input[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return out;
}

/** The PKCS#12 KDF, inline (bounded by checkIterations at the caller). */
export function pkcs12Kdf(
  digest: string,
  password: Buffer,
  salt: Buffer,
  id: number,
  iterations: number,
  size: number,
): Buffer {
  const steps = pkcs12KdfSteps({ kind: 'pkcs12', digest, password, salt, id, iterations, size });
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

function scryptOptions(d: Extract<Derivation, { kind: 'scrypt' }>) {
  return { N: d.cost, r: d.blockSize, p: d.parallel, maxmem: SCRYPT_MAXMEM };
}

function deriveSync(d: Derivation): Buffer {
  if (d.kind === 'pbkdf2') return pbkdf2Sync(d.password, d.salt, d.iterations, d.keyLength, d.digest);
  if (d.kind === 'scrypt') return scryptSync(d.password, d.salt, d.keyLength, scryptOptions(d));
  return pkcs12Kdf(d.digest, d.password, d.salt, d.id, d.iterations, d.size);
}

async function deriveAsync(d: Derivation): Promise<Buffer> {
  // PBKDF2 runs on libuv's thread pool.
  if (d.kind === 'pbkdf2') return pbkdf2Async(d.password, d.salt, d.iterations, d.keyLength, d.digest);
  if (d.kind === 'scrypt') return scryptAsync(d.password, d.salt, d.keyLength, scryptOptions(d));
  // The PKCS#12 KDF runs here in slices of 4,096 hashes, letting the event loop in between.
  const steps = pkcs12KdfSteps(d);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await nextTurn();
  }
}

/** Run a reader, deriving inline; every derivation is charged to one budget. */
export function deriveAllSync<T>(reader: Deriving<T>): T {
  const budget = new DerivationBudget();
  let step = reader.next(Buffer.alloc(0));
  while (!step.done) {
    budget.charge(step.value);
    step = reader.next(deriveSync(step.value));
  }
  return step.value;
}

/** Run a reader, deriving off the event loop. */
export async function deriveAll<T>(reader: Deriving<T>): Promise<T> {
  const budget = new DerivationBudget();
  let step = reader.next(Buffer.alloc(0));
  while (!step.done) {
    budget.charge(step.value);
    let derived: Buffer;
    try {
      derived = await deriveAsync(step.value);
    } catch (error) {
      step = reader.throw(error);
      continue;
    }
    step = reader.next(derived);
  }
  return step.value;
}
