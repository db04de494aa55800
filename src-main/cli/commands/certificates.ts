import type { Command } from '../command.js';

/** The certificates commands of CLI.md. See src-main/api/FOUNDATION.md. */
export const certificatesCommands: Command[] = [];
