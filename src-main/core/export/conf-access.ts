/**
 * What export and import take from the broker's conf module (src-main/core/conf) and the workshop's key
 * reader, in one place. Two lists import needs are not in conf's index (which options the local broker
 * does not support, and which it ignores on websockets listeners); they come from its options module.
 */
import { LISTENER_KEYWORDS } from '../conf/index.js';
import { KNOWN_UNSUPPORTED, NOT_FOR_WEBSOCKETS } from '../conf/options.js';
import { privateKeyPem as keyPem, readKey } from '../pki/index.js';

export {
  parseMosquittoConf,
  validateMosquittoConf,
  assertValidConf,
  listenerScheme,
  parsePskFile,
  type MosquittoConf,
} from '../conf/index.js';
export { KNOWN_UNSUPPORTED };

/** mosquitto.conf keywords Mosquitto 2.0.11 silently ignores on websockets listeners. */
export const NOT_FOR_WEBSOCKETS_KEYWORDS: readonly string[] = NOT_FOR_WEBSOCKETS.map(
  (field) => LISTENER_KEYWORDS[field]!,
);

/** A PEM private key (any encoding Node reads) as unencrypted PKCS#8 PEM. */
export function privateKeyPem(pem: string, file: string): string {
  return keyPem(readKey(pem, undefined, file));
}
