import type { Problem } from '../problems.js';

/**
 * The certificate workshop's public types. Nothing here ever carries a private key: keys stay in the
 * workspace (0600 files) and reach TLS code only through `tlsMaterial`, in the main process.
 */

/** Key types the workshop generates. `ec-p256` is the default. */
export type KeyType = 'ec-p256' | 'ec-p384' | 'rsa-2048' | 'rsa-3072' | 'rsa-4096' | 'ed25519';

export const KEY_TYPES: readonly KeyType[] = [
  'ec-p256',
  'ec-p384',
  'rsa-2048',
  'rsa-3072',
  'rsa-4096',
  'ed25519',
];

export const DEFAULT_KEY_TYPE: KeyType = 'ec-p256';

/**
 * The key type of any certificate we can read: one of KEY_TYPES for what we generate, or a label such
 * as `rsa-1024`, `ec-secp521r1`, `ed448` for imported material.
 */
export type KeyTypeLabel = KeyType | `rsa-${number}` | `ec-${string}` | 'ed448' | 'dsa' | 'unknown';

export type CertificateKind = 'root-ca' | 'intermediate-ca' | 'server' | 'client' | 'imported';

/** What a leaf is for: a broker (serverAuth) or a device/user (clientAuth). */
export type Profile = 'server' | 'client';

/** RFC 5280 CRLReason names (code in parentheses): see REVOCATION_REASONS. */
export type RevocationReason =
  | 'unspecified'
  | 'keyCompromise'
  | 'caCompromise'
  | 'affiliationChanged'
  | 'superseded'
  | 'cessationOfOperation'
  | 'certificateHold'
  | 'privilegeWithdrawn'
  | 'aaCompromise';

export interface Revocation {
  /** ISO time of revocation. */
  at: string;
  reason: RevocationReason;
}

/** One certificate of the workspace as lists and views show it. Never holds a private key. */
export interface CertificateSummary {
  /** Workspace name (letters, digits, `.`, `-`, `_`). */
  name: string;
  kind: CertificateKind;
  /** Common name ('' when the subject has none). */
  cn: string;
  /** Subject as an RFC 2253 string, exactly as `openssl x509 -subject -nameopt RFC2253` prints it. */
  subject: string;
  issuer: string;
  /** Workspace name of the CA that issued it, when that CA is in the workspace. */
  issuerName?: string;
  /** Serial number, uppercase hex without separators (as `openssl x509 -serial`). */
  serial: string;
  /** SHA-256 fingerprint, `AB:CD:…` (as Node's X509Certificate.fingerprint256). */
  fingerprint256: string;
  notBefore: string;
  notAfter: string;
  keyType: KeyTypeLabel;
  /** True when the workspace holds its private key. */
  hasKey: boolean;
  /** True for CA certificates (basicConstraints cA). */
  isCa: boolean;
  /** Subject alternative names as `dns:host`, `ip:addr`, `email:x`, `uri:x`. */
  san: string[];
  revoked?: Revocation;
}

export interface CreateCaOptions {
  name: string;
  cn: string;
  /** Workspace name of the parent CA; absent for a self-signed root. */
  parent?: string;
  keyType?: KeyType;
  /** Validity in days (root default 3650, intermediate 1825). */
  days?: number;
  /** basicConstraints pathLenConstraint. */
  pathLen?: number;
}

export interface IssueOptions {
  ca: string;
  profile: Profile;
  name: string;
  cn: string;
  /** `dns:host` or `ip:addr` entries. A server without any gets its CN as its only SAN. */
  san?: string[];
  keyType?: KeyType;
  /** Validity in days (default 365, never beyond the CA's own expiry). */
  days?: number;
}

export interface IssueBatchOptions {
  ca: string;
  profile: Profile;
  /** Device ids: the CNs, and the workspace names (after `prefix`). */
  names: string[];
  keyType?: KeyType;
  days?: number;
  /** Put before each device id to make its workspace name (`plant1-` → `plant1-dev-7`); the CN stays the id. */
  prefix?: string;
  /** Called as keys are made (done of total), at most every 100 certificates and at the end. */
  onProgress?: (done: number, total: number) => void;
}

export interface SignCsrOptions {
  ca: string;
  profile: Profile;
  csrPem: string | Buffer;
  name: string;
  days?: number;
  /** File the CSR came from, for error messages. */
  csrFile?: string;
}

export interface ImportOptions {
  name: string;
  /**
   * PEM, DER or PKCS#12 bytes: one certificate, or a bundle of a certificate and its CAs in any order
   * (several PEM blocks, DER certificates one after the other, PKCS#7, PKCS#12).
   */
  cert: Buffer;
  certFile?: string;
  key?: Buffer;
  keyFile?: string;
  passphrase?: string;
}

