import type { Command } from './command.js';

export const GLOBAL_OPTIONS_HELP = `Options for every command:
  --workspace DIR   the workspace (default: $MQTT_TLS_STUDIO_WORKSPACE, else the desktop app's)
  --json            print one JSON document instead of the human view
  --debug           show stack traces of unexpected errors
  --help            this help
  --version         print the version`;

export function commandHelp(command: Command): string {
  const lines = [`mqtt-tls-studio ${command.name} ${command.usage}`.trimEnd(), '', command.summary];
  if (command.details) lines.push('', command.details);
  const entries = Object.entries(command.options);
  if (entries.length) {
    lines.push('', 'Options:');
    const left = entries.map(([name, o]) => `  --${name}${o.value ? ' ' + o.value : ''}`);
    const width = Math.max(...left.map((l) => l.length)) + 2;
    entries.forEach(([, o], i) => lines.push(left[i].padEnd(width) + o.description));
  }
  if (command.examples.length) {
    lines.push('', 'Examples:');
    for (const example of command.examples) lines.push(`  ${example}`);
  }
  lines.push('', GLOBAL_OPTIONS_HELP);
  return lines.join('\n') + '\n';
}

export function generalHelp(commands: Command[], version: string): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  const lines = [
    `MQTT TLS Studio ${version} — certificates, a TLS broker, a handshake inspector, ACLs and Mosquitto export`,
    '',
    'Usage: mqtt-tls-studio <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    GLOBAL_OPTIONS_HELP,
    '',
    'Run `mqtt-tls-studio <command> --help` for a command’s options and examples.',
  ];
  return lines.join('\n') + '\n';
}
