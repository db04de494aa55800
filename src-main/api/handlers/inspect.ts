import {
  inspectMethods,
  type InspectFixResult,
  type InspectHistoryEntry,
  type InspectProbeParams,
  type InspectTrust,
} from '../contract/inspect.js';
import type { Handlers, ServiceContext } from './handler.js';
import type { BrokerEvent, ListenerStatus } from '../../core/broker/index.js';
import {
  applyBrokerVerdict,
  collectBrokerSide,
  exportChainFile,
  fixesFor,
  opensslCommand,
  ownListener,
  parseTarget,
  probe,
  probeTraces,
  reissueWithSan,
  workspaceBrokerCertfiles,
  writeBrokerChain,
  type BrokerSide,
  type ClientIdentity,
  type FixOutcome,
  type InspectFix,
  type InspectReport,
  type ProbeOptions,
} from '../../core/inspect/index.js';
import {
  certificateChain,
  currentCrl,
  listCertificates,
  certPath,
  crlPath,
  keyPath,
  readCertPem,
  showCertificate,
  tlsMaterial,
} from '../../core/pki/index.js';
import { openKeyLog } from '../../core/client/key-log.js';
import { UserError } from '../../core/user-error.js';
import type { Workspace } from '../../core/workspace/workspace.js';

/** Recent targets of the inspector (FOUNDATION.md §6). */
export const INSPECTOR_HISTORY = 'inspector-history.json';
const HISTORY_LIMIT = 20;

function readHistory(workspace: Workspace): InspectHistoryEntry[] {
  try {
    const value = workspace.readJson<unknown>(INSPECTOR_HISTORY, []);
    return Array.isArray(value) ? (value as InspectHistoryEntry[]) : [];
  } catch {
    return []; // a damaged history is not worth refusing a probe for
  }
}

/** Resolve workspace names and base64 into what the core probe takes. */
function probeOptions(workspace: Workspace, params: InspectProbeParams): ProbeOptions {
  const options: ProbeOptions = {};
  const trust = params.trust ?? { kind: 'system' };
  if (trust.kind === 'workspace') {
    const chain = certificateChain(workspace, trust.name);
    options.trust = { caPem: chain.ca || chain.cert, label: `workspace CA "${trust.name}"` };
  } else if (trust.kind === 'pem') {
    options.trust = { caPem: trust.pem, label: trust.label ?? 'CA file' };
  } else {
    options.trust = 'system';
  }
  let identity: ClientIdentity | undefined;
  const client = params.clientCert;
  if (client?.kind === 'workspace') {
    const material = tlsMaterial(workspace, client.name);
    identity = {
      kind: 'pem',
      certPem: material.chain,
      keyPem: material.key,
      label: `workspace certificate "${client.name}"`,
    };
  } else if (client?.kind === 'pem') {
    identity = {
      kind: 'pem',
      certPem: client.certPem,
      keyPem: client.keyPem,
      ...(client.passphrase !== undefined ? { passphrase: client.passphrase } : {}),
      label: client.label ?? 'client certificate',
    };
  } else if (client?.kind === 'pkcs12') {
    identity = {
      kind: 'pkcs12',
      pfx: Buffer.from(client.pfx, 'base64'),
      ...(client.passphrase !== undefined ? { passphrase: client.passphrase } : {}),
      label: client.label ?? 'PKCS#12 file',
    };
  }
  if (identity) options.clientCert = identity;
  const crls: string[] = [];
  if (params.crlPem) crls.push(params.crlPem);
  for (const ca of params.crlCas ?? []) {
    const pem = currentCrl(workspace, ca);
    if (!pem)
      throw new UserError(`crlCas: the workspace CA "${ca}" has no CRL yet (publish one first)`, 'NO_CRL', {
        field: 'crlCas',
      });
    crls.push(pem);
  }
  if (crls.length > 0) options.crlPem = crls.join('');
  const known = workspaceCasPem(workspace);
  if (known) options.knownCasPem = known;
  if (params.servername) options.servername = params.servername;
  if (params.alpn && params.alpn.length > 0) options.alpn = params.alpn;
  if (params.tlsMin) options.tlsMin = params.tlsMin;
  if (params.tlsMax) options.tlsMax = params.tlsMax;
  if (params.mqtt !== undefined) options.mqtt = params.mqtt;
  if (params.timeoutMs) options.timeoutMs = params.timeoutMs;
  return options;
}

/** The workspace's CA certificates: evidence for the diagnosis (never trust), empty when there are none. */
function workspaceCasPem(workspace: Workspace): string {
  try {
    return listCertificates(workspace)
      .filter((certificate) => certificate.isCa)
      .map((certificate) => readCertPem(workspace, certificate.name))
      .join('');
  } catch {
    return ''; // a damaged index: the Certificates view says why
  }
}

function trustSummary(params: InspectProbeParams): InspectTrust {
  const trust = params.trust ?? { kind: 'system' };
  if (trust.kind === 'pem') return { kind: 'pem', ...(trust.label ? { label: trust.label } : {}) };
  return trust;
}

