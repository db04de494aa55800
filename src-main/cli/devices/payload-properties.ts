import { UsageError, type CliContext } from '../command.js';

/** MQTT 5 publish properties from --user-property, --content-type, --message-expiry, … (undefined when none). */
export function publishPropertiesOption(
  ctx: CliContext,
  protocol: '3.1.1' | '5.0',
): Record<string, unknown> | undefined {
  const properties: Record<string, unknown> = {};
  const pairs = ctx.values['user-property'];
  if (Array.isArray(pairs) && pairs.length > 0) {
    const user: Record<string, string> = {};
    for (const pair of pairs) {
      const at = pair.indexOf('=');
      if (at <= 0) throw new UsageError(`--user-property: "${pair}" is not KEY=VALUE`);
      user[pair.slice(0, at)] = pair.slice(at + 1);
    }
    properties.userProperties = user;
  }
  const contentType = ctx.option('content-type');
  if (contentType !== undefined) properties.contentType = contentType;
  const expiry = ctx.option('message-expiry');
  if (expiry !== undefined) {
    if (!/^\d+$/.test(expiry) || Number(expiry) > 0xffffffff) {
      throw new UsageError(`--message-expiry: ${expiry} is not a number of seconds`);
    }
    properties.messageExpiryInterval = Number(expiry);
  }
  const responseTopic = ctx.option('response-topic');
  if (responseTopic !== undefined) properties.responseTopic = responseTopic;
  const correlation = ctx.option('correlation-data');
  if (correlation !== undefined)
    properties.correlationData = Buffer.from(correlation, 'utf8').toString('hex');
  if (Object.keys(properties).length === 0) return undefined;
  if (protocol !== '5.0') {
    throw new UsageError('MQTT 5 properties (--user-property, --content-type, …) need -V 5');
  }
  return properties;
}

export function qosOption(ctx: CliContext): 0 | 1 | 2 {
  const raw = ctx.option('qos');
  if (raw === undefined) return 0;
  if (raw !== '0' && raw !== '1' && raw !== '2') throw new UsageError(`--qos (-q): ${raw} is not 0, 1 or 2`);
  return Number(raw) as 0 | 1 | 2;
}
