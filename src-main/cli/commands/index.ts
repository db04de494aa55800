import type { Command } from '../command.js';

type CommandFile = () => Promise<Command[]>;

const quickstart: CommandFile = async () => (await import('./quickstart.js')).quickstartCommands;
const certificates: CommandFile = async () => (await import('./certificates.js')).certificatesCommands;
const broker: CommandFile = async () => (await import('./broker.js')).brokerCommands;
const inspect: CommandFile = async () => (await import('./inspect.js')).inspectCommands;
const acl: CommandFile = async () => (await import('./acl.js')).aclCommands;
const exportImport: CommandFile = async () => (await import('./export.js')).exportCommands;
const pub: CommandFile = async () => (await import('./pub.js')).pubCommands;
const sub: CommandFile = async () => (await import('./sub.js')).subCommands;
const bench: CommandFile = async () => (await import('./bench.js')).benchCommands;
const info: CommandFile = async () => (await import('./info.js')).infoCommands;

/** Every command file, in the order help lists them. */
const FILES_IN_HELP_ORDER = [
  quickstart,
  certificates,
  broker,
  inspect,
  acl,
  exportImport,
  pub,
  sub,
  bench,
  info,
];

/**
 * The file holding the commands that start with each first word: a command line loads its own file only
 * (scripts call `pub` in loops; the whole table is 11 modules more). test/cli/command-files.test.ts checks
 * that every command is reachable through its first word.
 */
const FILE_OF_FIRST_WORD: Record<string, CommandFile> = {
  quickstart,
  ca: certificates,
  cert: certificates,
  crl: certificates,
  verify: certificates,
  broker,
  inspect,
  acl,
  export: exportImport,
  import: exportImport,
  pub,
  sub,
  bench,
  info,
};

/** Every command, in the order help lists them. */
export async function allCommands(): Promise<Command[]> {
  return (await Promise.all(FILES_IN_HELP_ORDER.map((file) => file()))).flat();
}

/** The commands whose name starts with `word` (none for a word no command starts with). */
export async function commandsStartingWith(word: string): Promise<Command[]> {
  const file = Object.hasOwn(FILE_OF_FIRST_WORD, word) ? FILE_OF_FIRST_WORD[word] : undefined;
  return file ? (await file()).filter((c) => c.name.split(' ')[0] === word) : [];
}