/**
 * The probe as one `openssl s_client` line that runs as it is: workspace material is named by its real
 * files in the workspace (certs/NAME.crt, keys/NAME.key, crl/CA.crl), never by names of files that exist
 * nowhere; files the user picked keep the names they have on the user's machine.
 */
function commandFor(
  workspace: Workspace,
  params: InspectProbeParams & { files?: { ca?: string; cert?: string; key?: string; crl?: string } },
): string {
  const files = params.files ?? {};
  const trust = params.trust ?? { kind: 'system' };
  const chainNames = (name: string): string[] => {
    try {
      return showCertificate(workspace, name).chainNames;
    } catch {
      return [name];
    }
  };
  const certFileOf = (name: string) => workspace.path(certPath(name));
  // A workspace CA as trust: OpenSSL needs the root its chain ends at (it does not stop at an intermediate).
  const caFile =
    files.ca ??
    (trust.kind === 'workspace'
      ? certFileOf(chainNames(trust.name).at(-1)!)
      : trust.kind === 'pem'
        ? (trust.label ?? 'ca.crt')
        : undefined);
  const client = params.clientCert;
  let certFile = files.cert;
  let keyFile = files.key;
  let certChainFile: string | undefined;
  if (client?.kind === 'workspace') {
    certFile ??= certFileOf(client.name);
    keyFile ??= workspace.path(keyPath(client.name));
    // The intermediate between the leaf and the root, as the client sends it.
    const between = chainNames(client.name).slice(1, -1);
    if (between.length > 0) certChainFile = certFileOf(between[0]!);
  } else if (client) {
    certFile ??= client.label ?? 'client.crt';
    keyFile ??= client.kind === 'pkcs12' ? 'client.key' : 'client.key';
  }
  const crlCa = params.crlCas?.[0];
  const crlFile =
    files.crl ?? (crlCa ? workspace.path(crlPath(crlCa)) : params.crlPem ? 'crl.pem' : undefined);
  return opensslCommand(params.target, {
    ...(caFile ? { caFile } : {}),
    ...(certFile ? { certFile } : {}),
    ...(keyFile ? { keyFile } : {}),
    ...(certChainFile ? { certChainFile } : {}),
    ...(params.servername ? { servername: params.servername } : {}),
    ...(params.alpn ? { alpn: params.alpn } : {}),
    ...(params.tlsMin ? { tlsMin: params.tlsMin } : {}),
    ...(params.tlsMax ? { tlsMax: params.tlsMax } : {}),
    ...(crlFile ? { crlFile } : {}),
    ...(params.keyLogFile ? { keyLogFile: params.keyLogFile } : {}),
  });
}

/** How long to wait for the broker's closing entries of the probe's connections, and for a reload. */
const BROKER_LOG_WAIT_MS = 1500;
const RELOAD_WAIT_MS = 3000;

const lastSeq = (events: BrokerEvent[]): number => events[events.length - 1]?.seq ?? 0;

