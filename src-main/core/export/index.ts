/**
 * Export to production Mosquitto, and import from it: a bundle Mosquitto 2.x starts from unchanged
 * (mosquitto.conf with every path under a prefix, the server's full chain, keys 0600, CRL, ACL, password
 * and PSK files, bridges, per-device client bundles with ready commands), linted for Mosquitto's traps,
 * previewed, written to a folder or a .tar.gz; and a production mosquitto.conf read back into the
 * workspace, all or nothing.
 */
export {
  exportMosquitto,
  exportMosquittoTarGz,
  planMosquittoExport,
  previewMosquittoExport,
  BROKER_CONF,
  DEFAULT_PREFIX,
  type ClientChoice,
  type ExportMosquittoOptions,
  type ExportPlan,
  type ExportPreview,
  type ExportResult,
} from './export-mosquitto.js';
export {
  importMosquittoConf,
  type ImportOptions,
  type ImportReport,
  type NotCarried,
  type ImportedFile,
} from './import-mosquitto.js';
export type { PrefixMapping } from './bundle-prefix.js';
export {
  readExportSettings,
  saveExportSettings,
  validateBridge,
  EXPORT_SETTINGS_FILE,
  type BridgeSettings,
  type ExportSettings,
} from './export-settings.js';
export { lintMosquittoConf, type ExportLintFinding, type ExportLintSeverity } from './lint-mosquitto-conf.js';
export type { BundleFile, BundleFileKind, PreviewFile } from './bundle.js';
export { tarArchive, tarGz, type TarEntry } from './tar-writer.js';