/** What `cert import` added: the certificate itself (under its name) and the CAs of its bundle. */
export interface ImportResult extends CertificateSummary {
  /**
   * CA certificates of the bundle (PKCS#12, PEM, DER or PKCS#7) added as entries of their own (kind
   * `root-ca` or `intermediate-ca`, no key), the certificate's issuer first.
   */
  chain: CertificateSummary[];
  /** CA certificates of the bundle the workspace already held (same SHA-256 fingerprint), by their name there. */
  chainKnown: Array<{ name: string; subject: string }>;
}

export type ExportFormat = 'pem' | 'der' | 'p12';

export interface ExportOptions {
  outDir: string;
  format: ExportFormat;
  /** PKCS#12 passphrase (required for p12). */
  passphrase?: string;
  /** When set, the PEM key is written as encrypted PKCS#8 (AES-256-CBC) with this passphrase. */
  keyPassphrase?: string;
}

export interface ExportResult {
  /** Absolute paths of the files written, in the order written. */
  files: string[];
}

/** PEM strings for a TLS endpoint. The key stays in the main process. */
export interface TlsMaterial {
  /** The certificate itself. */
  cert: string;
  /** Its private key (PKCS#8 PEM). */
  key: string;
  /** Leaf then every intermediate, no root — what a server or client should send. */
  chain: string;
  /** The intermediates alone (may be ''). */
  intermediates: string;
  /** The root of its chain (the trust anchor to give peers). '' when the workspace lacks it. */
  ca: string;
  /** False when the workspace does not hold every issuer up to a self-signed root. */
  complete: boolean;
}

export type CertificateChain = Omit<TlsMaterial, 'key'>;

export interface PemBlock {
  /** The label, e.g. `CERTIFICATE`, `PRIVATE KEY`, `X509 CRL`. */
  label: string;
  /** Headers of legacy encrypted PEM (`Proc-Type`, `DEK-Info`). */
  headers: Record<string, string>;
  der: Buffer;
  /** The block's text as found (normalised line endings). */
  text: string;
  /** 1-based line where `-----BEGIN` stands. */
  line: number;
}

export interface NameAttribute {
  oid: string;
  /** OpenSSL short name (`CN`, `O`, …) or the dotted OID when unknown. */
  shortName: string;
  /** Long, readable name (`commonName`). */
  longName: string;
  value: string;
  /** Index of the RDN (SET) the attribute belongs to, in certificate order. */
  rdn: number;
}

export interface DistinguishedName {
  /** RFC 2253 string, OpenSSL's `-nameopt RFC2253` (reverse order). */
  rfc2253: string;
  /** OpenSSL's default one-line form (`CN = x, O = y` in certificate order). */
  oneline: string;
  attributes: NameAttribute[];
}

export interface ExtensionDetail {
  oid: string;
  name: string;
  critical: boolean;
  /** A readable rendering of the value. */
  value: string;
}

export interface PublicKeyDetail {
  /** `rsa`, `ec`, `ed25519`, `ed448`, `dsa` or the OID. */
  algorithm: string;
  /** Size in bits (RSA modulus, EC field size, 256 for Ed25519). */
  bits: number;
  /** EC curve, e.g. `P-256`. */
  curve?: string;
  keyType: KeyTypeLabel;
  /** SHA-256 of the SubjectPublicKeyInfo DER, hex. */
  spkiSha256: string;
}

/** Everything a certificate viewer shows. */
export interface CertificateDetail {
  version: number;
  serial: string;
  subject: DistinguishedName;
  issuer: DistinguishedName;
  cn: string;
  notBefore: string;
  notAfter: string;
  signatureAlgorithm: { oid: string; name: string };
  publicKey: PublicKeyDetail;
  basicConstraints?: { ca: boolean; pathLen?: number; critical: boolean };
  keyUsage?: { usages: string[]; critical: boolean };
  extendedKeyUsage?: { usages: string[]; oids: string[]; critical: boolean };
  san: string[];
  subjectKeyId?: string;
  authorityKeyId?: string;
  crlDistributionPoints: string[];
  authorityInfoAccess: string[];
  extensions: ExtensionDetail[];
  isCa: boolean;
  /** Subject equals issuer and the signature verifies with its own key. */
  selfSigned: boolean;
  fingerprints: { sha1: string; sha256: string };
}

export interface CertificateShow {
  summary: CertificateSummary;
  detail: CertificateDetail;
  pem: string;
  /** Workspace names from this certificate up to its root (itself first). */
  chainNames: string[];
}

export interface VerifyStep {
  name: string;
  ok: boolean;
  detail: string;
}

export type LintSeverity = 'error' | 'warning' | 'info';

export interface LintFinding {
  code: string;
  severity: LintSeverity;
  message: string;
  fix: string;
}

export interface VerifyChainEntry {
  subject: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  fingerprint256: string;
  /** Where it came from. */
  source: 'leaf' | 'untrusted' | 'trusted';
}

export interface VerifyResult {
  ok: boolean;
  problems: Problem[];
  steps: VerifyStep[];
  chain: VerifyChainEntry[];
}
