/**
 * TLS 1.3 record protection (RFC 8446 §5.2, §7.1, §7.3), just enough to read what a server sent under its
 * handshake and first application traffic secrets: HKDF-Expand-Label to derive key and IV from a secret
 * given by the socket's `keylog` event, then AEAD-open each record.
 */
import { createDecipheriv, createHmac, type CipherGCMTypes, type CipherCCMTypes } from 'node:crypto';

interface SuiteParameters {
  hash: 'sha256' | 'sha384';
  cipher: CipherGCMTypes | CipherCCMTypes | 'chacha20-poly1305';
  keyLength: number;
  tagLength: number;
}

const SUITES: Record<number, SuiteParameters> = {
  0x1301: { hash: 'sha256', cipher: 'aes-128-gcm', keyLength: 16, tagLength: 16 },
  0x1302: { hash: 'sha384', cipher: 'aes-256-gcm', keyLength: 32, tagLength: 16 },
  0x1303: { hash: 'sha256', cipher: 'chacha20-poly1305', keyLength: 32, tagLength: 16 },
  0x1304: { hash: 'sha256', cipher: 'aes-128-ccm', keyLength: 16, tagLength: 16 },
  0x1305: { hash: 'sha256', cipher: 'aes-128-ccm', keyLength: 16, tagLength: 8 },
};

export function isTls13SuiteSupported(cipherSuite: number): boolean {
  return cipherSuite in SUITES;
}

/** HKDF-Expand (RFC 5869 §2.3). */
export function hkdfExpand(hash: string, prk: Buffer, info: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  let total = 0;
  for (let counter = 1; total < length; counter++) {
    previous = createHmac(hash, prk)
      .update(Buffer.concat([previous, info, Buffer.from([counter])]))
      .digest();
    blocks.push(previous);
    total += previous.length;
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** HKDF-Expand-Label (RFC 8446 §7.1). */
export function hkdfExpandLabel(
  hash: string,
  secret: Buffer,
  label: string,
  context: Buffer,
  length: number,
): Buffer {
  const fullLabel = Buffer.from(`tls13 ${label}`, 'latin1');
  const info = Buffer.concat([
    Buffer.from([length >> 8, length & 0xff, fullLabel.length]),
    fullLabel,
    Buffer.from([context.length]),
    context,
  ]);
  return hkdfExpand(hash, secret, info, length);
}

export interface OpenedRecord {
  /** The real content type from the inner plaintext. */
  contentType: number;
  content: Buffer;
}

/** Opens successive records protected under one traffic secret; the sequence number counts from 0. */
export class Tls13RecordOpener {
  private sequence = 0n;
  private readonly key: Buffer;
  private readonly iv: Buffer;
  private readonly suite: SuiteParameters;

  constructor(cipherSuite: number, trafficSecret: Buffer) {
    const suite = SUITES[cipherSuite];
    if (!suite) throw new Error(`cipher suite 0x${cipherSuite.toString(16)} is not a TLS 1.3 suite`);
    this.suite = suite;
    this.key = hkdfExpandLabel(suite.hash, trafficSecret, 'key', Buffer.alloc(0), suite.keyLength);
    this.iv = hkdfExpandLabel(suite.hash, trafficSecret, 'iv', Buffer.alloc(0), 12);
  }

  /** Decrypts one TLS_application_data record (header = its 5 header bytes); throws when it does not authenticate. */
  open(header: Buffer, fragment: Buffer): OpenedRecord {
    const { tagLength } = this.suite;
    if (fragment.length < tagLength + 1) throw new Error('record too short to be protected');
    const nonce = Buffer.from(this.iv);
    const sequence = this.sequence;
    for (let i = 0; i < 8; i++) {
      nonce[nonce.length - 1 - i]! ^= Number((sequence >> BigInt(8 * i)) & 0xffn);
    }
    const ciphertext = fragment.subarray(0, fragment.length - tagLength);
    const tag = fragment.subarray(fragment.length - tagLength);
    // The AEAD options differ per cipher family only in typing; the runtime object is the same.
    const decipher = createDecipheriv(this.suite.cipher as CipherGCMTypes, this.key, nonce, {
      authTagLength: tagLength,
    });
    decipher.setAAD(header, { plaintextLength: ciphertext.length });
    decipher.setAuthTag(tag);
    const plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    this.sequence += 1n;
    let end = plaintext.length - 1;
    while (end >= 0 && plaintext[end] === 0) end--;
    if (end < 0) throw new Error('protected record has no content type');
    return { contentType: plaintext[end]!, content: plaintext.subarray(0, end) };
  }
}
