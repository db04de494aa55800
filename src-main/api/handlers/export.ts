import { exportMethods } from '../contract/export.js';
import type { Handlers, ServiceContext } from './handler.js';
import {
  BROKER_CONF,
  DEFAULT_PREFIX,
  exportMosquitto,
  exportMosquittoTarGz,
  importMosquittoConf,
  previewMosquittoExport,
  readExportSettings,
  saveExportSettings,
  type ExportMosquittoOptions,
  type ExportSettings,
} from '../../core/export/index.js';

type BundleParams = Omit<ExportMosquittoOptions, 'bridgeSettings'>;

/** Only the options given (zod leaves absent ones undefined). */
function bundleOptions(p: BundleParams): ExportMosquittoOptions {
  const out: ExportMosquittoOptions = {};
  if (p.pathPrefix !== undefined) out.pathPrefix = p.pathPrefix;
  if (p.host !== undefined) out.host = p.host;
  if (p.clients !== undefined) out.clients = p.clients;
  if (p.p12Passphrase !== undefined) out.p12Passphrase = p.p12Passphrase;
  if (p.bridges !== undefined) out.bridges = p.bridges;
  return out;
}

export function exportHandlers(ctx: ServiceContext): Handlers<typeof exportMethods> {
  return {
    'export.settings': () => {
      const settings = readExportSettings(ctx.workspace);
      return {
        settings,
        hasBrokerSettings: ctx.workspace.exists(BROKER_CONF),
        defaultPrefix: settings.pathPrefix ?? DEFAULT_PREFIX,
      };
    },
    'export.saveSettings': (p) => {
      const settings: ExportSettings = { bridges: p.bridges as ExportSettings['bridges'] };
      if (p.pathPrefix !== undefined) settings.pathPrefix = p.pathPrefix;
      if (p.host !== undefined) settings.host = p.host;
      return saveExportSettings(ctx.workspace, settings);
    },
    'export.preview': (p) => previewMosquittoExport(ctx.workspace, bundleOptions(p)),
    'export.write': (p) => {
      const options = bundleOptions(p);
      const result =
        p.target === 'folder'
          ? exportMosquitto(ctx.workspace, { ...options, outDir: p.path })
          : exportMosquittoTarGz(ctx.workspace, { ...options, file: p.path });
      ctx.emit('export.written', { target: result.target, kind: result.kind, files: result.files.length });
      return result;
    },
    'export.import': (p) => {
      const report = importMosquittoConf(ctx.workspace, p.file, { replace: p.replace ?? false });
      const added = report.certificates.filter((c) => c.status === 'added').map((c) => c.name);
      ctx.emit('export.imported', { conf: report.conf, certificates: added });
      if (added.length > 0) ctx.emit('pki.changed', { names: added });
      return report;
    },
  };
}
