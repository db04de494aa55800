/**
 * The certificate workshop (PKI): CA chains, leaves, CSR signing, import/export (PEM, DER, PKCS#12),
 * revocation and CRLs, verification that explains, and lint for MQTT pitfalls.
 * Workspace format: see README.md in this folder.
 */
export * from './types.js';

// Workspace operations.
export { createCa, ROOT_CA_DAYS, INTERMEDIATE_CA_DAYS } from './ca.js';
export { issueCertificate, issueBatch, parseDeviceList, LEAF_DAYS } from './issue.js';
export {
  createChain,
  checkChain,
  chainDefaults,
  type ChainPlan,
  type ChainCaSpec,
  type ChainCheck,
  type ChainProblem,
  type ChainResult,
  type ChainDefaults,
  type ChainIssuerChoice,
} from './create-chain.js';
export { sansFromHosts, machineHostNames } from './host-sans.js';
export { signCsr } from './sign-csr.js';
export { reissueCertificate, type ReissueOptions } from './reissue.js';
export { importCertificate, importCertificateAsync } from './import.js';
export {
  certificateImportChanges,
  type CertificateImportItem,
  type CertificateImportChanges,
} from './import-changes.js';
export { revokeCertificate, buildCrl, currentCrl, type BuildCrlOptions } from './revoke.js';
export { listCertificates, showCertificate, deleteCertificate } from './catalog.js';
export { exportCertificate } from './export.js';
export { tlsMaterial, certificateChain, chainCrls } from './chain.js';
export { lintCertificate, lintWorkspaceCertificate, type LintOptions } from './lint.js';
export { validateName, INDEX_FILE, certPath, keyPath, crlPath, readCertPem } from './store.js';

// Pure helpers.
export { parsePemBlocks, toPem, looksLikePem } from './pem.js';
export {
  describeCertificate,
  certificateUsernames,
  keyMatchesCertificate,
  readCertificate,
  readCertificates,
  fingerprint,
} from './certificate.js';
export {
  readKey,
  readKeyAsync,
  generatePrivateKey,
  keyTypeOption,
  isKeyType,
  privateKeyPem,
} from './keys.js';
export {
  parsePkcs12,
  parsePkcs12Async,
  buildPkcs12,
  looksLikePkcs12,
  type Pkcs12Contents,
  type Pkcs12Input,
} from './pkcs12.js';
export { pickCrl } from './pick-crl.js';
export { showCrl, type CrlView } from './crl-view.js';
export { readCrls, REVOCATION_REASONS, revocationReasonOption, type ParsedCrl } from './crl.js';
export { readCsr, type ParsedCsr } from './csr.js';
export { checkHost, type HostCheck } from './hostname.js';
export { verifyCertificate, type VerifyOptions, type VerifyResult, type VerifyChainEntry } from './verify.js';
export type { ParsedCertificate } from './certificate-parser.js';
