import { benchMethods, type BenchStatus } from '../contract/bench.js';
import type { Handlers, ServiceContext } from './handler.js';
import { givenFleet, issueFleet, runBench, workspaceRoots, type Fleet } from '../../core/bench/index.js';
import { workspaceBrokerUrl } from '../../core/broker/workspace-broker-url.js';
import { UserError, messageOf } from '../../core/user-error.js';

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
      let fleet: Fleet | undefined;
      if (p.ca)
        fleet = await issueFleet(ctx.workspace, p.ca, p.clients, `bench-app-${Date.now().toString(36)}`);
      else if (p.as?.length) fleet = givenFleet(ctx.workspace, p.as);
      const trust =
        fleet?.trust ??
        (ctx.workspace.exists('certificates.json') ? workspaceRoots(ctx.workspace) : undefined);
      abort = new AbortController();
      status = { running: true };
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
            status = { running: false, report };
          },
          (error: unknown) => {
            status = { running: false, error: messageOf(error) };
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
