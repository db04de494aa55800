import type { Command, CliContext } from '../command.js';
import { TARGET_OPTIONS } from '../devices/options.js';

/** `bench`: a fleet of devices with their own certificates, against any broker. See ../../shared/CLI.md. */
export const benchCommands: Command[] = [
  {
    name: 'bench',
    summary: 'Load-test a broker with a fleet of devices, each with its own client certificate',
    usage:
      '[--url URL] [--ca CA | --as NAME...] --clients N [--connect-rate R] [--publish-rate R] [--qos N] [--duration S] [--json]',
    details: [
      'With --ca CA, N client certificates are issued by the workspace CA into a throwaway copy of the',
      'workspace (your workspace is left as it was); with --as NAME (repeatable) those identities are',
      'used in turn. The fleet connects at --connect-rate per second (never more than 200 handshakes under',
      'way at once: past that the fleet connects as fast as it can); each client subscribes to its own',
      "topic (--topic, default devices/{cn}/bench/{i}: what quick start's ACL grants), then all publish",
      '--publish-rate messages per second together for --duration seconds and read them back. The table',
      'gives connections ok/failed with reasons, handshakes/s, messages/s, p50/p95/p99 latency, losses and',
      'the refusals the broker answered. Default target: the workspace broker (loopback). Exit 1 when a',
      'connection failed, a message was lost or the broker refused something.',
    ].join('\n'),
    options: {
      ...TARGET_OPTIONS,
      ca: { type: 'string', value: 'CA', description: 'workspace CA that issues one certificate per client' },
      as: {
        type: 'string',
        multiple: true,
        value: 'NAME',
        description: 'workspace identity to use (repeatable)',
      },
      trust: {
        type: 'string',
        value: 'FILE',
        description: "CA file for the broker's certificate, PEM or DER (default: the workspace roots)",
      },
      insecure: { type: 'boolean', description: "do not check the broker's certificate" },
      servername: { type: 'string', value: 'NAME', description: 'SNI to send and name to check' },
      username: { type: 'string', short: 'u', value: 'USER', description: 'MQTT username for every client' },
      'password-file': {
        type: 'string',
        value: 'FILE',
        description: 'the MQTT password (first line of FILE)',
      },
      'protocol-version': {
        type: 'string',
        short: 'V',
        value: '3.1.1|5',
        description: 'MQTT version (default 5)',
      },
      clients: { type: 'string', value: 'N', description: 'number of clients (1–20000)' },
      'connect-rate': {
        type: 'string',
        value: 'R',
        description: 'new connections per second (default 100, at most 5000)',
      },
      'publish-rate': {
        type: 'string',
        value: 'R',
        description: 'messages per second, all clients together (default 100; 0: connect only)',
      },
      qos: {
        type: 'string',
        short: 'q',
        value: '0|1|2',
        description: 'QoS of publishes and subscriptions (default 0)',
      },
      duration: {
        type: 'string',
        value: 'S',
        description: 'seconds of publishing (default 10, at most 3600)',
      },
      size: { type: 'string', value: 'BYTES', description: 'payload size (default 64, 16–65536)' },
      topic: { type: 'string', value: 'T', description: 'topic per client; {cn} and {i} are filled in' },
    },
    examples: [
      'mqtt-tls-studio bench --ca intermediate-ca --clients 1000 --connect-rate 200 --publish-rate 500 --duration 20',
      'mqtt-tls-studio bench --as device-1 --as device-2 --clients 50 --qos 1',
      'mqtt-tls-studio bench --url mqtts://broker.lan:8883 --trust ca.crt --ca intermediate-ca --clients 200 --json',
    ],
    async run(ctx: CliContext) {
      const { runBenchCommand } = await import('../devices/bench.js');
      return runBenchCommand(ctx);
    },
  },
];
