import { X509Certificate, createPrivateKey } from 'node:crypto';
import { parsePemBlocks, toPem } from '../pki/index.js';

/**
 * The certificate file a TLS server must load: its own certificate first, then each issuer up to (not
 * including) the self-signed root. Mosquitto sends the file as it is (OpenSSL only completes a chain
 * from cafile when the intermediates happen to be there), so a file out of order or without the
 * intermediate is the classic "unknown ca" at the client.
 */

export interface ChainRepair {
  /** The PEM to write: leaf then intermediates. */
  pem: string;
  /** Certificates in the written order. */
  certificates: X509Certificate[];
  /** The self-signed root the chain ends at, when known. */
  root?: X509Certificate;
  /** What was changed, as sentences (empty when the file was right). */
  changes: string[];
  /** Problems that could not be fixed. */
  problems: string[];
}

export function certificatesOf(pem: string, file = 'input'): X509Certificate[] {
  return parsePemBlocks(pem, file)
    .filter((b) => b.label === 'CERTIFICATE' || b.label === 'X509 CERTIFICATE')
    .map((b) => new X509Certificate(b.der));
}

function selfSigned(cert: X509Certificate): boolean {
  return cert.subject === cert.issuer && cert.checkIssued(cert) && cert.verify(cert.publicKey);
}

function cn(cert: X509Certificate): string {
  return /CN=([^\n]*)/.exec(cert.subject)?.[1] ?? cert.subject.replace(/\n/g, ', ');
}

/** The issuer of `cert` among the candidates (name link and signature both checked). */
export function findIssuer(
  cert: X509Certificate,
  candidates: readonly X509Certificate[],
): X509Certificate | undefined {
  return candidates.find(
    (c) => c.fingerprint256 !== cert.fingerprint256 && cert.checkIssued(c) && cert.verify(c.publicKey),
  );
}

/**
 * Put the server's certificate file in order and complete it with intermediates from `known` (the
 * workshop's CA certificates). The leaf is the certificate that matches `keyPem` when given, else the
 * one that issues no other certificate of the file.
 */
export function repairServerChain(
  filePem: string,
  known: readonly X509Certificate[],
  keyPem?: string,
): ChainRepair {
  const inFile = certificatesOf(filePem);
  const changes: string[] = [];
  const problems: string[] = [];
  if (inFile.length === 0)
    return { pem: filePem, certificates: [], changes, problems: ['holds no certificate'] };

  let leaf: X509Certificate | undefined;
  if (keyPem) {
    try {
      const key = createPrivateKey(keyPem);
      leaf = inFile.find((c) => c.checkPrivateKey(key));
      if (!leaf) problems.push('no certificate in the file matches the key file');
    } catch {
      problems.push('the key file is not a readable private key');
    }
  }
  leaf ??= inFile.find((c) => !inFile.some((other) => other !== c && findIssuer(other, [c]))) ?? inFile[0]!;

  const pool = [...inFile, ...known];
  const chain: X509Certificate[] = [leaf];
  let root: X509Certificate | undefined;
  let current = leaf;
  while (!selfSigned(current) && chain.length < 10) {
    const issuer = findIssuer(current, pool);
    if (!issuer) {
      problems.push(
        `the issuer of "${cn(current)}" is not in the file nor in the workshop: clients may fail with "unknown ca"`,
      );
      break;
    }
    if (selfSigned(issuer)) {
      root = issuer;
      break;
    }
    if (!inFile.some((c) => c.fingerprint256 === issuer.fingerprint256)) {
      changes.push(`added the intermediate "${cn(issuer)}" from the workshop`);
    }
    chain.push(issuer);
    current = issuer;
  }
  if (selfSigned(leaf)) root = leaf;

  const written = chain.map((c) => c.fingerprint256);
  const original = inFile.map((c) => c.fingerprint256);
  const droppedRoot = root && original.includes(root.fingerprint256) && root !== leaf;
  const reordered =
    original.filter((f) => written.includes(f)).join() !== written.filter((f) => original.includes(f)).join();
  if (reordered)
    changes.push('put the certificates in order: the server certificate first, then each issuer');
  if (droppedRoot) changes.push(`left out the root "${cn(root!)}" (clients hold it in their CA file)`);
  const extra = inFile.filter(
    (c) => !written.includes(c.fingerprint256) && c.fingerprint256 !== root?.fingerprint256,
  );
  if (extra.length > 0)
    changes.push(`left out ${extra.length} certificate(s) that are not in the server's chain`);

  const pem = chain.map((c) => toPem(c.raw, 'CERTIFICATE')).join('');
  return { pem, certificates: chain, ...(root ? { root } : {}), changes, problems };
}
