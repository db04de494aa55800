/** PKCS#10 certificate signing requests: parse and check the proof of possession. */
import { UserError } from '../user-error.js';
import { decodeFailure, passUserError } from './decode-failure.js';
import { TAG, children, expectTag, parseDer, readBitString, readOid } from './der.js';
import { decodeExtensions, parseExtensions } from './certificate-parser.js';
import { decodeName } from './distinguished-name.js';
import type { DecodedExtensions } from './extensions.js';
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
  const [infoNode, algNode, sigNode] = children(
    expectTag(parseDer(der), TAG.SEQUENCE, 'CertificationRequest'),
  );
  const info = expectTag(infoNode, TAG.SEQUENCE, 'certificationRequestInfo');
  const [version, subjectNode, spkiNode, attributes] = children(info);
  expectTag(version, TAG.INTEGER, 'version');
  expectTag(subjectNode, TAG.SEQUENCE, 'subject');
  expectTag(spkiNode, TAG.SEQUENCE, 'subjectPKInfo');
  let requested: DecodedExtensions = {};
  if (attributes && attributes.tag === 0xa0) {
    for (const attribute of children(attributes)) {
      const [typeNode, values] = children(attribute);
      if (readOid(typeNode!) === OID.extensionRequest && values) {
        const first = children(values)[0];
        if (first) requested = decodeExtensions(parseExtensions(first));
      }
    }
  }
  const signatureOid = readOid(children(expectTag(algNode, TAG.SEQUENCE, 'signatureAlgorithm'))[0]!);
  const signature = readBitString(expectTag(sigNode, TAG.BIT_STRING, 'signature')).bytes;
  return {
    der,
    subjectDer: subjectNode!.raw,
    subject: decodeName(subjectNode!),
    spki: spkiNode!.raw,
    signatureOid,
    requested,
    signatureValid: verifySignature(info.raw, signatureOid, signature, spkiNode!.raw),
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
