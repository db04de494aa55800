import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PeerCertificate } from 'node:tls';
import * as asn1js from 'asn1js';
import { describe, expect, it } from 'vitest';
import { factsFromOpenssl } from '../../src-main/core/broker/client-certificate-facts.js';
import { factsFromParse } from '../../src-main/core/broker/client-certificate-parse.js';
import { buildCertificate } from '../../src-main/core/pki/certificate-builder.js';
import { encodeName } from '../../src-main/core/pki/distinguished-name.js';
import { NAME_ATTRIBUTES } from '../../src-main/core/pki/oids.js';
import { opensslOk, opensslSelfSigned } from '../helpers/openssl.js';
import { tempDir } from '../helpers/tmp.js';

// The broker takes a client certificate's facts from OpenSSL's decoding (Node's X509Certificate and
// getPeerCertificate fields) instead of parsing it again; they must equal the workshop reader's, whose
// RFC 2253 printer is judged by openssl elsewhere — and openssl judges here too.

/** What getPeerCertificate() returns for this certificate (the same C++ conversion as toLegacyObject). */
function peerOf(der: Buffer): PeerCertificate {
  return new X509Certificate(der).toLegacyObject() as PeerCertificate;
}

const signer = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signerSpki = signer.publicKey.export({ format: 'der', type: 'spki' });

/** A certificate whose subject is exactly `subject` (DER), issued under `issuer`. */
function certificateWith(subject: Buffer, issuer = subject): Buffer {
  return buildCertificate({
    subject,
    issuer,
    spki: signerSpki,
    signingKey: signer.privateKey,
    issuerKeyId: Buffer.alloc(20, 1),
    notBefore: new Date('2026-01-01T00:00:00Z'),
    notAfter: new Date('2051-06-30T12:34:56Z'),
    keyUsage: ['digitalSignature'],
  });
}

/** One attribute per RDN; each value given as tag + content octets (any string type, as a CA may write it). */
function rawName(...attributes: Array<[string, number, number[]]>): Buffer {
  const rdns = attributes.map(
    ([oid, tag, octets]) =>
      new asn1js.Set({
        value: [
          new asn1js.Sequence({
            value: [
              new asn1js.ObjectIdentifier({ value: oid }),
              new asn1js.Primitive({
                idBlock: { tagClass: 1, tagNumber: tag },
                valueHex: new Uint8Array(octets),
              }),
            ],
          }),
        ],
      }),
  );
  return Buffer.from(new asn1js.Sequence({ value: rdns }).toBER());
}

async function opensslSubject(der: Buffer, dir: string, field: 'subject' | 'issuer'): Promise<string> {
  const file = join(dir, `c-${Math.random().toString(36).slice(2)}.der`);
  const { writeFileSync } = await import('node:fs');
  writeFileSync(file, der);
  const out = await opensslOk([
    'x509',
    '-inform',
    'der',
    '-in',
    file,
    '-noout',
    `-${field}`,
    '-nameopt',
    'RFC2253',
  ]);
  return out.replace(new RegExp(`^${field}=`), '').replace(/\n$/, '');
}

const UTF8 = 12;
const BMP = 30;
const T61 = 20;
const PRINTABLE = 19;
const UNIVERSAL = 28;
const NUMERIC = 18;
const IA5 = 22;
const CN = '2.5.4.3';
const utf8 = (text: string) => [...Buffer.from(text, 'utf8')];

