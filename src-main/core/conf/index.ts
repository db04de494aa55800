/**
 * mosquitto.conf as the settings language of the broker: parse (stopping at the first refused line with
 * `file:line`), validate the files it names, and format a model back to a conf Mosquitto starts from.
 * Also Mosquitto's password file ($7$, compatible with mosquitto_passwd) and PSK file.
 */
export * from './model.js';
export * from './limits.js';
export { parseMosquittoConf, type ParseOptions } from './parse.js';
export { includeDirReader, type IncludedFile } from './include-dir.js';
export { formatMosquittoConf, formatBridge, type FormatOptions } from './format.js';
export {
  validateMosquittoConf,
  assertValidConf,
  type ConfIssue,
  type ConfValidation,
  type ValidateOptions,
} from './validate.js';
export { locate, confError, type ConfLocation } from './conf-error.js';
export {
  parsePasswordFile,
  decodePasswordHash,
  hashPassword,
  checkPassword,
  setPassword,
  removePasswordUser,
  DEFAULT_PASSWORD_ITERATIONS,
  type PasswordFile,
  type PasswordHash,
  type PasswordUser,
} from './password-file.js';
export { parsePskFile, pskKeyBytes, formatPskFile, type PskFile, type PskIdentity } from './psk-file.js';
export {
  resolveConfPath,
  readCertificates,
  readPrivateKey,
  readCapath,
  readCrl,
  readFileReason,
} from './tls-files.js';
export {
  LISTENER_KEYWORDS,
  SECURITY_KEYWORDS,
  KNOWN_UNSUPPORTED,
  UNSUPPORTED_BRIDGE_OPTIONS,
  NOT_FOR_WEBSOCKETS,
  NOT_FOR_WEBSOCKETS_KEYWORDS,
  isUnsupportedOption,
} from './options.js';
export {
  settingsFormOf,
  normalizeForm,
  checkSettingsForm,
  describeField,
  FORM_LISTENER_FIELDS,
  FORM_SECURITY_FIELDS,
  type BrokerSettingsForm,
  type SettingsListener,
} from './settings-form.js';
export {
  applySettingsForm,
  confWithForm,
  settingPathsByLine,
  lineOwners,
  type LineOwner,
} from './conf-editor.js';
export { PRODUCTION_ONLY } from './options.js';
