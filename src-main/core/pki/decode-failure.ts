/**
 * What went wrong while decoding a file's bytes, in words for a one-line message. A decoder's own
 * error (DerError, a bound) keeps its text; anything else a parser threw on damaged bytes (a TypeError
 * deep in a structure) is reported as damage: malformed input is never an internal error.
 */
import { UserError } from '../user-error.js';
import { Asn1ReadError } from './asn1-read.js';
import { DerError } from './der.js';
import { DerivationLimitError } from './key-derivation.js';

export function decodeFailure(error: unknown): string {
  if (error instanceof DerError || error instanceof Asn1ReadError || error instanceof DerivationLimitError)
    return error.message;
  return 'damaged: the structure does not decode';
}

/** Rethrow a UserError as it is (it already names its file). */
export function passUserError(error: unknown): void {
  if (error instanceof UserError) throw error;
}
