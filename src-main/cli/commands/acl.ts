import { readFileSync } from 'node:fs';
import { UserError } from '../../core/user-error.js';
import type { Command, CliContext } from '../command.js';
import { UsageError } from '../command.js';

/** The client id used when --clientid is not given (Mosquitto too invents one for an empty id). */
export const DEFAULT_CLIENT_ID = 'auto-00000000-0000-0000-0000-000000000000';

function readAclFile(ctx: CliContext): { file: string; text: string } {
  const file = ctx.required('acl');
  try {
    return { file, text: readFileSync(file, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UserError(`${file}: cannot read the ACL file (${code})`, 'ACL_UNREADABLE', { file });
  }
}

const aclOption = { type: 'string', value: 'FILE', description: 'the Mosquitto acl_file to read' } as const;

/** The acl commands of CLI.md. See src-main/api/FOUNDATION.md. */
export const aclCommands: Command[] = [
  {
    name: 'acl check',
    summary: 'Ask whether a client may read or write a topic, as Mosquitto 2.x would answer',
    usage: '--acl FILE --topic TOPIC --access read|write [--username U] [--clientid C] [--json]',
    options: {
      acl: aclOption,
      topic: {
        type: 'string',
        value: 'TOPIC',
        description: 'the topic published to (write) or delivered (read)',
      },
      access: {
        type: 'string',
        value: 'read|write',
        description: 'write = publish, read = receive a message',
      },
      username: {
        type: 'string',
        value: 'U',
        description: 'the username the broker sees (omit for a client without one)',
      },
      clientid: {
        type: 'string',
        value: 'C',
        description: `the client id (for %c patterns); default ${DEFAULT_CLIENT_ID}, as Mosquitto invents one`,
      },
    },
    details: [
      'Prints `allow` or `deny` first, then the deciding rule as FILE:LINE and its text, or `default deny`,',
      'and a sentence saying why. Exit 0 on allow, 1 on deny or a bad ACL file.',
    ].join('\n'),
    examples: [
      'mqtt-tls-studio acl check --acl acl.conf --username device-1 --topic devices/device-1/temp --access write',
      'mqtt-tls-studio acl check --acl acl.conf --clientid sensor-7 --topic plant/3/cmd --access read --json',
    ],
    async run(ctx) {
      const access = ctx.required('access');
      if (access !== 'read' && access !== 'write')
        throw new UsageError(`--access must be read or write, not '${access}'`);
      const topic = ctx.required('topic');
      const { file, text } = readAclFile(ctx);
      const username = ctx.option('username');
      const clientId = ctx.option('clientid') ?? DEFAULT_CLIENT_ID;
      const answer = await ctx.call('acl.check', {
        text,
        file,
        clientId,
        topic,
        access,
        ...(username !== undefined ? { username } : {}),
      });
      const decision = answer.allow ? 'allow' : 'deny';
      if (ctx.json) {
        ctx.printJson({
          decision,
          allow: answer.allow,
          rule: answer.rule ? { file, ...answer.rule } : null,
          reason: answer.reason,
          question: { file, username: username ?? null, clientId, topic, access },
        });
      } else if (answer.rule) {
        ctx.out(`${decision} ${file}:${answer.rule.line}: ${answer.rule.text.trim()}`);
        ctx.out(`  ${answer.reason}`);
      } else {
        ctx.out(`${decision} ${answer.reason}`);
      }
      return answer.allow ? 0 : 1;
    },
  },
  {
    name: 'acl lint',
    summary: 'Find what Mosquitto refuses in an ACL file, and what probably does not do what you meant',
    usage: '--acl FILE [--json]',
    options: { acl: aclOption },
    details:
      'Prints FILE:LINE: error|warning: message for each finding. Exit 1 when Mosquitto would refuse the file.',
    examples: [
      'mqtt-tls-studio acl lint --acl /etc/mosquitto/acl.conf',
      'mqtt-tls-studio acl lint --acl acl.conf --json',
    ],
    async run(ctx) {
      const { file, text } = readAclFile(ctx);
      const analysis = await ctx.call('acl.analyze', { text, file });
      const errors = analysis.diagnostics.filter((d) => d.severity === 'error').length;
      const warnings = analysis.diagnostics.length - errors;
      if (ctx.json) {
        ctx.printJson({
          file,
          refused: analysis.refused,
          errors,
          warnings,
          diagnostics: analysis.diagnostics,
        });
      } else {
        for (const d of analysis.diagnostics)
          ctx.out(`${file}:${d.line}: ${d.severity}: ${d.message} [${d.code}]`);
        const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
        ctx.out(
          analysis.diagnostics.length === 0
            ? `${file}: no problems`
            : `${file}: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}${errors > 0 ? ' (Mosquitto refuses to start with this file)' : ''}`,
        );
      }
      const firstError = analysis.diagnostics.find((d) => d.severity === 'error');
      if (firstError) ctx.err(`error: ${file}:${firstError.line}: ${firstError.message}`);
      return analysis.refused ? 1 : 0;
    },
  },
];