const awkward: Record<string, Buffer> = {
  'RFC 2253 specials': rawName([CN, UTF8, utf8(' #Lead, Dev+1 "q" <x>;\\ trail ')]),
  'UTF-8 text': rawName([CN, UTF8, utf8('é 漢 😀')], ['2.5.4.10', UTF8, utf8('Zürich AG')]),
  BMPString: rawName([CN, BMP, [0x00, 0x41, 0x00, 0xe9, 0x6f, 0x22]]),
  'T61String with a Latin-1 octet': rawName([CN, T61, [0x41, 0xe9]]),
  'PrintableString with a high octet': rawName([CN, PRINTABLE, [0x41, 0xe9]]),
  UniversalString: rawName([CN, UNIVERSAL, [0, 1, 0xf6, 0x00]]),
  'NUL and controls in the CN': rawName([CN, UTF8, [0x41, 0, 0x42, 0x0a, 0x7f, 0x20]]),
  'a lone #': rawName([CN, UTF8, [0x23]]),
  'an empty value': rawName([CN, UTF8, []]),
  'no attributes': rawName(),
  'two CNs and types out of order': rawName(
    ['2.5.4.11', UTF8, utf8('a')],
    [CN, UTF8, utf8('first')],
    ['2.5.4.11', UTF8, utf8('b')],
    [CN, UTF8, utf8('second')],
  ),
  'numeric, IA5 and DC': rawName(
    ['2.5.4.5', NUMERIC, utf8('123')],
    ['1.2.840.113549.1.9.1', IA5, utf8('a@b')],
    ['0.9.2342.19200300.100.1.25', IA5, utf8('example')],
  ),
};

describe('client certificate facts from OpenSSL’s decoding', () => {
  it.each(Object.entries(awkward))(
    '%s: the same facts as the full parse, and openssl’s RFC 2253',
    async (_, name) => {
      const dir = tempDir('cert-facts-');
      const der = certificateWith(name, encodeName([[CN, 'Facts CA, "Inc"']]));
      const fast = factsFromOpenssl(peerOf(der));
      expect(fast).toBeDefined();
      expect(fast).toEqual(factsFromParse(peerOf(der)));
      expect(fast!.summary.subject).toBe(await opensslSubject(der, dir, 'subject'));
      expect(fast!.summary.issuer).toBe(await opensslSubject(der, dir, 'issuer'));
      expect(fast!.summary.notAfter).toBe('2051-06-30T12:34:56.000Z');
    },
  );

  it('every attribute type the printer knows, in one name', async () => {
    const dir = tempDir('cert-facts-');
    const oids = Object.keys(NAME_ATTRIBUTES).filter((oid) => oid !== '2.5.4.45'); // a BIT STRING type
    const der = certificateWith(
      encodeName(oids.map((oid, i) => [oid, oid === '2.5.4.6' ? 'DE' : `v${i}+x`])),
    );
    const fast = factsFromOpenssl(peerOf(der));
    expect(fast).toEqual(factsFromParse(peerOf(der)));
    expect(fast!.summary.subject).toBe(await opensslSubject(der, dir, 'subject'));
  });

  it('multi-valued RDNs made by openssl', async () => {
    const dir = tempDir('cert-facts-');
    const files = { key: join(dir, 'k.pem'), cert: join(dir, 'c.pem') };
    await opensslSelfSigned('/CN=a+OU=b\\, c/O= #x;y<z>"q"\\\\ é漢 /C=US/OU=second/CN=dup ', files, 3, [
      '-utf8',
      '-multivalue-rdn',
    ]);
    const der = Buffer.from(new X509Certificate(readFileSync(files.cert)).raw);
    const fast = factsFromOpenssl(peerOf(der));
    expect(fast).toEqual(factsFromParse(peerOf(der)));
    expect(fast!.summary.subject).toBe(await opensslSubject(der, dir, 'subject'));
    expect(fast!.names.cn).toBe('a');
  });

  it('an attribute type outside the table is left to the full parse (RFC 2253 dumps it as #hex)', async () => {
    const dir = tempDir('cert-facts-');
    const der = certificateWith(rawName(['1.2.3.4', UTF8, utf8('A')], [CN, UTF8, utf8('x')]));
    expect(factsFromOpenssl(peerOf(der))).toBeUndefined();
    expect(factsFromParse(peerOf(der)).summary.subject).toBe(await opensslSubject(der, dir, 'subject'));
  });
});
