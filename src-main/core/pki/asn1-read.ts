/**
 * Decode one DER structure with @peculiar/asn1-schema while keeping asn1js's tree, whose blocks know
 * the exact bytes they came from (a Name's encoding for the RFC 2253 printer, a TBS for its signature).
 * Errors are `Asn1ReadError`s with a short text (decode-failure.ts turns them into words).
 */
import { AsnParser } from '@peculiar/asn1-schema';
import * as asn1js from 'asn1js';

export class Asn1ReadError extends Error {}

export interface Read<T> {
  value: T;
  /** asn1js's tree of the same bytes. */
  tree: asn1js.AsnType;
}

/** asn1js's tree of `der`: exactly one element, nothing after it. */
export function readAsn1Tree(der: Uint8Array, what: string): asn1js.AsnType {
  // copyInput false: the tree points into `der` (never changed afterwards) instead of a copy of it.
  const parsed = asn1js.fromBER(der, { copyInput: false });
  if (parsed.offset === -1 || parsed.result.error) throw new Asn1ReadError(`${what}: damaged encoding`);
  if (parsed.offset !== der.byteLength) {
    throw new Asn1ReadError(`${what}: ${der.byteLength - parsed.offset} bytes after the end`);
  }
  return parsed.result;
}

/** `der` decoded as `Type`: exactly one element, nothing after it. */
export function readAsn1<T>(der: Uint8Array, Type: new () => T, what: string): Read<T> {
  const tree = readAsn1Tree(der, what);
  try {
    return { value: AsnParser.fromASN(tree, Type), tree };
  } catch {
    throw new Asn1ReadError(`${what}: not the expected structure`);
  }
}

/** The children of a constructed asn1js block ([] for a primitive one). */
export function elementsOf(block: asn1js.AsnType | undefined): asn1js.AsnType[] {
  const value = (block as asn1js.Constructed | undefined)?.valueBlock?.value;
  return Array.isArray(value) ? value : [];
}

/** The bytes a block was decoded from (tag, length and content). */
export function encodingOf(block: asn1js.AsnType): Buffer {
  const view = (block as asn1js.BaseBlock).valueBeforeDecodeView;
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

/** A decoded Time, refusing one that is not a date. */
export function dateOf(time: { getTime(): Date }, what: string): Date {
  const date = time.getTime();
  if (Number.isNaN(date.getTime())) throw new Asn1ReadError(`${what}: not a valid time`);
  return date;
}
