/**
 * What export and import take from the broker's conf module (src-main/core/conf) and the workshop's key
 * reader, in one place.
 */
import { privateKeyPem as keyPem, readKey } from '../pki/index.js';

export {
  parseMosquittoConf,
  validateMosquittoConf,
  assertValidConf,
  listenerScheme,
  parsePskFile,
  parsePasswordFile,
  resolveConfPath,
  includeDirReader,
  formatBridge,
  isUnsupportedOption,
  UNSUPPORTED_BRIDGE_OPTIONS,
  NOT_FOR_WEBSOCKETS_KEYWORDS,
  SECURITY_KEYWORDS,
  TLS_VERSIONS,
  type BridgeSettings as ConfBridge,
  type IncludedFile,
  type MosquittoConf,
} from '../conf/index.js';

/** A PEM private key (any encoding Node reads) as unencrypted PKCS#8 PEM. */
export function privateKeyPem(pem: string, file: string): string {
  return keyPem(readKey(pem, undefined, file));
}
