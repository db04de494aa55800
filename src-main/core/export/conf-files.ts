import type { BundleFileKind } from './bundle.js';

/**
 * The mosquitto.conf options whose value is a file, what the bundle calls that file, and whether it is
 * secret. Export copies each into the bundle and rewrites the option to the file's production path;
 * import reads each into the workspace.
 */
export interface FileOption {
  kind: BundleFileKind;
  /** Folder and default name inside the bundle. */
  bundlePath: string;
  secret: boolean;
}

export const FILE_OPTIONS: Readonly<Record<string, FileOption>> = {
  cafile: { kind: 'ca', bundlePath: 'certs/ca.crt', secret: false },
  certfile: { kind: 'server-cert', bundlePath: 'certs/server.crt', secret: false },
  keyfile: { kind: 'server-key', bundlePath: 'certs/server.key', secret: true },
  crlfile: { kind: 'crl', bundlePath: 'certs/crl.pem', secret: false },
  acl_file: { kind: 'acl', bundlePath: 'acl.conf', secret: false },
  password_file: { kind: 'passwords', bundlePath: 'passwd', secret: true },
  psk_file: { kind: 'psk', bundlePath: 'psk.txt', secret: true },
  dhparamfile: { kind: 'ca', bundlePath: 'certs/dhparam.pem', secret: false },
  bridge_cafile: { kind: 'bridge-ca', bundlePath: 'bridges/ca.crt', secret: false },
  bridge_certfile: { kind: 'bridge-cert', bundlePath: 'bridges/bridge.crt', secret: false },
  bridge_keyfile: { kind: 'bridge-key', bundlePath: 'bridges/bridge.key', secret: true },
};

/** Options naming a folder (OpenSSL hashed-name CA folders) rather than a file. */
export const FOLDER_OPTIONS = ['capath', 'bridge_capath'] as const;

/** `name`, or `name-2`, `name-3`… (before the extension) when taken. */
export function uniquePath(path: string, taken: ReadonlySet<string>): string {
  if (!taken.has(path)) return path;
  const slash = path.lastIndexOf('/');
  const dot = path.indexOf('.', slash + 1);
  const stem = dot > slash ? path.slice(0, dot) : path;
  const ext = dot > slash ? path.slice(dot) : '';
  for (let i = 2; ; i++) {
    const candidate = `${stem}-${i}${ext}`;
    if (!taken.has(candidate)) return candidate;
  }
}
