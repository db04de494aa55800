import { UsageError, type CliContext } from '../command.js';
import { Workspace } from '../../core/workspace/workspace.js';
import {
  BENCH_LIMITS,
  givenFleet,
  issueFleet,
  readTrustFile,
  runBench,
  workspaceRoots,
  type BenchReport,
  type Fleet,
} from '../../core/bench/index.js';
import { workspaceBrokerUrl } from '../../core/broker/workspace-broker-url.js';
import { intOption, protocolOption, readFirstLine } from './device-session.js';
import { qosOption } from './payload-properties.js';

/** A bounded whole-number option with its default (`undefined`: the option is required). */
function numberOption(
  ctx: CliContext,
  name: string,
  fallback: number | undefined,
  min: number,
  max: number,
): number {
  const value = intOption(ctx, name, min, max) ?? fallback;
  if (value === undefined) throw new UsageError(`--${name} is required`);
  return value;
}

const fixed = (n: number | undefined, digits = 2) => (n === undefined ? '–' : n.toFixed(digits));

/** The final table. */
export function benchTable(report: BenchReport): string {
  const reasons = (list: BenchReport['failures']) =>
    list.length === 0 ? 'none' : list.map((r) => `${r.count}× ${r.reason}`).join('; ');
  return [
    `bench ${report.url} · MQTT ${report.protocol} · QoS ${report.qos} · ${report.clients} clients${report.stoppedEarly ? ' · stopped early' : ''}`,
    `  connections    ${report.connected} ok, ${report.failed} failed${report.failed ? ` (${reasons(report.failures)})` : ''}`,
    `  handshakes/s   ${fixed(report.handshakesPerSecond, 1)} (fleet connected in ${fixed(report.connectSeconds, 1)} s)`,
    `  messages       ${report.sent} sent, ${report.received} received, ${report.lost} lost${report.qos > 0 ? `, ${report.acknowledged} acknowledged` : ''}`,
    `  messages/s     ${fixed(report.sentPerSecond, 1)} sent, ${fixed(report.receivedPerSecond, 1)} received (over ${fixed(report.publishSeconds, 1)} s)`,
    `  latency ms     p50 ${fixed(report.latencyMs.p50)}  p95 ${fixed(report.latencyMs.p95)}  p99 ${fixed(report.latencyMs.p99)}  max ${fixed(report.latencyMs.max)}`,
    `  refusals       ${reasons(report.refusals)}`,
    `  dropped        ${report.dropped} connection(s) closed by the broker during the run`,
  ].join('\n');
}

export async function runBenchCommand(ctx: CliContext): Promise<number> {
  const clients = numberOption(ctx, 'clients', undefined, 1, BENCH_LIMITS.clients);
  const connectRate = numberOption(ctx, 'connect-rate', 100, 1, BENCH_LIMITS.connectRate);
  const publishRate = numberOption(ctx, 'publish-rate', 100, 0, BENCH_LIMITS.publishRate);
  const duration = numberOption(ctx, 'duration', 10, 1, BENCH_LIMITS.duration);
  const payloadBytes = numberOption(ctx, 'size', 64, 16, BENCH_LIMITS.payloadBytes);
  const qos = qosOption(ctx);
  const protocol = protocolOption(ctx) === '5.0' ? 5 : 4;
  const ca = ctx.option('ca');
  const as = (ctx.values.as as string[] | undefined) ?? [];
  if (ca && as.length > 0)
    throw new UsageError('give either --ca (issue a certificate per client) or --as, not both');
  const url = ctx.option('url');
  const host = ctx.option('host');
  const port = ctx.option('port');
  if (url && (host || port)) throw new UsageError('give either --url or -h/-p, not both');
  const ws = new Workspace(ctx.workspaceDir);
  let target: string;
  if (url) target = url;
  else if (host || port) {
    const p = numberOption(ctx, 'port', undefined, 1, 65535);
    target = `${ca || as.length > 0 || ctx.option('trust') ? 'mqtts' : 'mqtt'}://${host ?? 'localhost'}:${p}`;
  } else target = workspaceBrokerUrl(ws).url;
  try {
    const parsed = new URL(target);
    if (!['mqtt:', 'mqtts:', 'ws:', 'wss:'].includes(parsed.protocol)) throw new Error('scheme');
  } catch {
    throw new UsageError(`--url: "${target}" is not an mqtt://, mqtts://, ws:// or wss:// URL`);
  }

  // The CA file first: a bad one stops before any certificate is issued (and no throwaway copy is left).
  const trustFile = ctx.option('trust');
  const fileTrust = trustFile ? readTrustFile(trustFile, '--trust') : undefined;
  const prefix = `bench-${process.pid}`;
  let fleet: Fleet | undefined;
  if (ca) {
    if (!ctx.json && process.stderr.isTTY)
      process.stderr.write(`issuing ${clients} client certificates with ${ca}…\r`);
    fleet = await issueFleet(ws, ca, clients, prefix);
  } else if (as.length > 0) fleet = givenFleet(ws, as);
  let trust: string[] | undefined;
  if (fileTrust) trust = fileTrust;
  else if (fleet) trust = fleet.trust;
  else if (ws.exists('certificates.json') && !url && !host) trust = workspaceRoots(ws);
  const passwordFile = ctx.option('password-file');
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const live = !ctx.json && process.stderr.isTTY;
  try {
    const report = await runBench({
      url: target,
      protocol,
      clients,
      connectRate,
      publishRate,
      qos,
      duration,
      payloadBytes,
      topic: ctx.option('topic') ?? 'devices/{cn}/bench/{i}',
      identities: fleet?.identities ?? [],
      ...(trust ? { trust } : {}),
      ...(ctx.option('servername') ? { servername: ctx.option('servername') } : {}),
      insecure: ctx.values.insecure === true,
      ...(ctx.option('username') !== undefined ? { username: ctx.option('username') } : {}),
      ...(passwordFile ? { password: readFirstLine(passwordFile, '--password-file') } : {}),
      clientIdPrefix: prefix,
      connectTimeoutMs: 30_000,
      signal: abort.signal,
      ...(live
        ? {
            onProgress: (p) =>
              process.stderr.write(
                `\r${p.phase.padEnd(10)} ${p.connected}/${clients} connected, ${p.failed} failed · ${p.sent} sent · ${p.received} received · ${p.elapsedSeconds.toFixed(1)} s\x1b[K`,
              ),
          }
        : {}),
    });
    if (live) process.stderr.write('\r\x1b[K');
    if (ctx.json) ctx.printJson(report);
    else ctx.out(benchTable(report));
    return report.failed > 0 || report.lost > 0 || report.refusals.length > 0 ? 1 : 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    fleet?.dispose();
  }
}
