// The pki domain's api methods and events (the certificate workshop). See ../FOUNDATION.md.
// Binary inputs (certificates, keys, CSRs, PKCS#12, CRLs) cross as base64 strings. No result and no
// event ever carries a private key; `pki.export` writes keys to a folder in the main process.
import { z } from 'zod';
import { method, returns } from './method.js';
import { KEY_TYPE_VALUES, REVOCATION_REASON_VALUES } from './pki-values.js';
import type {
  CrlView,
  CertificateChain,
  CertificateDetail,
  CertificateShow,
  CertificateSummary,
  ChainCheck,
  ChainDefaults,
  ChainResult,
  ExportResult,
  ImportResult,
  LintFinding,
  VerifyResult,
} from '../../core/pki/index.js';

export { KEY_TYPE_VALUES, REVOCATION_REASON_VALUES };

const name = z.string().min(1).max(64);
const keyType = z.enum(KEY_TYPE_VALUES);
const profile = z.enum(['server', 'client']);
const days = z.number().int().min(1).max(36500);
/** File bytes, base64 (up to ~10 MB). */
const base64 = z.string().max(14_000_000);
/** A file name for messages (`device.crt:3: ...`). */
const fileName = z.string().min(1).max(4096).optional();

export interface CrlResult {
  ca: string;
  /** PEM (`-----BEGIN X509 CRL-----`). */
  pem: string;
  number: number;
  revoked: number;
  thisUpdate: string;
  nextUpdate: string;
}

export interface IssueBatchResult {
  issued: CertificateSummary[];
}

/**
 * A chain plan (the chain wizard, `pki.checkChain`/`pki.createChain`). Loose on purpose: names, CNs,
 * days and hosts are checked by the core, which names the field at fault (`root.name: …`).
 */
const chainText = z.string().max(200);
const chainDays = z.number().finite().optional();
const chainCa = z
  .object({ name: chainText, cn: chainText, keyType: keyType.optional(), days: chainDays })
  .strict();
const chainPlan = z
  .object({
    root: chainCa.optional(),
    existingCa: chainText.optional(),
    intermediate: chainCa.optional(),
    server: z
      .object({
        name: chainText,
        cn: chainText,
        hosts: z.string().max(20_000).optional(),
        keyType: keyType.optional(),
        days: chainDays,
      })
      .strict()
      .optional(),
    clients: z
      .object({ text: z.string().max(4_000_000), keyType: keyType.optional(), days: chainDays })
      .strict()
      .optional(),
  })
  .strict();

