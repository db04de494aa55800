import { pkiMethods } from '../contract/pki.js';
import type { Handlers, ServiceContext } from './handler.js';
import { UserError } from '../../core/user-error.js';
import type { Workspace } from '../../core/workspace/workspace.js';
import {
  buildCrl,
  certificateChain,
  chainDefaults,
  checkChain,
  createChain,
  crlPath,
  createCa,
  deleteCertificate,
  describeCertificate,
  exportCertificate,
  importCertificateAsync,
  issueBatch,
  issueCertificate,
  lintWorkspaceCertificate,
  listCertificates,
  parseDeviceList,
  readCrls,
  revokeCertificate,
  showCrl,
  showCertificate,
  signCsr,
  verifyCertificate,
  type VerifyResult,
} from '../../core/pki/index.js';

function bytes(base64: string, field: string): Buffer {
  const data = Buffer.from(base64, 'base64');
  if (data.length === 0 && base64.length > 0) {
    throw new UserError(`${field}: not base64`, 'BAD_INPUT', { field });
  }
  return data;
}

/** Verify a workspace certificate with the workspace's roots as trust anchors and its CAs' CRLs. */
function verifyInWorkspace(
  ws: Workspace,
  name: string,
  purpose?: 'server' | 'client',
  host?: string,
): VerifyResult {
  const all = listCertificates(ws);
  const entry = all.find((c) => c.name === name);
  if (!entry)
    throw new UserError(`name: no certificate named "${name}" in the workspace`, 'NOT_FOUND', {
      field: 'name',
    });
  const show = showCertificate(ws, name);
  const pemOf = (n: string) => certificateChain(ws, n).cert;
  const roots = all.filter((c) => c.isCa && c.subject === c.issuer).map((c) => pemOf(c.name));
  const intermediates = all.filter((c) => c.isCa && c.subject !== c.issuer).map((c) => pemOf(c.name));
  const crls = all
    .filter((c) => c.isCa)
    .map((c) => ws.readText(crlPath(c.name)))
    .filter((t): t is string => t !== undefined);
  // Revocation is checked when the issuer is a workspace CA that has (or can publish) a CRL; a CA that
  // came without its key (from an imported bundle) has none, and its CRL cannot be made here.
  const issuer = all.find((c) => c.name === entry.issuerName);
  const checkRevocation =
    issuer !== undefined && (issuer.hasKey || ws.readText(crlPath(issuer.name)) !== undefined);
  const inferred = purpose ?? (entry.kind === 'server' || entry.kind === 'client' ? entry.kind : undefined);
  return verifyCertificate({
    certPem: show.pem,
    caPem: roots.join(''),
    ...(intermediates.length ? { untrustedPem: intermediates.join('') } : {}),
    ...(crls.length && checkRevocation ? { crlPem: crls.join('') } : {}),
    ...(inferred ? { purpose: inferred } : {}),
    ...(host ? { host } : {}),
  });
}

