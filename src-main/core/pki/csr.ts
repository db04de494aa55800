/**
 * PKCS#10 certificate signing requests: parse (@peculiar/asn1-csr) and check the proof of possession
 * (node:crypto). The workshop reads requests made elsewhere; it does not write them.
 */
import { AsnParser } from '@peculiar/asn1-schema';
import { CertificationRequest } from '@peculiar/asn1-csr';
import { Extensions } from '@peculiar/asn1-x509';
import { UserError } from '../user-error.js';
import { DecodeError, asn1Value, bufferOf, decodeAs, decodeWords } from './asn1-decode.js';
import { elementsOf, encodingOf } from './asn1-tree.js';
import { decodeFailure, passUserError } from './decode-failure.js';
import { decodeName } from './distinguished-name.js';
import { decodeExtension, type DecodedExtensions } from './extensions.js';
import { verifySignature } from './keys.js';
import { OID } from './oids.js';
import { looksLikePem, parsePemBlocks } from './pem.js';
import type { DistinguishedName } from './types.js';

export interface ParsedCsr {
  der: Buffer;
  subjectDer: Buffer;
  subject: DistinguishedName;
  spki: Buffer;
  signatureOid: string;
  /** Extensions asked for in the extensionRequest attribute. */
  requested: DecodedExtensions;
  /** True when the request is signed by the key it carries. */
  signatureValid: boolean;
}

export function parseCsrDer(der: Buffer): ParsedCsr {
  const tree = asn1Value(der, 'CertificationRequest');
  let csr: CertificationRequest;
  try {
    csr = AsnParser.fromASN(tree, CertificationRequest);
  } catch (error) {
    throw decodeWords(error, 'CertificationRequest');
  }
  // certificationRequestInfo's own bytes are the signed data; its subject and SPKI are copied as they are.
  const infoBlock = elementsOf(tree)[0]!;
  const [, subjectBlock, spkiBlock] = elementsOf(infoBlock);
  if (!subjectBlock || !spkiBlock) throw new DecodeError('certificationRequestInfo: incomplete');
  const requested: DecodedExtensions = {};
  for (const attribute of csr.certificationRequestInfo.attributes) {
    const first = attribute.values[0];
    if (attribute.type !== OID.extensionRequest || !first) continue;
    for (const ext of decodeAs(new Uint8Array(first), Extensions, 'extensionRequest')) {
      decodeExtension(ext.extnID, bufferOf(ext.extnValue.buffer), ext.critical, requested);
    }
  }
  const info = encodingOf(infoBlock);
  const spki = encodingOf(spkiBlock);
  const signatureOid = csr.signatureAlgorithm.algorithm;
  return {
    der,
    subjectDer: encodingOf(subjectBlock),
    subject: decodeName(encodingOf(subjectBlock), 'subject'),
    spki,
    signatureOid,
    requested,
    signatureValid: verifySignature(info, signatureOid, bufferOf(csr.signature), spki),
  };
}

/** Read a CSR (PEM `CERTIFICATE REQUEST` / `NEW CERTIFICATE REQUEST`, or DER). UserError naming the file. */
export function readCsr(input: string | Buffer, file = 'csr'): ParsedCsr {
  const data = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  let der = data;
  let line: number | undefined;
  if (looksLikePem(data)) {
    const block = parsePemBlocks(data, file).find(
      (b) => b.label === 'CERTIFICATE REQUEST' || b.label === 'NEW CERTIFICATE REQUEST',
    );
    if (!block) throw new UserError(`${file}: no CERTIFICATE REQUEST block found`, 'BAD_CSR', { file });
    der = block.der;
    line = block.line;
  }
  try {
    return parseCsrDer(der);
  } catch (error) {
    passUserError(error);
    throw new UserError(
      `${file}${line ? `:${line}` : ''}: not a valid PKCS#10 request (${decodeFailure(error)})`,
      'BAD_CSR',
      {
        file,
        ...(line ? { line } : {}),
      },
    );
  }
}
