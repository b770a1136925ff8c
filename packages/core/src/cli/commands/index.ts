import type { Command } from './command.js';
import { demo } from './demo.js';
import { evalCommand } from './eval.js';
import { generate } from './generate.js';
import { info } from './info.js';

/** Registry of subcommands; add a row per command. */
export const commands: Readonly<Record<string, Command>> = {
  demo,
  generate,
  eval: evalCommand,
  info,
};
