import type { Command } from '../command.js';
import { UsageError } from '../command.js';
import type { BrokerEvent } from '../../core/broker/index.js';

/** The broker commands of CLI.md. See src-main/api/FOUNDATION.md. */
export const brokerCommands: Command[] = [
  {
    name: 'broker',
    summary: 'Run the local secure broker from a mosquitto.conf or the workspace settings',
    usage: '[--config mosquitto.conf] [--port N] [--lan] [--json]',
    details: [
      'With --config, the broker runs a Mosquitto 2.x configuration file and behaves as Mosquitto would',
      'with it (listeners, TLS, mTLS, identity/subject as username, password and PSK files, ACL, CRL).',
      'An option it does not support stops it with the file and line. Relative paths in the file are',
      'relative to the file’s folder. Without --config it runs the workspace’s broker settings',
      '(broker/mosquitto.conf, made by quickstart); --port changes the port of its TLS listener.',
      'The workspace broker listens on loopback (127.0.0.1 and ::1) only; --lan opens it to the network',
      '(every interface), first re-issuing its certificate with this host\u2019s addresses it lacks. With',
      '--config, the conf\u2019s own listener lines decide, as in Mosquitto. The printed URLs are always',
      'where it really listens.',
      'It prints "listening URL" per listener, then one line per connection event (refusals with the',
      'reason), and reloads certificates, keys, CRLs, password, PSK and ACL files when they change.',
      'Ctrl-C (SIGINT) or SIGTERM stops it (exit 0). With --json: the status as one JSON line, then one',
      'JSON line per event.',
    ].join('\n'),
    options: {
      config: {
        type: 'string',
        value: 'FILE',
        description: 'a mosquitto.conf to run (default: the workspace settings)',
      },
      port: { type: 'string', value: 'N', description: 'port of the TLS listener (overrides the settings)' },
      lan: {
        type: 'boolean',
        description: 'open the workspace broker to the network (default: loopback only)',
      },
    },
    examples: [
      'mqtt-tls-studio broker --workspace ./ws',
      'mqtt-tls-studio broker --workspace ./ws --port 18883',
      'mqtt-tls-studio broker --workspace ./ws --lan',
      'mqtt-tls-studio broker --config /etc/mosquitto/mosquitto.conf',
    ],
    async run(ctx) {
      const raw = ctx.option('port');
      const port = raw === undefined ? undefined : Number(raw);
      if (port !== undefined && (!/^\d+$/.test(raw!) || port < 1 || port > 65535)) {
        throw new UsageError(`--port: ${raw} is not a TCP port (1–65535)`);
      }
      const config = ctx.option('config');
      const lan = ctx.values.lan === true;
      if (lan && config !== undefined) {
        throw new UsageError(
          '--lan: applies to the workspace broker; with --config the conf\u2019s listener lines decide',
        );
      }
      const { formatBrokerEvent } = await import('../../core/broker/index.js');
      let ready = false;
      const early: BrokerEvent[] = [];
      const print = (event: BrokerEvent) => {
        if (event.kind === 'listening') return;
        if (ctx.json) return ctx.out(JSON.stringify(event));
        if (event.kind === 'notice' || event.kind === 'error') ctx.err(`${event.level}: ${event.message}`);
        else ctx.out(formatBrokerEvent(event));
      };
      const off = (await ctx.service()).onEvent((topic, data) => {
        if (topic !== 'broker.event') return;
        const event = data as BrokerEvent;
        if (ready) print(event);
        else early.push(event);
      });
      try {
        const gaps = lan ? await ctx.call('broker.lanCheck', {}) : [];
        const status = await ctx.call('broker.start', {
          ...(config !== undefined ? { config } : {}),
          ...(port !== undefined ? { port } : {}),
          ...(lan ? { lan: true, reissue: gaps.length > 0 } : {}),
        });
        for (const gap of gaps) {
          ctx.err(`re-issued certificate "${gap.name}" (${gap.certfile}) with ${gap.missing.join(', ')}`);
        }
        if (ctx.json) ctx.out(JSON.stringify(status));
        else
          for (const listener of status.listeners)
            for (const url of listener.urls) ctx.out(`listening ${url}`);
        if (status.network) ctx.err('note: the broker is reachable from the network');
        ready = true;
        for (const event of early.splice(0)) print(event);
        await ctx.interrupted();
        await ctx.call('broker.stop', {});
        return 0;
      } finally {
        off();
      }
    },
  },
];
