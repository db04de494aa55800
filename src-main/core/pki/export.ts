/**
 * `cert export NAME --out DIR`: pem → NAME.crt, NAME.key (PKCS#8, 0600), NAME.chain.crt (leaf then
 * intermediates, no root) and ca.crt (the root of its chain); der → NAME.der; p12 → NAME.p12 (key,
 * leaf, intermediates and root under a passphrase). All files appear together or none does.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../user-error.js';
import { PRIVATE_MODE, PUBLIC_MODE, fsyncDir } from '../workspace/atomic-write.js';
import { renameStaged, stageFiles, type StagedFile } from '../workspace/staged-write.js';
import type { Workspace } from '../workspace/workspace.js';
import { readCertificate } from './certificate.js';
import { certificateChain } from './chain.js';
import { privateKeyPem, readKey } from './keys.js';
import { buildPkcs12 } from './pkcs12.js';
import { getEntry, keyPath, loadIndex, readKeyPem, validateName } from './store.js';
import type { ExportOptions, ExportResult } from './types.js';

function writeAll(
  dir: string,
  files: Array<{ name: string; data: string | Buffer; secret?: boolean }>,
): string[] {
  mkdirSync(dir, { recursive: true });
  let staged: StagedFile[];
  try {
    staged = stageFiles(
      files.map((file) => ({
        target: join(dir, file.name),
        data: file.data,
        mode: file.secret ? PRIVATE_MODE : PUBLIC_MODE,
      })),
    );
  } catch (error) {
    throw new UserError(`outDir: cannot write to ${dir} (${(error as Error).message})`, 'EXPORT_FAILED', {
      field: 'outDir',
    });
  }
  renameStaged(staged);
  fsyncDir(dir);
  return staged.map((s) => s.target);
}

export function exportCertificate(ws: Workspace, name: string, options: ExportOptions): ExportResult {
  validateName(name, 'name');
  if (!options || typeof options.outDir !== 'string' || options.outDir === '') {
    throw new UserError('outDir: an output folder is required', 'BAD_OPTION', { field: 'outDir' });
  }
  const format = options.format ?? 'pem';
  if (format !== 'pem' && format !== 'der' && format !== 'p12') {
    throw new UserError(`format: must be pem, der or p12, not "${String(format)}"`, 'BAD_OPTION', {
      field: 'format',
    });
  }
  const dir = resolve(options.outDir);
  const entries = loadIndex(ws);
  const entry = getEntry(entries, name);
  const chain = certificateChain(ws, name);
  const loadKey = () => readKey(readKeyPem(ws, name), undefined, ws.path(keyPath(name)));
  if (format === 'der') {
    return { files: writeAll(dir, [{ name: `${name}.der`, data: readCertificate(chain.cert).der }]) };
  }
  if (format === 'p12') {
    if (options.passphrase === undefined) {
      throw new UserError(
        'passphrase: a PKCS#12 export needs a passphrase (--passphrase-file)',
        'PASSPHRASE_REQUIRED',
        {
          field: 'passphrase',
        },
      );
    }
    if (!entry.hasKey) {
      throw new UserError(
        `name: the workspace has no private key for "${name}", so it cannot go into a PKCS#12`,
        'NO_KEY',
        {
          field: 'name',
        },
      );
    }
    // Intermediates then the root: what Windows, Java and phone keystores import as a full chain.
    const chainPems = [
      ...(chain.intermediates ? splitPem(chain.intermediates) : []),
      ...(chain.ca && chain.ca !== chain.cert ? [chain.ca] : []),
    ];
    const p12 = buildPkcs12({
      key: loadKey(),
      certPem: chain.cert,
      chainPems,
      passphrase: options.passphrase,
      friendlyName: name,
    });
    return { files: writeAll(dir, [{ name: `${name}.p12`, data: p12, secret: true }]) };
  }
  if (name === 'ca' && chain.ca !== chain.cert) {
    throw new UserError(
      'name: a certificate named "ca" would overwrite the ca.crt of its own export; export it as DER or PKCS#12',
      'BAD_OPTION',
      {
        field: 'name',
      },
    );
  }
  const files: Array<{ name: string; data: string | Buffer; secret?: boolean }> = [
    { name: `${name}.crt`, data: chain.cert },
  ];
  if (entry.hasKey)
    files.push({ name: `${name}.key`, data: privateKeyPem(loadKey(), options.keyPassphrase), secret: true });
  files.push({ name: `${name}.chain.crt`, data: chain.chain });
  if (chain.ca) files.push({ name: 'ca.crt', data: chain.ca });
  return { files: writeAll(dir, files) };
}

function splitPem(pem: string): string[] {
  return pem
    .split(/(?=-----BEGIN CERTIFICATE-----)/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .map((p) => p + '\n');
}