export function pkiHandlers(ctx: ServiceContext): Handlers<typeof pkiMethods> {
  const changed = (...names: string[]) => ctx.emit('pki.changed', { names });
  return {
    'pki.list': () => listCertificates(ctx.workspace),
    'pki.show': (p) => showCertificate(ctx.workspace, p.name),
    'pki.chain': (p) => certificateChain(ctx.workspace, p.name),
    'pki.createCa': async (p) => {
      const ca = await createCa(ctx.workspace, p);
      changed(ca.name);
      return ca;
    },
    'pki.issue': async (p) => {
      const cert = await issueCertificate(ctx.workspace, p);
      changed(cert.name);
      return cert;
    },
    'pki.issueBatch': async (p) => {
      const names = [...(p.names ?? []), ...(p.text !== undefined ? parseDeviceList(p.text) : [])];
      const issued = await issueBatch(ctx.workspace, {
        ca: p.ca,
        profile: p.profile,
        names,
        ...(p.keyType ? { keyType: p.keyType } : {}),
        ...(p.days !== undefined ? { days: p.days } : {}),
        ...(p.prefix !== undefined ? { prefix: p.prefix } : {}),
        onProgress: (done, total) => ctx.emit('pki.batchProgress', { ca: p.ca, done, total }),
      });
      changed(...issued.map((c) => c.name));
      return { issued };
    },
    'pki.chainDefaults': () => chainDefaults(ctx.workspace),
    'pki.checkChain': (p) => checkChain(ctx.workspace, p),
    'pki.createChain': async (p) => {
      const result = await createChain(ctx.workspace, p);
      changed(...result.created.map((c) => c.name));
      return result;
    },
    'pki.parseDeviceList': (p) => parseDeviceList(p.text),
    'pki.signCsr': (p) => {
      const cert = signCsr(ctx.workspace, {
        ca: p.ca,
        profile: p.profile,
        name: p.name,
        csrPem: bytes(p.csr, 'csr'),
        ...(p.file ? { csrFile: p.file } : {}),
        ...(p.days !== undefined ? { days: p.days } : {}),
      });
      changed(cert.name);
      return cert;
    },
    'pki.import': async (p) => {
      const cert = await importCertificateAsync(ctx.workspace, {
        name: p.name,
        cert: bytes(p.cert, 'cert'),
        ...(p.certFile ? { certFile: p.certFile } : {}),
        ...(p.key !== undefined ? { key: bytes(p.key, 'key') } : {}),
        ...(p.keyFile ? { keyFile: p.keyFile } : {}),
        ...(p.passphrase !== undefined ? { passphrase: p.passphrase } : {}),
      });
      changed(cert.name, ...cert.chain.map((ca) => ca.name));
      return cert;
    },
    'pki.revoke': (p) => {
      const cert = revokeCertificate(ctx.workspace, p.name, p.reason);
      changed(cert.name, ...(cert.issuerName ? [cert.issuerName] : []));
      return cert;
    },
    'pki.crl': (p) => {
      const pem = buildCrl(ctx.workspace, p.ca, p.days !== undefined ? { days: p.days } : {});
      const crl = readCrls(pem)[0]!;
      changed(p.ca);
      return {
        ca: p.ca,
        pem,
        number: Number(crl.number ?? 0),
        revoked: crl.revoked.length,
        thisUpdate: crl.thisUpdate.toISOString(),
        nextUpdate: crl.nextUpdate?.toISOString() ?? '',
      };
    },
    'pki.showCrl': (p) => showCrl(ctx.workspace, p.ca),
    'pki.export': (p) =>
      exportCertificate(ctx.workspace, p.name, {
        outDir: p.outDir,
        format: p.format,
        ...(p.passphrase !== undefined ? { passphrase: p.passphrase } : {}),
        ...(p.keyPassphrase !== undefined ? { keyPassphrase: p.keyPassphrase } : {}),
      }),
    'pki.delete': (p) => {
      deleteCertificate(ctx.workspace, p.name);
      changed(p.name);
      return { deleted: p.name };
    },
    'pki.verify': (p) =>
      verifyCertificate({
        certPem: bytes(p.cert, 'cert'),
        caPem: bytes(p.ca, 'ca'),
        ...(p.untrusted !== undefined ? { untrustedPem: bytes(p.untrusted, 'untrusted') } : {}),
        ...(p.crl !== undefined ? { crlPem: bytes(p.crl, 'crl') } : {}),
        ...(p.purpose ? { purpose: p.purpose } : {}),
        ...(p.host !== undefined ? { host: p.host } : {}),
        ...(p.crlCheckAll !== undefined ? { crlCheckAll: p.crlCheckAll } : {}),
        ...(p.at ? { at: new Date(p.at) } : {}),
        ...(p.files
          ? {
              files: Object.fromEntries(Object.entries(p.files).filter(([, v]) => v !== undefined)) as Record<
                string,
                string
              >,
            }
          : {}),
      }),
    'pki.verifyWorkspace': (p) => verifyInWorkspace(ctx.workspace, p.name, p.purpose, p.host),
    'pki.lint': (p) => lintWorkspaceCertificate(ctx.workspace, p.name),
    'pki.lintAll': () => {
      const out: Record<string, ReturnType<typeof lintWorkspaceCertificate>> = {};
      for (const c of listCertificates(ctx.workspace))
        out[c.name] = lintWorkspaceCertificate(ctx.workspace, c.name);
      return out;
    },
    'pki.describe': (p) => describeCertificate(bytes(p.data, 'data'), p.file),
  };
}
