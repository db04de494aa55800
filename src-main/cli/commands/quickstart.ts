import type { Command } from '../command.js';

/** The quickstart commands of CLI.md. See src-main/api/FOUNDATION.md. */
export const quickstartCommands: Command[] = [];
