import type { Command } from '../command.js';

/** The acl commands of CLI.md. See src-main/api/FOUNDATION.md. */
export const aclCommands: Command[] = [];
