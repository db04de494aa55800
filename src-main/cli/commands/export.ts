import type { Command } from '../command.js';

/** The export commands of CLI.md. See src-main/api/FOUNDATION.md. */
export const exportCommands: Command[] = [];
