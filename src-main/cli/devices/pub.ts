import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { UsageError, type CliContext } from '../command.js';
import { UserError } from '../../core/user-error.js';
import { ClientFailure, type PublishResult } from '../../core/client/index.js';
import { asOptionError, connectDevice, deviceConnection, DeviceFailure } from './device-session.js';
import { publishPropertiesOption, qosOption } from './payload-properties.js';

/** Longest line `-l` takes from standard input (Mosquitto's default message size limit is 256 MB; lines are smaller). */
const MAX_LINE_BYTES = 16 * 1024 * 1024;

export async function runPub(ctx: CliContext): Promise<number> {
  const topic = ctx.required('topic');
  const message = ctx.option('message');
  const file = ctx.option('file');
  const lines = ctx.values['stdin-line'] === true;
  const sources = [message !== undefined, file !== undefined, lines].filter(Boolean).length;
  if (sources !== 1) throw new UsageError('give the payload with exactly one of -m MSG, --file FILE or -l');
  const qos = qosOption(ctx);
  const retain = ctx.values.retain === true;
  const connection = deviceConnection(ctx, 'pub');
  const properties = publishPropertiesOption(ctx, connection.profile.protocol);

  let payload: { payload: string; format: 'text' | 'base64' } | undefined;
  if (file !== undefined) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UserError(
        `--file: cannot read ${file} (${code === 'ENOENT' ? 'no such file' : code})`,
        'NOT_FOUND',
        {
          file,
          field: '--file',
        },
      );
    }
    payload = { payload: bytes.toString('base64'), format: 'base64' };
  } else if (message !== undefined) payload = { payload: message, format: 'text' };

  const { manager, id } = await connectDevice(connection);
  const results: PublishResult[] = [];
  const publish = async (body: { payload: string; format: 'text' | 'base64' }) => {
    try {
      results.push(
        await manager.publish(id, { topic, ...body, qos, retain, ...(properties ? { properties } : {}) }),
      );
    } catch (error) {
      if (error instanceof ClientFailure) throw new DeviceFailure(error.problem);
      throw asOptionError(error);
    }
  };
  try {
    if (payload) await publish(payload);
    else {
      const reader = createInterface({ input: process.stdin, crlfDelay: Infinity });
      for await (const line of reader) {
        if (Buffer.byteLength(line) > MAX_LINE_BYTES) {
          throw new UserError(
            `-l: line ${results.length + 1} of standard input is longer than 16 MB`,
            'TOO_LARGE',
          );
        }
        await publish({ payload: line, format: 'text' });
      }
    }
  } finally {
    await manager.closeAll().catch(() => undefined);
  }
  if (ctx.json) {
    ctx.printJson({
      url: connection.url,
      topic,
      qos,
      retain,
      published: results.length,
      acknowledged: results.filter((r) => r.acknowledged).length,
      notes: [...new Set(results.map((r) => r.note).filter(Boolean))],
    });
  }
  return 0;
}
