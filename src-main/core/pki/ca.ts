/** `ca create`: a self-signed root, or an intermediate signed by its parent with path length respected. */
import { UserError } from '../user-error.js';
import { lockIndex } from './index-lock.js';
import type { Workspace } from '../workspace/workspace.js';
import { buildCertificate, keyIdentifier, publicKeyBitsOf } from './certificate-builder.js';
import { parseCertificateDer } from './certificate-parser.js';
import { crlFor } from './crl-publish.js';
import { commonNameOnly } from './name-encoding.js';
import { daysOption, loadIssuingCa, validityWindow, type IssuingCa } from './issuing-ca.js';
import { generatePrivateKey, keyTypeOption, privateKeyPem, publicSpki } from './keys.js';
import { toPem } from './pem.js';
import { CA_KEY_USAGE, commonNameOption } from './profiles.js';
import {
  assertNameFree,
  certPath,
  crlPath,
  indexChange,
  keyPath,
  loadIndex,
  summarize,
  validateName,
  type IndexEntry,
} from './store.js';
import type { CertificateSummary, CreateCaOptions } from './types.js';

export const ROOT_CA_DAYS = 3650;
export const INTERMEDIATE_CA_DAYS = 1825;

function pathLenOption(pathLen: number | undefined, field = 'pathLen'): number | undefined {
  if (pathLen === undefined) return undefined;
  if (!Number.isInteger(pathLen) || pathLen < 0 || pathLen > 32) {
    throw new UserError(
      `${field}: must be a whole number from 0 to 32, not ${String(pathLen)}`,
      'BAD_PATH_LEN',
      { field },
    );
  }
  return pathLen;
}

/**
 * The path length of a new intermediate: what was asked (if the parent allows it), else 0 — an
 * intermediate that issues only leaves, the usual and safest shape.
 */
function childPathLen(parent: IssuingCa, requested: number | undefined): number {
  const parentLimit = parent.cert.ext.basicConstraints?.pathLen;
  if (parentLimit === 0) {
    throw new UserError(
      `parent: CA "${parent.entry.name}" has path length 0, so it may only issue end-entity certificates; recreate it with a larger path length to put a CA under it`,
      'PATH_LENGTH_EXCEEDED',
      { field: 'parent' },
    );
  }
  if (requested !== undefined && parentLimit !== undefined && requested > parentLimit - 1) {
    throw new UserError(
      `pathLen: CA "${parent.entry.name}" allows at most ${parentLimit - 1} below the new CA, not ${requested}`,
      'PATH_LENGTH_EXCEEDED',
      { field: 'pathLen' },
    );
  }
  return requested ?? 0;
}

export async function createCa(ws: Workspace, options: CreateCaOptions): Promise<CertificateSummary> {
  const name = validateName(options.name, 'name');
  const cn = commonNameOption(options.cn, 'cn');
  const keyType = keyTypeOption(options.keyType, 'keyType');
  daysOption(options.days);
  const pathLen = pathLenOption(options.pathLen);
  const check = (now: Date) => {
    const entries = loadIndex(ws);
    assertNameFree(entries, name);
    const parent =
      options.parent !== undefined ? loadIssuingCa(ws, entries, options.parent, 'parent', now) : undefined;
    const childLen = parent ? childPathLen(parent, pathLen) : pathLen;
    return { entries, parent, childLen };
  };
  check(new Date()); // fail before spending time on a key
  const key = await generatePrivateKey(keyType);
  const now = new Date();
  const release = lockIndex(ws);
  try {
    const { entries, parent, childLen } = check(now); // the workspace may have changed meanwhile
    const spki = publicSpki(key);
    const subject = commonNameOnly(cn);
    const { notBefore, notAfter } = validityWindow(
      options.days,
      parent ? INTERMEDIATE_CA_DAYS : ROOT_CA_DAYS,
      parent?.cert,
      parent?.entry.name,
      now,
    );
    const der = buildCertificate({
      subject,
      issuer: parent ? parent.cert.subjectDer : subject,
      spki,
      signingKey: parent ? parent.key : key,
      issuerKeyId: parent ? parent.keyId : keyIdentifier(publicKeyBitsOf(spki)),
      notBefore,
      notAfter,
      ca: childLen !== undefined ? { pathLen: childLen } : {},
      keyUsage: CA_KEY_USAGE,
    });
    const cert = parseCertificateDer(der);
    const entry: IndexEntry = {
      ...summarize(cert, {
        name,
        kind: parent ? 'intermediate-ca' : 'root-ca',
        hasKey: true,
        ...(parent ? { issuerName: parent.entry.name } : {}),
      }),
      origin: 'created',
      createdAt: now.toISOString(),
      crlNumber: 1,
      crlAt: now.toISOString(),
    };
    const crl = crlFor({ cert, key }, [], name, 1, now);
    ws.commit([
      { path: certPath(name), data: toPem(der, 'CERTIFICATE') },
      { path: keyPath(name), data: privateKeyPem(key), secret: true },
      { path: crlPath(name), data: crl },
      indexChange(ws, [...entries, entry]),
    ]);
    return summarize(cert, {
      name,
      kind: entry.kind,
      hasKey: true,
      ...(parent ? { issuerName: parent.entry.name } : {}),
    });
  } finally {
    release();
  }
}
