import type { Command, CliContext } from '../command.js';
import { IDENTITY_OPTIONS, TARGET_OPTIONS } from '../devices/options.js';

/** `sub`: subscribe as a workspace identity (or files), like mosquitto_sub. See ../../shared/CLI.md. */
export const subCommands: Command[] = [
  {
    name: 'sub',
    summary: 'Subscribe and print messages, as a workspace identity, certificate files or a password user',
    usage:
      '[--url URL | -h HOST -p PORT] [--as NAME | --cert F --key F --ca F | --p12 F] -t FILTER... [-q N] [-V 3.1.1|5] [-C COUNT] [-W SECONDS] [-v | --json | -F FORMAT] [--retained-only]',
    details: [
      'Prints each payload on a line (-v: "topic payload"; --json: one JSON object a line with topic,',
      'qos, retain, properties, payload and payloadEncoding utf8 or base64). Without --url or -h/-p it',
      'talks to the workspace broker wherever it listens. -C stops after COUNT messages; -W stops after',
      'SECONDS (exit 1 when -C was not reached by then); --retained-only prints retained messages and stops',
      'at the first live one. A refused connection or subscription exits 1 with the problem code and',
      'what to do. Ctrl-C ends it with exit 0. -F FORMAT prints each message as mosquitto_sub -F does',
      '(%t %p %x %X %l %q %r %U %I %%, MQTT 5 %C %D %E %F %P %R %S %A, widths like %-20t, \\n \\t escapes).',
    ].join('\n'),
    options: {
      ...TARGET_OPTIONS,
      ...IDENTITY_OPTIONS,
      topic: {
        type: 'string',
        short: 't',
        multiple: true,
        value: 'FILTER',
        description: 'topic filter to subscribe to (repeatable)',
      },
      qos: { type: 'string', short: 'q', value: '0|1|2', description: 'QoS asked for (default 0)' },
      count: { type: 'string', short: 'C', value: 'COUNT', description: 'stop after COUNT messages' },
      timeout: { type: 'string', short: 'W', value: 'SECONDS', description: 'stop after SECONDS' },
      verbose: { type: 'boolean', short: 'v', description: 'print "topic payload"' },
      format: {
        type: 'string',
        short: 'F',
        value: 'FORMAT',
        description: 'print each message as mosquitto_sub -F does (%t topic, %p payload, %q, %r, %x, %P, …)',
      },
      'retained-only': {
        type: 'boolean',
        description: 'print retained messages only; stop at the first message that is not retained',
      },
    },
    examples: [
      "mqtt-tls-studio sub --as device-1 -t 'devices/device-1/#' -v",
      "mqtt-tls-studio sub --as device-1 -t 'devices/#' -C 1 -W 5 --json",
      'mqtt-tls-studio sub --url mqtts://broker.lan:8883 --p12 d.p12 --passphrase-file pass.txt -t a/#',
      "mqtt-tls-studio sub --as device-1 -t 'devices/device-1/#' --retained-only -W 2",
      "mqtt-tls-studio sub --as device-1 -t 'devices/device-1/#' -F '%I %t %p'",
    ],
    async run(ctx: CliContext) {
      const { runSub } = await import('../devices/sub.js');
      return runSub(ctx);
    },
  },
];
