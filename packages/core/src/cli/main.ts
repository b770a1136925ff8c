#!/usr/bin/env node
/**
 * `zkllm` command-line entry. Each subcommand lives in `commands/<name>.ts` and exports a
 * `Command`; this file only dispatches and turns errors into one-line messages with a
 * non-zero exit code.
 */
import { UsageError } from './args.js';
import { commands } from './commands/index.js';

const HELP = `usage: zkllm <command> [flags]

commands:
${Object.values(commands)
  .map((c) => `  ${c.name.padEnd(10)} ${c.summary}`)
  .join('\n')}

Run 'zkllm <command> --help' for the flags of one command.`;

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(HELP + '\n');
    return name === undefined ? 2 : 0;
  }
  const cmd = Object.prototype.hasOwnProperty.call(commands, name) ? commands[name] : undefined;
  if (cmd === undefined) throw new UsageError(`unknown command '${name}' (try 'zkllm --help')`);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`usage: zkllm ${cmd.name} ${cmd.usage}\n\n${cmd.summary}\n`);
    return 0;
  }
  return cmd.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const msg = err instanceof Error ? err.message : String(err);
    const prefix = err instanceof UsageError ? 'zkllm: usage error: ' : 'zkllm: error: ';
    process.stderr.write(prefix + msg.split('\n')[0] + '\n');
    if (process.env['ZKLLM_DEBUG'] && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
    process.exitCode = err instanceof UsageError ? 2 : 1;
  },
);
