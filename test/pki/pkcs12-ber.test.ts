/**
 * PKCS#12 in BER, as Windows and Java write it: indefinite lengths at every level and OCTET STRINGs
 * in constructed (chunked) form — the authenticated safe, the encrypted safe's content, the shrouded
 * key. Made here from openssl's own file (re-encoded, MAC recomputed); openssl reads the result, and
 * so must the workshop.
 */
import { createHmac } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.js';
import { openssl, opensslOk } from './helpers.js';
import { parsePkcs12Async } from '../../src-main/core/pki/index.js';
import { bmpPassword, pkcs12Kdf } from '../../src-main/core/pki/key-derivation.js';

/** The BER bytes of a value: constructed ones with indefinite lengths, OCTET STRINGs chunked. */
function ber(node: asn1js.AsnType): Buffer {
  const block = node as asn1js.BaseBlock & { valueBlock: { value?: asn1js.AsnType[] } };
  const id = block.idBlock;
  const tag = Buffer.from([((id.tagClass - 1) << 6) | (id.isConstructed ? 0x20 : 0) | id.tagNumber]);
  const octetString = id.tagClass === 1 && id.tagNumber === 4 && !id.isConstructed;
  const implicitOctets = id.tagClass === 3 && !id.isConstructed; // [0] IMPLICIT OCTET STRING
  if (octetString || implicitOctets) {
    const bytes = Buffer.from((node as asn1js.OctetString).valueBlock.valueHexView);
    // An OCTET STRING holding a structure (what PKCS#12 nests) gets that structure in BER too.
    // (encrypted bytes that merely look like ASN.1 can make asn1js throw: then they are not a structure)
    let inner: ReturnType<typeof asn1js.fromBER> | undefined;
    try {
      inner = octetString ? asn1js.fromBER(bytes) : undefined;
    } catch {
      inner = undefined;
    }
    const content = inner && inner.offset === bytes.length && !inner.result.error ? ber(inner.result) : bytes;
    const pieces: Buffer[] = [];
    for (let i = 0; i < content.length; i += 7) {
      const piece = content.subarray(i, i + 7);
      pieces.push(Buffer.concat([Buffer.from([0x04, piece.length]), piece]));
    }
    return Buffer.concat([Buffer.from([tag[0]! | 0x20, 0x80]), ...pieces, Buffer.from([0, 0])]);
  }
  if (!id.isConstructed) return Buffer.from(node.toBER(false));
  const children = (block.valueBlock.value ?? []).map(ber);
  return Buffer.concat([tag, Buffer.from([0x80]), ...children, Buffer.from([0, 0])]);
}

describe('PKCS#12 in BER (indefinite lengths, constructed OCTET STRINGs)', () => {
  const dir = tempDir('pki-p12ber-');
  const f = (name: string) => join(dir, name);

  beforeAll(async () => {
    await opensslOk([
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'],
      ...['-keyout', f('leaf.key'), '-subj', '/CN=ber.p12', '-days', '30', '-out', f('leaf.crt')],
    ]);
    await opensslOk([
      ...['pkcs12', '-export', '-in', f('leaf.crt'), '-inkey', f('leaf.key')],
      ...['-passout', 'pass:pw', '-out', f('der.p12')],
    ]);
    // Re-encode: PFX and everything under it in BER; the MAC is over the new authenticated safe octets.
    const pfx = asn1js.fromBER(readFileSync(f('der.p12'))).result as asn1js.Sequence;
    const [version, authSafe, macData] = pfx.valueBlock.value as [
      asn1js.Integer,
      asn1js.Sequence,
      asn1js.Sequence,
    ];
    const octets = (authSafe.valueBlock.value[1] as asn1js.Constructed).valueBlock
      .value[0] as asn1js.OctetString;
    const safes = ber(asn1js.fromBER(octets.valueBlock.valueHexView).result);
    const [digestInfo, salt, iterations] = macData.valueBlock.value as [
      asn1js.Sequence,
      asn1js.OctetString,
      asn1js.Integer,
    ];
    const key = pkcs12Kdf(
      'sha256',
      bmpPassword('pw'),
      Buffer.from(salt.valueBlock.valueHexView),
      3,
      iterations.valueBlock.valueDec,
      32,
    );
    const mac = createHmac('sha256', key).update(safes).digest();
    const newMac = new asn1js.Sequence({
      value: [
        new asn1js.Sequence({
          value: [digestInfo.valueBlock.value[0]!, new asn1js.OctetString({ valueHex: mac })],
        }),
        salt,
        iterations,
      ],
    });
    const authSafeBer = Buffer.concat([
      Buffer.from([0x30, 0x80]),
      Buffer.from(authSafe.valueBlock.value[0]!.toBER(false)),
      Buffer.from([0xa0, 0x80, 0x24, 0x80]),
      ...Array.from({ length: Math.ceil(safes.length / 50) }, (_, i) => {
        const piece = safes.subarray(i * 50, i * 50 + 50);
        return Buffer.concat([Buffer.from([0x04, piece.length]), piece]);
      }),
      Buffer.from([0, 0, 0, 0, 0, 0]),
    ]);
    writeFileSync(
      f('ber.p12'),
      Buffer.concat([
        Buffer.from([0x30, 0x80]),
        Buffer.from(version.toBER(false)),
        authSafeBer,
        Buffer.from(newMac.toBER(false)), // MacData as DER: Windows and Java write it so
        Buffer.from([0, 0]),
      ]),
    );
  }, 60_000);

  it('openssl reads the BER file, and so does the workshop', async () => {
    const file = readFileSync(f('ber.p12'));
    expect(file.subarray(0, 2)).toEqual(Buffer.from([0x30, 0x80]));
    const judged = await openssl(['pkcs12', '-in', f('ber.p12'), '-passin', 'pass:pw', '-nodes']);
    expect(judged.code, judged.stderr).toBe(0);
    expect(judged.stdout).toContain('BEGIN CERTIFICATE');
    const contents = await parsePkcs12Async(file, 'pw', 'ber.p12');
    expect(contents.certPem.replace(/\s/g, '')).toBe(readFileSync(f('leaf.crt'), 'utf8').replace(/\s/g, ''));
    expect(contents.keyPem).toContain('BEGIN PRIVATE KEY');
    await expect(parsePkcs12Async(file, 'nope', 'ber.p12')).rejects.toThrow(
      /^ber\.p12: wrong passphrase for the PKCS#12 file$/,
    );
  });
});
