/**
 * What went wrong while decoding a file's bytes, in words for a one-line message. A decoder's own
 * error (DecodeError from asn1-decode.ts, which already translates asn1js's and asn1-schema's text;
 * a derivation bound) keeps its text; anything else a
 * parser threw on damaged bytes (a TypeError deep in a structure) is reported as damage: malformed
 * input is never an internal error, and a library's own text never reaches the user.
 */
import { UserError } from '../user-error.js';
import { DecodeError } from './asn1-decode.js';
import { DerivationLimitError } from './key-derivation.js';

/** True for the errors whose message is already words about the file's bytes. */
export function isDecodeError(error: unknown): error is Error {
  return error instanceof DecodeError || error instanceof DerivationLimitError;
}

export function decodeFailure(error: unknown): string {
  if (isDecodeError(error)) return error.message;
  return 'damaged: the structure does not decode';
}

/** Rethrow a UserError as it is (it already names its file). */
export function passUserError(error: unknown): void {
  if (error instanceof UserError) throw error;
}
