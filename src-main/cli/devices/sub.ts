import { UsageError, type CliContext } from '../command.js';
import { ClientFailure, isUtf8, type ClientProblem, type LoggedMessage } from '../../core/client/index.js';
import {
  asOptionError,
  connectDevice,
  deviceConnection,
  DeviceFailure,
  intOption,
  problemLine,
} from './device-session.js';
import { qosOption } from './payload-properties.js';
import { formatMessage, parseMessageFormat } from './message-format.js';

/** One message as `sub --json` prints it (CLI.md). */
export function messageJson(message: LoggedMessage): Record<string, unknown> {
  const text = isUtf8(message.payload);
  return {
    topic: message.topic,
    qos: message.qos,
    retain: message.retain,
    properties: message.properties ?? {},
    payload: message.payload.toString(text ? 'utf8' : 'base64'),
    payloadEncoding: text ? 'utf8' : 'base64',
  };
}

export async function runSub(ctx: CliContext): Promise<number> {
  const filters = (ctx.values.topic as string[] | undefined) ?? [];
  if (filters.length === 0) throw new UsageError('--topic (-t) is required');
  const qos = qosOption(ctx);
  const count = intOption(ctx, 'count', 1, 1_000_000_000);
  const seconds = intOption(ctx, 'timeout', 1, 31_536_000);
  const retainedOnly = ctx.values['retained-only'] === true;
  const verbose = ctx.values.verbose === true;
  const formatText = ctx.values.format as string | undefined;
  if (formatText !== undefined && (ctx.json || verbose)) {
    throw new UsageError('-F (--format) goes alone: not with --json or -v');
  }
  const format = formatText !== undefined ? parseMessageFormat(formatText) : undefined;
  const connection = deviceConnection(ctx, 'sub');
  const { manager, id } = await connectDevice(connection);
  const session = manager.get(id);

  let printed = 0;
  let finish!: (outcome: { code: number; problem?: ClientProblem; note?: string }) => void;
  const ended = new Promise<{ code: number; problem?: ClientProblem; note?: string }>((r) => (finish = r));
  const print = (message: LoggedMessage) => {
    if (retainedOnly && !message.retain) return finish({ code: 0 });
    if (count !== undefined && printed >= count) return;
    printed += 1;
    if (format) process.stdout.write(formatMessage(format, message));
    else if (ctx.json) ctx.out(JSON.stringify(messageJson(message)));
    else {
      const payload = message.payload.toString('utf8');
      ctx.out(verbose ? `${message.topic} ${payload}` : payload);
    }
    if (count !== undefined && printed >= count) finish({ code: 0 });
  };
  session.on('message', print);
  manager.on('problem', ({ problem }) => finish({ code: 1, problem }));
  const timer =
    seconds !== undefined
      ? setTimeout(() => {
          if (count !== undefined && printed < count) {
            finish({ code: 1, note: `TIMEOUT: ${printed} of ${count} messages within ${seconds} s` });
          } else finish({ code: 0 });
        }, seconds * 1000)
      : undefined;
  const onSignal = () => finish({ code: 0 });
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    let results;
    try {
      results = await session.subscribe(filters.map((filter) => ({ filter, qos })));
    } catch (error) {
      if (error instanceof ClientFailure) throw new DeviceFailure(error.problem);
      throw asOptionError(error);
    }
    if (ctx.debug) {
      for (const r of results)
        ctx.err(`subscribed to ${r.filter}: ${r.granted ? `granted QoS ${r.code}` : 'refused'}`);
    }
    const refused = results.filter((r) => !r.granted);
    if (refused.length > 0) {
      const r = refused[0]!;
      ctx.err(
        `error: MQTT_NOT_AUTHORIZED: the broker refused the subscription to ${r.filter} (SUBACK ${r.code}${r.reason ? `: ${r.reason}` : ''})`,
      );
      return 1;
    }
    const outcome = await ended;
    if (outcome.problem) ctx.err(`error: ${problemLine(outcome.problem)}`);
    if (outcome.note) ctx.err(`error: ${outcome.note}`);
    return outcome.code;
  } finally {
    if (timer) clearTimeout(timer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    session.off('message', print);
    await manager.closeAll().catch(() => undefined);
  }
}
