import type { Command } from '../command.js';

/** `info`: the version, the workspace and what it holds. */
export const infoCommands: Command[] = [
  {
    name: 'info',
    summary: 'Show the version and the workspace in use',
    usage: '[--json]',
    options: {},
    examples: ['mqtt-tls-studio info', 'mqtt-tls-studio info --workspace ./ws --json'],
    async run(ctx) {
      const info = await ctx.call('app.info', {});
      const workspace = await ctx.call('app.workspace', {});
      if (ctx.json) return ctx.printJson({ ...info, workspaceStatus: workspace });
      ctx.out(`${info.name} ${info.version} (node ${info.node}, ${info.platform})`);
      ctx.out(`workspace ${workspace.dir}${workspace.empty ? ' (empty)' : ''}`);
      ctx.out(`certificates ${workspace.certificates}`);
    },
  },
];
