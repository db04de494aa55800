import { benchMethods, type BenchStatus, type BenchTrust } from '../contract/bench.js';
import type { Handlers, ServiceContext } from './handler.js';
import type { Workspace } from '../../core/workspace/workspace.js';
import {
  givenFleet,
  issueFleet,
  readTrustFile,
  runBench,
  workspaceRoots,
  type Fleet,
} from '../../core/bench/index.js';
import { systemRoots } from '../../core/client/tls-options.js';
import { workspaceBrokerUrl } from '../../core/broker/workspace-broker-url.js';
import { UserError, messageOf } from '../../core/user-error.js';

/**
 * The trust anchors and verification of a run. A CA file is read here, in the main process, before the
 * fleet is issued: a bad file is one error naming `trust.path`, and only certificates are read from it.
 */
function resolveTrust(
  ws: Workspace,
  trust: BenchTrust,
  fleet: Fleet | undefined,
): { trust?: string[]; insecure: boolean; label: string } {
  if (trust.kind === 'file') {
    const ca = readTrustFile(trust.path, 'trust.path');
    return { trust: ca, insecure: false, label: `the CA file ${trust.path}` };
  }
  if (trust.kind === 'insecure')
    return { insecure: true, label: "none: the broker's certificate was not checked" };
  if (trust.kind === 'system') {
    const roots = systemRoots();
    return { ...(roots ? { trust: roots } : {}), insecure: false, label: 'the system roots' };
  }
  const roots = fleet?.trust ?? (ws.exists('certificates.json') ? workspaceRoots(ws) : undefined);
  if (!roots) return { insecure: false, label: 'the system roots (the workspace has no CA)' };
  return { trust: roots, insecure: false, label: 'the workspace root CAs' };
}

/** One bench run at a time per app, in the background; the panel follows it through events. */
export function benchHandlers(ctx: ServiceContext): Handlers<typeof benchMethods> {
  let status: BenchStatus = { running: false };
  let abort: AbortController | undefined;
  let finished: Promise<void> | undefined;

  ctx.onDispose(async () => {
    abort?.abort();
    await finished;
  });

  return {
    'bench.status': () => status,

    'bench.start': async (p) => {
      if (status.running) throw new UserError('a bench is already running: stop it first', 'BENCH_RUNNING');
      if (p.ca && p.as?.length)
        throw new UserError('as: give either ca or as, not both', 'BAD_PARAMS', { field: 'as' });
      const url = p.url?.trim() || workspaceBrokerUrl(ctx.workspace).url;
      try {
        if (!['mqtt:', 'mqtts:', 'ws:', 'wss:'].includes(new URL(url).protocol)) throw new Error('scheme');
      } catch {
        throw new UserError(`url: "${url}" is not an mqtt://, mqtts://, ws:// or wss:// URL`, 'BAD_URL', {
          field: 'url',
        });
      }
      // The CA file first: a bad one stops the run before any certificate is issued.
      const fileTrust = p.trust.kind === 'file' ? resolveTrust(ctx.workspace, p.trust, undefined) : undefined;
      let fleet: Fleet | undefined;
      if (p.ca)
        fleet = await issueFleet(
          ctx.workspace,
          p.ca,
          p.clients,
          `bench-app-${Date.now().toString(36)}`,
          'ca',
        );
      else if (p.as?.length) fleet = givenFleet(ctx.workspace, p.as);
      const { trust, insecure, label } = fileTrust ?? resolveTrust(ctx.workspace, p.trust, fleet);
      abort = new AbortController();
      status = { running: true, trust: p.trust.kind, trustLabel: label };
      const signal = abort.signal;
      finished = runBench({
        url,
        protocol: p.protocol === '5.0' ? 5 : 4,
        clients: p.clients,
        connectRate: p.connectRate,
        publishRate: p.publishRate,
        qos: p.qos,
        duration: p.duration,
        payloadBytes: p.payloadBytes,
        topic: 'devices/{cn}/bench/{i}',
        identities: fleet?.identities ?? [],
        ...(trust ? { trust } : {}),
        insecure,
        clientIdPrefix: `bench-${process.pid}`,
        connectTimeoutMs: 30_000,
        signal,
        onProgress: (progress) => {
          status = { ...status, progress };
          ctx.emit('bench.progress', progress);
        },
      })
        .then(
          (report) => {
            status = { running: false, report, trust: p.trust.kind, trustLabel: label };
          },
          (error: unknown) => {
            status = { running: false, error: messageOf(error), trust: p.trust.kind, trustLabel: label };
          },
        )
        .finally(() => {
          fleet?.dispose();
          abort = undefined;
          ctx.emit('bench.done', status);
        });
      return status;
    },

    'bench.stop': async () => {
      abort?.abort();
      await finished;
      return status;
    },
  };
}
