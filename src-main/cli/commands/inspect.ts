import type { Command } from '../command.js';

/** The inspect commands of CLI.md. See src-main/api/FOUNDATION.md. */
export const inspectCommands: Command[] = [];
