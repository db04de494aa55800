import type { Command, CliContext } from '../command.js';
import { IDENTITY_OPTIONS, PROPERTY_OPTIONS, TARGET_OPTIONS } from '../devices/options.js';

/** `pub`: publish as a workspace identity (or files), like mosquitto_pub. See ../../shared/CLI.md. */
export const pubCommands: Command[] = [
  {
    name: 'pub',
    summary: 'Publish a message as a workspace identity, certificate files or a password user',
    usage:
      '[--url URL | -h HOST -p PORT] [--as NAME | --cert F --key F --ca F | --p12 F] -t TOPIC (-m MSG | --file F | -l) [-q 0|1|2] [-r] [-V 3.1.1|5] [-i ID]',
    details: [
      'Without --url or -h/-p it talks to the workspace broker wherever it listens (the running one,',
      'else the port its settings name). --as NAME presents the workspace certificate NAME with its',
      'chain and trusts the workspace CAs. -l sends one message per line of standard input until EOF.',
      'MQTT 5 properties need -V 5 (the default). QoS 1 and 2 wait for the acknowledgement; a refused',
      'connection or publish exits 1 with the problem code and what to do, as the Client view says it.',
    ].join('\n'),
    options: {
      ...TARGET_OPTIONS,
      ...IDENTITY_OPTIONS,
      topic: { type: 'string', short: 't', value: 'TOPIC', description: 'topic to publish to' },
      message: { type: 'string', short: 'm', value: 'MSG', description: 'the payload (text)' },
      file: { type: 'string', value: 'FILE', description: 'the payload: the bytes of FILE' },
      'stdin-line': { type: 'boolean', short: 'l', description: 'one message per line of standard input' },
      qos: { type: 'string', short: 'q', value: '0|1|2', description: 'QoS (default 0)' },
      retain: { type: 'boolean', short: 'r', description: 'ask the broker to retain the message' },
      ...PROPERTY_OPTIONS,
    },
    examples: [
      'mqtt-tls-studio pub --as device-1 -t devices/device-1/temp -m \'{"temp":21.5}\' -q 1',
      'mqtt-tls-studio pub --url mqtts://broker.lan:8883 --ca ca.crt --cert d.crt --key d.key -t a/b -m hi',
      'mqtt-tls-studio pub -h localhost -p 1883 -u alice --password-file pw.txt -t a/b -m hi -V 3.1.1',
      'sensor-reader | mqtt-tls-studio pub --as device-1 -t devices/device-1/log -l',
    ],
    async run(ctx: CliContext) {
      const { runPub } = await import('../devices/pub.js');
      return runPub(ctx);
    },
  },
];
