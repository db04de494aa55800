import type { Command } from '../command.js';

/** The broker commands of CLI.md. See src-main/api/FOUNDATION.md. */
export const brokerCommands: Command[] = [];
