import type { Command } from '../command.js';
import { UsageError } from '../command.js';
import { portIsFree } from '../../core/quickstart/free-port.js';

/** `quickstart [--port N]`: from an empty workspace to a mutual-TLS setup in one command. */
export const quickstartCommands: Command[] = [
  {
    name: 'quickstart',
    summary: 'Create a CA chain, a broker certificate, two devices, an ACL and mTLS broker settings',
    usage: '[--port N]',
    details: [
      'In an empty workspace: a root CA, an intermediate CA, a server certificate for localhost,',
      '127.0.0.1, ::1 and this host, client certificates device-1 and device-2, an ACL giving each device',
      'devices/<its CN>/#, and broker settings: mqtts with mutual TLS and the certificate CN as username.',
      'It never overwrites a workspace that has anything in it.',
    ].join('\n'),
    options: { port: { type: 'string', value: 'N', description: 'TLS port of the broker (default 8883)' } },
    examples: [
      'mqtt-tls-studio quickstart --workspace ./ws',
      'mqtt-tls-studio quickstart --workspace ./ws --port 18883 && mqtt-tls-studio broker --workspace ./ws',
    ],
    async run(ctx) {
      const raw = ctx.option('port');
      const port = raw === undefined ? undefined : Number(raw);
      if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
        throw new UsageError(`--port: ${raw} is not a TCP port (1–65535)`);
      }
      const result = await ctx.call('quickstart.run', port === undefined ? {} : { port });
      if (ctx.json) return ctx.printJson(result);
      ctx.out(`Created a local mutual-TLS setup in ${ctx.workspaceDir} (${result.tookMs} ms):`);
      for (const c of result.certificates) ctx.out(`  ${c.kind.padEnd(16)} ${c.name.padEnd(16)} CN=${c.cn}`);
      ctx.out(`Broker settings: mqtts on port ${result.port}, client certificate required, CN as username.`);
      ctx.out('ACL: each device may read and write devices/<its CN>/#.');
      ctx.out('Next:');
      ctx.out(`  mqtt-tls-studio broker --workspace ${ctx.workspaceDir}`);
      ctx.out(`  mqtt-tls-studio cert export device-1 --out ./device-1 --workspace ${ctx.workspaceDir}`);
      ctx.out(
        `  mosquitto_sub -h localhost -p ${result.port} --cafile device-1/ca.crt --cert device-1/device-1.crt --key device-1/device-1.key -t 'devices/device-1/#'`,
      );
      if (!(await portIsFree(result.port))) {
        ctx.err(
          `note: port ${result.port} is in use right now; stop what uses it or choose another with --port`,
        );
      }
    },
  },
];
