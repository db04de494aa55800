import type { Command } from '../command.js';
import { certificatesCommands } from './certificates.js';
import { brokerCommands } from './broker.js';
import { inspectCommands } from './inspect.js';
import { aclCommands } from './acl.js';
import { exportCommands } from './export.js';
import { quickstartCommands } from './quickstart.js';
import { infoCommands } from './info.js';
import { pubCommands } from './pub.js';
import { subCommands } from './sub.js';
import { benchCommands } from './bench.js';

/** Every command, in the order help lists them. */
export const commands: Command[] = [
  ...quickstartCommands,
  ...certificatesCommands,
  ...brokerCommands,
  ...inspectCommands,
  ...aclCommands,
  ...exportCommands,
  ...pubCommands,
  ...subCommands,
  ...benchCommands,
  ...infoCommands,
];
