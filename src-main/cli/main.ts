/**
 * The `mqtt-tls-studio` entry point (bin/mqtt-tls-studio.js has answered a lone `--version` already): it
 * loads the dispatcher, which loads a command's own code only when it runs.
 */
import { messageOf } from '../core/user-error.js';

// A reader that stops early (`sub ... | head -3`, `cert list | head`) closes the pipe: stop quietly, as
// mosquitto_sub does when SIGPIPE ends it, rather than print the write error's stack.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

async function main(argv: string[]): Promise<number> {
  const { runCli } = await import('./run-cli.js');
  return runCli(argv);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`internal error: ${messageOf(error)}\n`);
    process.exitCode = 1;
  },
);