export function inspectHandlers(ctx: ServiceContext): Handlers<typeof inspectMethods> {
  /** The app's running broker's listener that a target reaches, and whether it runs the workspace settings. */
  const ownBroker = async (
    targetText: string,
  ): Promise<{ listener: ListenerStatus; workspace: boolean; since: number } | null> => {
    const status = await ctx.call('broker.status', {});
    if (!status.running) return null;
    const listener = await ownListener(parseTarget(targetText), status.listeners);
    if (!listener) return null;
    return {
      listener,
      workspace: status.source === 'workspace',
      since: lastSeq(await ctx.call('broker.events', {})),
    };
  };

  const fixes = (
    params: InspectProbeParams,
    report: InspectReport,
    own: { listener: ListenerStatus; workspace: boolean } | null,
  ): InspectFix[] => {
    let certificates;
    try {
      certificates = listCertificates(ctx.workspace);
    } catch {
      return []; // a damaged index: the Certificates view says why
    }
    return fixesFor({
      report,
      certificates,
      trustedCa: params.trust?.kind === 'workspace' ? params.trust.name : null,
      brokerCertfiles:
        own?.workspace === true
          ? workspaceBrokerCertfiles(ctx.workspace).filter((file) => file.index === own.listener.index)
          : [],
    });
  };

  /** After broker files were rewritten: wait until the running workspace broker reloaded them. */
  const awaitReload = async (
    since: number,
    files: string[],
  ): Promise<Pick<InspectFixResult, 'reloaded' | 'reloadError'>> => {
    const paths = new Set(files.map((file) => ctx.workspace.path(file)));
    const until = Date.now() + RELOAD_WAIT_MS;
    while (Date.now() < until) {
      const events = await ctx.call('broker.events', { since });
      const failed = events.find((e) => e.kind === 'error' && e.file !== undefined && paths.has(e.file));
      if (failed) return { reloaded: false, reloadError: failed.message };
      if (events.some((e) => e.kind === 'reloaded' && e.file !== undefined && paths.has(e.file)))
        return { reloaded: true };
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return {
      reloaded: false,
      reloadError: `the broker did not reload ${files.join(', ')} within ${RELOAD_WAIT_MS / 1000} s: restart it`,
    };
  };

  return {
    'inspect.probe': async (params) => {
      const options = probeOptions(ctx.workspace, params);
      // Checked and opened before anything goes out: a refused path is one error naming the field, no probe.
      const keyLog =
        params.keyLogFile !== undefined
          ? openKeyLog(params.keyLogFile, { workspaceDir: ctx.workspace.dir, field: 'keyLogFile' })
          : null;
      if (keyLog) options.onKeylog = (line) => keyLog.write(line);
      let own;
      let report: InspectReport;
      try {
        own = await ownBroker(params.target);
        report = await probe(params.target, options);
      } finally {
        keyLog?.close();
      }
      let side: BrokerSide | null = null;
      if (own) {
        const since = own.since;
        side = await collectBrokerSide(
          own.listener.url,
          () => ctx.call('broker.events', { since }),
          probeTraces(report),
          BROKER_LOG_WAIT_MS,
        );
        applyBrokerVerdict(report, side);
      }
      const result = {
        ...report,
        opensslCommand: commandFor(ctx.workspace, params),
        brokerSide: side,
        fixes: fixes(params, report, own),
        ...(keyLog ? { keyLog: { path: keyLog.path, lines: keyLog.lines } } : {}),
      };
      if (params.remember !== false) {
        const mqtt = params.mqtt;
        const entry: InspectHistoryEntry = {
          target: report.target,
          at: new Date().toISOString(),
          ok: report.ok,
          codes: report.problems.map((problem) => problem.code),
          trust: trustSummary(params),
          ...(params.servername ? { servername: params.servername } : {}),
          ...(params.alpn?.length ? { alpn: params.alpn } : {}),
          ...(params.tlsMin ? { tlsMin: params.tlsMin } : {}),
          ...(params.tlsMax ? { tlsMax: params.tlsMax } : {}),
          ...(params.clientCert?.kind === 'workspace' ? { clientCertificate: params.clientCert.name } : {}),
          mqtt: mqtt !== undefined && mqtt !== false,
          ...(typeof mqtt === 'object' && mqtt.username !== undefined ? { username: mqtt.username } : {}),
        };
        const history = [
          entry,
          ...readHistory(ctx.workspace).filter((old) => old.target !== entry.target),
        ].slice(0, HISTORY_LIMIT);
        ctx.workspace.commit([ctx.workspace.jsonChange(INSPECTOR_HISTORY, history)]);
      }
      ctx.emit('inspect.probed', {
        target: report.target,
        ok: report.ok,
        codes: report.problems.map((problem) => problem.code),
      });
      return result;
    },
    'inspect.fix': async (params) => {
      const status = await ctx.call('broker.status', {});
      const since = status.running ? lastSeq(await ctx.call('broker.events', {})) : 0;
      let outcome: FixOutcome;
      if (params.kind === 'reissue-san') {
        outcome = reissueWithSan(ctx.workspace, params.certificate, params.san);
        ctx.emit('pki.changed', { names: [params.certificate] });
      } else if (params.kind === 'broker-chain') {
        outcome = writeBrokerChain(ctx.workspace, params.certificate);
      } else {
        outcome = exportChainFile(ctx.workspace, params.certificate, params.outDir);
      }
      const brokerFiles =
        params.kind === 'export-chain' ? [] : outcome.files.filter((f) => !f.startsWith('certs/'));
      const reload =
        brokerFiles.length > 0 && status.running && status.source === 'workspace'
          ? await awaitReload(since, brokerFiles)
          : { reloaded: null };
      return { ...outcome, ...reload };
    },
    'inspect.opensslCommand': (params) => commandFor(ctx.workspace, params),
    'inspect.suggestTrust': async (params) => {
      let own;
      try {
        own = await ownBroker(params.target);
      } catch {
        return { ca: null }; // a target being typed need not parse yet
      }
      if (!own?.workspace) return { ca: null };
      const certfile = workspaceBrokerCertfiles(ctx.workspace).find(
        (file) => file.index === own.listener.index,
      );
      let certificates;
      try {
        certificates = listCertificates(ctx.workspace);
      } catch {
        return { ca: null };
      }
      let entry = certificates.find((c) => c.fingerprint256 === certfile?.fingerprints[0]);
      for (let depth = 0; entry?.issuerName && depth < 10; depth++) {
        const issuer = certificates.find((c) => c.name === entry!.issuerName);
        if (!issuer) break;
        entry = issuer;
      }
      return { ca: entry?.isCa && entry.kind === 'root-ca' ? entry.name : null };
    },
    'inspect.history': () => readHistory(ctx.workspace),
    'inspect.forget': (params) => {
      const history = params.target
        ? readHistory(ctx.workspace).filter((entry) => entry.target !== params.target)
        : [];
      ctx.workspace.commit([ctx.workspace.jsonChange(INSPECTOR_HISTORY, history)]);
      return history;
    },
  };
}
