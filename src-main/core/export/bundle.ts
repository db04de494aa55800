import { chownSync, existsSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PRIVATE_MODE, PUBLIC_MODE, fsyncDir, writeTemp } from '../workspace/atomic-write.js';
import { renameStaged, stageFiles, type StagedFile } from '../workspace/staged-write.js';
import { UserError, messageOf } from '../user-error.js';
import { tarGz, type TarEntry } from './tar-writer.js';
import { carriesSecret, maskConfSecrets, maskKeyFile, maskPrivateKeys } from './secret-content.js';

/** What a file of an export bundle is (the view groups and labels files by it). */
export type BundleFileKind =
  | 'conf'
  | 'readme'
  | 'server-cert'
  | 'server-key'
  | 'ca'
  | 'crl'
  | 'acl'
  | 'passwords'
  | 'psk'
  | 'bridge-ca'
  | 'bridge-cert'
  | 'bridge-key'
  | 'client-ca'
  | 'client-cert'
  | 'client-key'
  | 'client-p12'
  | 'client-readme';

export interface BundleFile {
  /** Path inside the bundle, `/` separated (`certs/server.crt`, `clients/device-1/README.txt`). */
  path: string;
  data: string | Buffer;
  /** 0o600 for private keys, password and PSK files; 0o644 otherwise. */
  mode: number;
  kind: BundleFileKind;
  /** One line saying what it is. */
  description: string;
  /**
   * The user that must own it on the broker host (the one Mosquitto drops to), for the broker's own
   * secret files. Given to that user when written by root, and named so in the .tar.gz.
   */
  owner?: string;
}

/** Whether a file must never be shown (private keys, PSK keys, PKCS#12, password hashes). */
export function isSecret(file: Pick<BundleFile, 'mode'>): boolean {
  return file.mode === PRIVATE_MODE;
}

export interface PreviewFile {
  path: string;
  kind: BundleFileKind;
  description: string;
  mode: string;
  size: number;
  /** The text; secrets are masked, binary files described. */
  content: string;
  masked: boolean;
}

function isBinary(data: string | Buffer): boolean {
  return typeof data !== 'string';
}

/** The preview of a file: its text, with every secret masked (by what it is, not by the file's kind). */
export function previewFile(file: BundleFile): PreviewFile {
  const size = typeof file.data === 'string' ? Buffer.byteLength(file.data) : file.data.length;
  const base = {
    path: file.path,
    kind: file.kind,
    description: file.description,
    mode: '0' + file.mode.toString(8),
    size,
  };
  if (isSecret(file) || carriesSecret(file)) {
    return { ...base, masked: true, content: maskSecret(file) };
  }
  if (isBinary(file.data)) {
    return { ...base, masked: true, content: `(binary file, ${size} bytes)` };
  }
  return { ...base, masked: false, content: file.data as string };
}

function maskSecret(file: BundleFile): string {
  const hidden = `(secret, ${size(file)} bytes, written with mode 0600 — not shown)`;
  if (typeof file.data !== 'string') return hidden;
  if (file.kind === 'passwords' || file.kind === 'psk') {
    // One line per user: the name is useful, the hash or key is not shown.
    return file.data
      .split('\n')
      .map((line) => {
        const colon = line.indexOf(':');
        return colon > 0 ? `${line.slice(0, colon)}:••••••••` : line;
      })
      .join('\n');
  }
  if (file.kind === 'conf') return maskConfSecrets(maskPrivateKeys(file.data).text).text;
  if (file.mode === PRIVATE_MODE) return maskKeyFile(file.data) ?? hidden;
  // A public file that carries a key (a certificate bundle with its key inside): the key masked in place.
  return maskPrivateKeys(file.data).text;
}

function size(file: BundleFile): number {
  return typeof file.data === 'string' ? Buffer.byteLength(file.data) : file.data.length;
}

/** Every file that carries a secret gets mode 0600 (a bridge PSK in mosquitto.conf, a key inside a bundle). */
export function secureModes(files: BundleFile[]): void {
  for (const file of files) if (file.mode !== PRIVATE_MODE && carriesSecret(file)) file.mode = PRIVATE_MODE;
}