export const pkiMethods = {
  /** Every certificate of the workspace, in the order added. */
  'pki.list': method(z.object({}).strict(), returns<CertificateSummary[]>(), { readonly: true, example: {} }),
  /** One certificate: summary, every decoded field, PEM and its chain of workspace names. */
  'pki.show': method(z.object({ name }).strict(), returns<CertificateShow>(), { readonly: true }),
  /** Its chain as PEM: cert, chain (leaf + intermediates), intermediates, root. Public material only. */
  'pki.chain': method(z.object({ name }).strict(), returns<CertificateChain>(), { readonly: true }),
  /** A self-signed root CA, or an intermediate under `parent`. */
  'pki.createCa': method(
    z
      .object({
        name,
        cn: z.string().min(1).max(64),
        parent: name.optional(),
        keyType: keyType.optional(),
        days: days.optional(),
        pathLen: z.number().int().min(0).max(32).optional(),
      })
      .strict(),
    returns<CertificateSummary>(),
  ),
  /** A server or client leaf signed by `ca`, with a new key held in the workspace. */
  'pki.issue': method(
    z
      .object({
        ca: name,
        profile,
        name,
        cn: z.string().min(1).max(64),
        san: z.array(z.string().max(300)).max(100).optional(),
        keyType: keyType.optional(),
        days: days.optional(),
      })
      .strict(),
    returns<CertificateSummary>(),
  ),
  /** Many leaves at once (all or nothing): names, or a pasted list / CSV in `text`. */
  'pki.issueBatch': method(
    z
      .object({
        ca: name,
        profile,
        names: z.array(z.string().max(64)).max(100_000).optional(),
        text: z.string().max(4_000_000).optional(),
        keyType: keyType.optional(),
        days: days.optional(),
        /** Put before each device id to make its workspace name; the CN stays the id. */
        prefix: z.string().max(32).optional(),
      })
      .strict(),
    returns<IssueBatchResult>(),
  ),
  /** The chain wizard's starting values: free names, this machine's hosts, the CAs that can issue now. */
  'pki.chainDefaults': method(z.object({}).strict(), returns<ChainDefaults>(), {
    readonly: true,
    example: {},
  }),
  /** Check a chain plan, writing nothing: every problem naming its field, the SANs and ids it reads. */
  'pki.checkChain': method(chainPlan, returns<ChainCheck>(), {
    readonly: true,
    example: {
      root: { name: 'root', cn: 'Root' },
      server: { name: 'broker', cn: 'broker.lan', hosts: 'broker.lan, 192.168.1.50' },
    },
  }),
  /** Make a whole chain (root or existing CA, intermediate, server, clients) in one commit, or nothing. */
  'pki.createChain': method(chainPlan, returns<ChainResult>()),
  /** The device ids a pasted list or CSV holds (preview for the batch dialog). */
  'pki.parseDeviceList': method(z.object({ text: z.string().max(2_000_000) }).strict(), returns<string[]>(), {
    readonly: true,
    example: { text: 'device_id\ndevice-1\ndevice-2\n' },
  }),
  /** Sign an external PKCS#10 request (PEM or DER, base64) under a profile. */
  'pki.signCsr': method(
    z.object({ ca: name, profile, name, csr: base64, file: fileName, days: days.optional() }).strict(),
    returns<CertificateSummary>(),
  ),
  /**
   * Import a certificate (PEM, DER, PKCS#7 or PKCS#12) and optionally its key (any common encoding).
   * The CA certificates of a bundle become entries of their own (`chain`), except those already held.
   */
  'pki.import': method(
    z
      .object({
        name,
        cert: base64,
        certFile: fileName,
        key: base64.optional(),
        keyFile: fileName,
        passphrase: z.string().max(1024).optional(),
      })
      .strict(),
    returns<ImportResult>(),
  ),
  /** Revoke a certificate and republish its CA's CRL. */
  'pki.revoke': method(
    z.object({ name, reason: z.enum(REVOCATION_REASON_VALUES).optional() }).strict(),
    returns<CertificateSummary>(),
  ),
  /** Publish a fresh CRL of `ca` (next CRL number) into the workspace and return it. */
  'pki.crl': method(
    z.object({ ca: name, days: z.number().int().min(1).max(3650).optional() }).strict(),
    returns<CrlResult>(),
  ),
  /** A CA's current CRL: number, this/next update, revoked entries with their workspace names (null: none yet). */
  'pki.showCrl': method(z.object({ ca: name }).strict(), returns<CrlView | null>(), { readonly: true }),
  /** Write files to a folder (main process): pem → NAME.crt, NAME.key, NAME.chain.crt, ca.crt; der; p12. */
  'pki.export': method(
    z
      .object({
        name,
        outDir: z.string().min(1).max(4096),
        format: z.enum(['pem', 'der', 'p12']).default('pem'),
        passphrase: z.string().max(1024).optional(),
        keyPassphrase: z.string().max(1024).optional(),
      })
      .strict(),
    returns<ExportResult>(),
  ),
  /** Remove a certificate, its key and CRL; refused while it issued others. */
  'pki.delete': method(z.object({ name }).strict(), returns<{ deleted: string }>()),
  /** Verify a certificate (base64 of PEM or DER files) against trusted CAs, with every step explained. */
  'pki.verify': method(
    z
      .object({
        cert: base64,
        ca: base64,
        untrusted: base64.optional(),
        crl: base64.optional(),
        purpose: profile.optional(),
        host: z.string().max(255).optional(),
        crlCheckAll: z.boolean().optional(),
        /** ISO time to verify at (default now). */
        at: z.string().datetime().optional(),
        files: z
          .object({ cert: fileName, ca: fileName, untrusted: fileName, crl: fileName })
          .strict()
          .optional(),
      })
      .strict(),
    returns<VerifyResult>(),
    { readonly: true },
  ),
  /** Verify a workspace certificate against its own chain and its issuer's CRL. */
  'pki.verifyWorkspace': method(
    z.object({ name, purpose: profile.optional(), host: z.string().max(255).optional() }).strict(),
    returns<VerifyResult>(),
    { readonly: true },
  ),
  /** MQTT pitfalls of one workspace certificate. */
  'pki.lint': method(z.object({ name }).strict(), returns<LintFinding[]>(), { readonly: true }),
  /** Lint findings of every workspace certificate, by name. */
  'pki.lintAll': method(z.object({}).strict(), returns<Record<string, LintFinding[]>>(), {
    readonly: true,
    example: {},
  }),
  /** Decode a certificate file (base64 of PEM or DER) without importing it. */
  'pki.describe': method(z.object({ data: base64, file: fileName }).strict(), returns<CertificateDetail>(), {
    readonly: true,
  }),
};

export interface PkiEvents {
  /** Certificates were added, changed (revoked) or removed. */
  'pki.changed': { names: string[] };
  /** A running batch: keys made so far (every 100 certificates and at the end). */
  'pki.batchProgress': { ca: string; done: number; total: number };
}
