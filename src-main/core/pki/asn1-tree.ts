/**
 * Walking asn1js's tree beside an asn1-schema object: the exact bytes of a part (a Name for the RFC 2253
 * printer, a SubjectPublicKeyInfo for Node, a signed TBS) that asn1-schema's decoded object no longer has.
 */
import type * as asn1js from 'asn1js';
import { bufferOf } from './asn1-decode.js';

/** The children of a constructed asn1js value ([] for a primitive one). */
export function elementsOf(block: asn1js.AsnType | undefined): asn1js.AsnType[] {
  const value = (block as asn1js.Constructed | undefined)?.valueBlock?.value;
  return Array.isArray(value) ? value : [];
}

/** The bytes an asn1js value was read from (tag, length and content). */
export function encodingOf(block: asn1js.AsnType): Buffer {
  return bufferOf((block as asn1js.BaseBlock).valueBeforeDecodeView);
}
