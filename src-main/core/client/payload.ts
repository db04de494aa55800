import { UserError } from '../user-error.js';

export const PAYLOAD_FORMATS = ['text', 'json', 'hex', 'base64'] as const;
export type PayloadFormat = (typeof PAYLOAD_FORMATS)[number];

/** MQTT's largest payload is bounded by the 256 MB remaining length; refuse absurd sizes early. */
export const MAX_PAYLOAD_BYTES = 256 * 1024 * 1024 - 1024;

/**
 * Turn what the user typed into the bytes to publish. `json` must parse (it is sent as typed, so the
 * user's formatting is kept); `hex` accepts spaces, colons and a 0x prefix; `base64` must be canonical
 * base64 or base64url.
 */
export function encodePayload(text: string, format: PayloadFormat, field = 'payload'): Buffer {
  let bytes: Buffer;
  switch (format) {
    case 'text':
      bytes = Buffer.from(text, 'utf8');
      break;
    case 'json':
      try {
        JSON.parse(text);
      } catch (error) {
        throw new UserError(`${field}: not valid JSON (${(error as Error).message})`, 'BAD_PAYLOAD', {
          field,
        });
      }
      bytes = Buffer.from(text, 'utf8');
      break;
    case 'hex': {
      const clean = text.replace(/^0x/i, '').replace(/[\s:]/g, '');
      if (!/^[0-9a-fA-F]*$/.test(clean)) {
        const bad = /[^0-9a-fA-F]/.exec(clean)![0];
        throw new UserError(`${field}: "${bad}" is not a hex digit`, 'BAD_PAYLOAD', { field });
      }
      if (clean.length % 2 !== 0) {
        throw new UserError(
          `${field}: hex needs an even number of digits (got ${clean.length})`,
          'BAD_PAYLOAD',
          {
            field,
          },
        );
      }
      bytes = Buffer.from(clean, 'hex');
      break;
    }
    case 'base64': {
      const clean = text.replace(/\s/g, '');
      if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(clean) || clean.length % 4 === 1) {
        throw new UserError(`${field}: not valid base64`, 'BAD_PAYLOAD', { field });
      }
      bytes = Buffer.from(clean.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
      break;
    }
    default:
      throw new UserError(
        `${field}: unknown payload format "${String(format)}" (use ${PAYLOAD_FORMATS.join(', ')})`,
        'BAD_PAYLOAD',
        { field: `${field}Format` },
      );
  }
  if (bytes.length > MAX_PAYLOAD_BYTES) {
    throw new UserError(`${field}: ${bytes.length} bytes is more than MQTT can carry`, 'BAD_PAYLOAD', {
      field,
    });
  }
  return bytes;
}

/** Is this payload valid UTF-8 text (so a viewer may show it as text)? */
export function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}
