import { X509Certificate } from 'node:crypto';
import type { AclFile } from '../acl/index.js';
import type { Workspace } from '../workspace/workspace.js';
import type { BundleFile } from './bundle.js';
import { clientReadme, type ClientEndpoint } from './client-readme.js';
import { clientTopics } from './client-topics.js';
import type { ListenerView } from './listener-view.js';
import { certificatesOf } from './server-chain.js';
import { pkcs12Of, tlsMaterial, type CertificateSummary } from './workshop.js';

/**
 * `clients/NAME/`: what one device needs to reach the exported broker — the CA to trust the broker
 * with, its certificate chain, its key (0600), optionally a PKCS#12, and a README with ready commands
 * for the listeners that will accept it.
 */
export interface ClientBundleContext {
  views: ListenerView[];
  host: string;
  cafilePem(view: ListenerView): string | undefined;
  serverRoot(view: ListenerView): X509Certificate | undefined;
  serverNames(view: ListenerView): string[];
  acl(view: ListenerView | undefined): AclFile | undefined;
  p12Passphrase?: string;
}

export interface ClientBundleResult {
  files: BundleFile[];
  endpoints: ClientEndpoint[];
  /** Each endpoint with the listener it reaches, best first (the README's commands use the first). */
  routes: Array<{ view: ListenerView; endpoint: ClientEndpoint }>;
  /** The TLS listener whose server certificate's root the workshop lacks (ca.crt then holds its cafile). */
  serverRootUnknown?: ListenerView;
  notes: string[];
}

const ORDER = { mqtts: 0, wss: 1, mqtt: 2, ws: 3 } as const;

export function clientBundle(
  ws: Workspace,
  cert: CertificateSummary,
  ctx: ClientBundleContext,
): ClientBundleResult {
  const material = tlsMaterial(ws, cert.name);
  const chainFingerprints = new Set(
    certificatesOf(material.chain + material.ca).map((c) => c.fingerprint256),
  );
  const notes: string[] = [];
  const usable: Array<{ view: ListenerView; endpoint: ClientEndpoint }> = [];
  const views = [...ctx.views].sort((a, b) => ORDER[a.scheme] - ORDER[b.scheme]);
  for (const view of views) {
    if (view.psk) continue;
    if (view.requireCertificate) {
      const ca = ctx.cafilePem(view);
      const trusted =
        ca !== undefined && certificatesOf(ca).some((c) => chainFingerprints.has(c.fingerprint256));
      if (!trusted) {
        notes.push(
          `the ${view.scheme} listener on port ${view.port} does not trust this certificate's CA (its cafile lacks it), so it is left out`,
        );
        continue;
      }
    }
    const password = view.identity === 'connect' && view.passwordFile !== undefined;
    if (view.identity === 'connect' && !password && !view.allowAnonymous) continue;
    const username: ClientEndpoint['username'] =
      view.identity === 'cn'
        ? { source: 'cn', value: cert.cn }
        : view.identity === 'subject'
          ? { source: 'subject', value: cert.subject }
          : password
            ? { source: 'connect', value: cert.cn || cert.name }
            : { source: 'connect' };
    const endpoint: ClientEndpoint = {
      scheme: view.scheme,
      host: ctx.host,
      port: view.port,
      username,
      password,
      requireCertificate: view.requireCertificate,
    };
    if (view.tlsVersion) endpoint.tlsVersion = view.tlsVersion;
    usable.push({ view, endpoint });
  }
  const first = usable[0];
  const tlsView = usable.find((u) => u.view.tls)?.view;
  let caPem = '';
  let serverRootUnknown: ListenerView | undefined;
  if (tlsView) {
    const root = ctx.serverRoot(tlsView);
    if (root) caPem = root.toString();
    else {
      serverRootUnknown = tlsView;
      caPem = ctx.cafilePem(tlsView) ?? '';
      notes.push(
        "the server certificate's root CA is not in the workshop: ca.crt holds the broker's cafile instead",
      );
    }
  } else {
    caPem = material.ca;
  }
  const publishClientId = cert.name;
  const subscribeClientId = `${cert.name}-sub`;
  const u = first?.endpoint.username;
  const username = u && (u.source !== 'connect' || u.value !== undefined) ? u.value : undefined;
  const topics = clientTopics(ctx.acl(first?.view), {
    ...(username !== undefined ? { username } : {}),
    publishClientId,
    subscribeClientId,
    name: cert.name,
  });
  if (!topics.granted) {
    notes.push(
      'the ACL grants this client no topic it may both publish to and read; the commands use an example topic that the broker will refuse',
    );
  }
  const dir = `clients/${cert.name}`;
  const files: BundleFile[] = [
    {
      path: `${dir}/ca.crt`,
      data: caPem,
      mode: 0o644,
      kind: 'client-ca',
      description: "the CA this client trusts the broker's certificate with",
    },
    {
      path: `${dir}/${cert.name}.crt`,
      data: material.chain,
      mode: 0o644,
      kind: 'client-cert',
      description: `the certificate of "${cert.cn}" followed by its intermediate CA(s)`,
    },
    {
      path: `${dir}/${cert.name}.key`,
      data: material.key,
      mode: 0o600,
      kind: 'client-key',
      description: 'its private key (PKCS#8)',
    },
  ];
  if (ctx.p12Passphrase !== undefined) {
    files.push({
      path: `${dir}/${cert.name}.p12`,
      data: pkcs12Of(material, ctx.p12Passphrase, cert.name),
      mode: 0o600,
      kind: 'client-p12',
      description: 'key, certificate and chain as PKCS#12 (passphrase as chosen at export)',
    });
  }
  const readme = clientReadme({
    name: cert.name,
    cn: cert.cn,
    subject: cert.subject,
    notAfter: cert.notAfter,
    files: {
      ca: 'ca.crt',
      cert: `${cert.name}.crt`,
      key: `${cert.name}.key`,
      ...(ctx.p12Passphrase !== undefined ? { p12: `${cert.name}.p12` } : {}),
    },
    endpoints: usable.map((x) => x.endpoint),
    publishTopic: topics.publishTopic,
    subscribeFilter: topics.subscribeFilter,
    publishClientId,
    subscribeClientId,
    notes,
    serverNames: tlsView ? ctx.serverNames(tlsView) : [],
  });
  files.push({
    path: `${dir}/README.txt`,
    data: readme,
    mode: 0o644,
    kind: 'client-readme',
    description: 'ready commands and code snippets',
  });
  return {
    files,
    endpoints: usable.map((x) => x.endpoint),
    routes: usable,
    ...(serverRootUnknown ? { serverRootUnknown } : {}),
    notes,
  };
}
