// The export domain's api methods and events: production Mosquitto bundles from the workspace broker
// settings, and import of a production mosquitto.conf. See ../FOUNDATION.md.
// Private keys never cross: the preview masks them, and bundles are written by the main process.
import { z } from 'zod';
import { method, returns } from './method.js';
import type { ExportPreview, ExportResult, ExportSettings, ImportReport } from '../../core/export/index.js';

const name = z.string().min(1).max(64);
const absolutePath = z.string().min(1).max(4096);

const bridge = z
  .object({
    name,
    address: z.string().min(1).max(300),
    topics: z.array(z.string().min(1).max(500)).min(1).max(100),
    certificate: name.optional(),
    ca: name.optional(),
    tlsVersion: z.enum(['tlsv1.2', 'tlsv1.3']).optional(),
    bridgeAlpn: z.string().min(1).max(100).optional(),
    psk: z
      .object({ identity: z.string().min(1).max(200), key: z.string().min(1).max(512) })
      .strict()
      .optional(),
    remoteClientId: z.string().min(1).max(200).optional(),
    remoteUsername: z.string().min(1).max(200).optional(),
    cleansession: z.boolean().optional(),
  })
  .strict();

/** One bridge of the bridge editor (shared with the broker domain's `broker.bridgesSave`). */
export const exportBridgeSchema = bridge;

/** What to put in a bundle (all optional: the saved settings and the defaults fill in). */
const bundleOptions = {
  /** Where the files live on the production host (default: the saved prefix, else /etc/mosquitto). */
  pathPrefix: absolutePath.optional(),
  /** Broker host name for the clients' ready commands (default: the server certificate's DNS name). */
  host: z.string().min(1).max(253).optional(),
  /** Client bundles: all (default), none, or these certificate names. */
  clients: z.union([z.boolean(), z.array(name).max(10_000)]).optional(),
  /** Add NAME.p12 to each client bundle under this passphrase. */
  p12Passphrase: z.string().min(1).max(1024).optional(),
  /** Include the saved bridges (default true). */
  bridges: z.boolean().optional(),
};

export interface ExportSettingsView {
  settings: ExportSettings;
  /** True when the workspace has broker settings (broker/mosquitto.conf) to export. */
  hasBrokerSettings: boolean;
  /** The prefix the view proposes (/etc/mosquitto unless saved otherwise). */
  defaultPrefix: string;
}

export const exportMethods = {
  /** The saved export choices and bridges, and whether there is anything to export yet. */
  'export.settings': method(z.object({}).strict(), returns<ExportSettingsView>(), {
    readonly: true,
    example: {},
  }),
  /** Save the path prefix, host name and bridges (validated; a bad field is named). */
  'export.saveSettings': method(
    z
      .object({
        pathPrefix: absolutePath.optional(),
        host: z.string().min(1).max(253).optional(),
        bridges: z.array(bridge).max(50),
      })
      .strict(),
    returns<ExportSettings>(),
    { example: { bridges: [] } },
  ),
  /** Every file the bundle would hold (secrets masked), the lint and the client choices — nothing is written. */
  'export.preview': method(z.object(bundleOptions).strict(), returns<ExportPreview>(), {
    readonly: true,
    example: {},
  }),
  /**
   * Write the bundle: into a folder (`target: 'folder'`, paths default to the folder's own absolute path)
   * or as one .tar.gz (`target: 'tar.gz'`, paths default to the saved prefix or /etc/mosquitto).
   * A lint error stops it before anything is written.
   */
  'export.write': method(
    z
      .object({
        target: z.enum(['folder', 'tar.gz']),
        path: absolutePath,
        ...bundleOptions,
      })
      .strict(),
    returns<ExportResult>(),
  ),
  /**
   * Import a production mosquitto.conf (a path on this machine) and every file it names into the
   * workspace: broker settings, certificates and keys. All or nothing; `replace` to overwrite existing
   * broker settings.
   */
  'export.import': method(
    z.object({ file: absolutePath, replace: z.boolean().optional() }).strict(),
    returns<ImportReport>(),
  ),
};

export interface ExportEvents {
  /** A bundle was written. */
  'export.written': { target: string; kind: 'folder' | 'tar.gz'; files: number };
  /** A production config was imported into the workspace broker settings. */
  'export.imported': { conf: string; certificates: string[] };
}
