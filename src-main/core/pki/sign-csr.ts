/** `cert sign-csr`: sign an external PKCS#10 request under a profile; the key stays with its owner. */
import { UserError } from '../user-error.js';
import { lockIndex } from './index-lock.js';
import type { Workspace } from '../workspace/workspace.js';
import { buildCertificate } from './certificate-builder.js';
import { parseCertificateDer } from './certificate-parser.js';
import { readCsr } from './csr.js';
import { commonNameOf } from './distinguished-name.js';
import { LEAF_DAYS } from './issue.js';
import { daysOption, loadIssuingCa, validityWindow } from './issuing-ca.js';
import { describeSpki } from './keys.js';
import { toPem } from './pem.js';
import { profileEku, profileOption } from './profiles.js';
import {
  assertNameFree,
  certPath,
  indexChange,
  loadIndex,
  summarize,
  toSummary,
  validateName,
  type IndexEntry,
} from './store.js';
import { sanFromCommonName } from './subject-alt-names.js';
import type { CertificateSummary, SignCsrOptions } from './types.js';
import type { KeyUsageName } from './oids.js';

export function signCsr(ws: Workspace, options: SignCsrOptions): CertificateSummary {
  const profile = profileOption(options.profile);
  const name = validateName(options.name, 'name');
  daysOption(options.days);
  const file = options.csrFile ?? 'csr';
  const csr = readCsr(options.csrPem, file);
  if (!csr.signatureValid) {
    throw new UserError(
      `${file}: the request's signature does not verify with its own public key`,
      'BAD_CSR',
      { file },
    );
  }
  const key = describeSpki(csr.spki);
  if (key.keyType === 'unknown' || key.keyType === 'dsa') {
    throw new UserError(
      `${file}: the request's ${key.algorithm} key is not supported for TLS here`,
      'BAD_CSR',
      { file },
    );
  }
  const cn = commonNameOf(csr.subject);
  let san =
    csr.requested.subjectAltName?.entries.filter((e) => e.startsWith('dns:') || e.startsWith('ip:')) ?? [];
  if (profile === 'server' && san.length === 0) {
    if (!cn)
      throw new UserError(`${file}: the request has neither a CN nor a subject alternative name`, 'BAD_CSR', {
        file,
      });
    san = sanFromCommonName(cn, 'csr');
  }
  const now = new Date();
  const release = lockIndex(ws);
  try {
    const entries = loadIndex(ws);
    assertNameFree(entries, name);
    const ca = loadIssuingCa(ws, entries, options.ca, 'ca', now);
    const window = validityWindow(options.days, LEAF_DAYS, ca.cert, ca.entry.name, now);
    const keyUsage: KeyUsageName[] =
      key.algorithm === 'rsa' ? ['digitalSignature', 'keyEncipherment'] : ['digitalSignature'];
    const der = buildCertificate({
      subject: csr.subjectDer,
      issuer: ca.cert.subjectDer,
      spki: csr.spki,
      signingKey: ca.key,
      issuerKeyId: ca.keyId,
      notBefore: window.notBefore,
      notAfter: window.notAfter,
      keyUsage,
      extKeyUsage: profileEku(profile),
      san,
    });
    const cert = parseCertificateDer(der);
    const entry: IndexEntry = {
      ...summarize(cert, { name, kind: profile, hasKey: false, issuerName: ca.entry.name }),
      profile,
      origin: 'csr',
      createdAt: now.toISOString(),
    };
    ws.commit([
      { path: certPath(name), data: toPem(der, 'CERTIFICATE') },
      indexChange(ws, [...entries, entry]),
    ]);
    return toSummary(entry);
  } finally {
    release();
  }
}
