import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { ApiService } from '../api/service.js';
import { resolveWorkspaceDir } from '../core/workspace/default-dir.js';
import { isUserError, messageOf } from '../core/user-error.js';
import { productVersion } from '../core/product-version.js';
import { UsageError, type CliContext, type Command } from './command.js';
import { allCommands, commandsStartingWith } from './commands/index.js';
import { commandHelp, generalHelp } from './help.js';

const GLOBAL_OPTIONS = {
  workspace: { type: 'string' },
  json: { type: 'boolean' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const satisfies ParseArgsConfig['options'];

/** The command whose words start the positionals (the longest match). */
function findCommand(commands: Command[], words: string[]): { command?: Command; rest: number } {
  let best: Command | undefined;
  let used = 0;
  for (const command of commands) {
    const parts = command.name.split(' ');
    if (parts.length > used && parts.every((p, i) => words[i] === p)) {
      best = command;
      used = parts.length;
    }
  }
  return { command: best, rest: used };
}

function leadingWords(argv: string[]): string[] {
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith('-')) {
      // global string options may come first: skip their value
      if (arg === '--workspace') i++;
      continue;
    }
    words.push(arg);
    if (words.length === 3) break;
  }
  return words;
}

/** Run one command line; the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const out = (text: string): void => void process.stdout.write(text.endsWith('\n') ? text : text + '\n');
  const err = (text: string): void => void process.stderr.write(text.endsWith('\n') ? text : text + '\n');
  const version = productVersion();
  const words = leadingWords(argv);
  const { command } = findCommand(words.length > 0 ? await commandsStartingWith(words[0]) : [], words);
  const debug = argv.includes('--debug');

  if (!command) {
    if (argv.includes('--version') || argv.includes('-V')) {
      out(version);
      return 0;
    }
    if (words.length === 0) {
      out(generalHelp(await allCommands(), version));
      return argv.length === 0 || argv.includes('--help') || argv.includes('-h') ? 0 : 2;
    }
    err(`unknown command: ${words.join(' ')} (see \`mqtt-tls-studio --help\`)`);
    return 2;
  }

  // A command may take a global option's short letter (`pub -h HOST`, `-V 5`, as mosquitto_pub does):
  // the global option then answers to its long name only.
  const shorts = new Set(
    Object.values(command.options)
      .map((o) => o.short)
      .filter(Boolean),
  );
  const options: ParseArgsConfig['options'] = {};
  for (const [name, spec] of Object.entries(GLOBAL_OPTIONS)) {
    options[name] = 'short' in spec && shorts.has(spec.short) ? { type: spec.type } : { ...spec };
  }
  for (const [name, spec] of Object.entries(command.options)) {
    options[name] = {
      type: spec.type,
      ...(spec.multiple ? { multiple: true } : {}),
      ...(spec.short ? { short: spec.short } : {}),
    };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    err(
      `${command.name}: ${messageOf(error).split('. ')[0]}\n  usage: mqtt-tls-studio ${command.name} ${command.usage}`,
    );
    return 2;
  }
  const values = parsed.values as CliContext['values'];
  if (values.help) {
    out(commandHelp(command));
    return 0;
  }
  const positionals = parsed.positionals.slice(command.name.split(' ').length);
  const workspaceDir = resolveWorkspaceDir(values.workspace as string | undefined);
  // The api (every domain's core) loads only when a command calls it: `--help` and `pub` stay quick.
  let service: ApiService | undefined;
  const getService = async (): Promise<ApiService> => {
    if (service) return service;
    const { ApiService } = await import('../api/service.js');
    return (service ??= new ApiService({ workspaceDir, surface: 'cli' }));
  };
  const ctx: CliContext = {
    values,
    positionals,
    json: Boolean(values.json),
    debug,
    workspaceDir,
    service: getService,
    call: async (method, params) => {
      const s = await getService();
      s.logInternalError = () => undefined;
      return (await s.invoke(method, params)) as never;
    },
    out,
    err,
    printJson: (value) => out(JSON.stringify(value, null, 2)),
    required: (name) => {
      const value = values[name];
      if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
      return value;
    },
    option: (name) => {
      const value = values[name];
      return typeof value === 'string' ? value : undefined;
    },
    interrupted: () =>
      new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      }),
  };

  try {
    const code = await command.run(ctx);
    return typeof code === 'number' ? code : 0;
  } catch (error) {
    if (error instanceof UsageError) {
      err(`${command.name}: ${error.message}\n  usage: mqtt-tls-studio ${command.name} ${command.usage}`);
      return 2;
    }
    if (isUserError(error)) {
      err(`error: ${error.message}`);
      if (debug) err(error.stack ?? '');
      return 1;
    }
    err(`internal error: ${messageOf(error)}${debug ? '' : ' (run with --debug for details)'}`);
    if (debug && error instanceof Error) err(error.stack ?? '');
    return 1;
  } finally {
    await service?.dispose();
  }
}