/** Where the bundle goes: a folder (files written in place) or a `.tar.gz` file. */
export type BundleTarget = { kind: 'folder'; dir: string } | { kind: 'tar.gz'; file: string };

export interface WrittenBundle {
  target: BundleTarget;
  /** Absolute paths written (for a folder) or the archive entry names (for a .tar.gz). */
  files: string[];
  /** Bundle paths given to their `owner` (folder written by root only). */
  owned?: string[];
}

/** uid and gid of a local user from /etc/passwd, or undefined when there is none. */
export function systemUser(name: string): { uid: number; gid: number } | undefined {
  let passwd: string;
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined)
      return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

/**
 * Write every file into `dir` (created when missing): each file goes to a temp file first, and only when
 * all were written are they renamed into place, so a failure leaves no half-written bundle.
 */
export function writeBundleFolder(dir: string, files: readonly BundleFile[]): WrittenBundle {
  const root = resolve(dir);
  if (existsSync(root) && !statSync(root).isDirectory()) {
    throw new UserError(`${root}: exists and is not a folder`, 'BAD_OUTPUT', { file: root, field: 'out' });
  }
  let staged: StagedFile[];
  try {
    mkdirSync(root, { recursive: true });
    staged = stageFiles(
      (function* () {
        for (const file of files) {
          const target = join(root, ...file.path.split('/'));
          if (existsSync(target) && statSync(target).isDirectory()) {
            throw new UserError(`${target}: is a folder, cannot write the file there`, 'BAD_OUTPUT', {
              file: target,
            });
          }
          yield { target, data: file.data, mode: file.mode === PRIVATE_MODE ? PRIVATE_MODE : PUBLIC_MODE };
        }
      })(),
    );
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`${root}: cannot write the bundle (${messageOf(error)})`, 'BAD_OUTPUT', {
      file: root,
      field: 'out',
    });
  }
  // Written by root: the broker's secret files go to the user Mosquitto drops to, when this host has it.
  const owned: string[] = [];
  if (process.getuid?.() === 0) {
    staged.forEach(({ temp }, i) => {
      const owner = files[i]!.owner;
      const ids = owner ? systemUser(owner) : undefined;
      if (!ids) return;
      chownSync(temp, ids.uid, ids.gid);
      owned.push(files[i]!.path);
    });
  }
  for (const d of renameStaged(staged)) fsyncDir(d);
  return { target: { kind: 'folder', dir: root }, files: staged.map((s) => s.target), owned };
}

/** The bundle as `.tar.gz` bytes: folders first, then files, modes kept (keys 0600). */
export function bundleTarGz(files: readonly BundleFile[], now?: number): Buffer {
  const dirs = new Set<string>();
  for (const file of files) {
    const parts = file.path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/') + '/');
  }
  const entries: TarEntry[] = [...dirs].sort().map((path) => ({ path, type: 'directory' as const }));
  for (const file of files) {
    entries.push({
      path: file.path,
      data: file.data,
      mode: file.mode,
      ...(file.owner ? { uname: file.owner } : {}),
    });
  }
  return tarGz(entries, now);
}

/** Write the bundle as one `.tar.gz` file (atomically). */
export function writeBundleTarGz(file: string, files: readonly BundleFile[]): WrittenBundle {
  const target = resolve(file);
  if (existsSync(target) && statSync(target).isDirectory()) {
    throw new UserError(`${target}: is a folder; give a file name ending in .tar.gz`, 'BAD_OUTPUT', {
      file: target,
      field: 'out',
    });
  }
  let temp: string;
  try {
    temp = writeTemp(target, bundleTarGz(files), PRIVATE_MODE);
  } catch (error) {
    throw new UserError(`${target}: cannot write (${messageOf(error)})`, 'BAD_OUTPUT', {
      file: target,
      field: 'out',
    });
  }
  renameSync(temp, target);
  fsyncDir(dirname(target));
  return { target: { kind: 'tar.gz', file: target }, files: files.map((f) => f.path) };
}
