import type { Command } from './command.js';
import { demo } from './demo.js';
import { evalCommand } from './eval.js';
import { generate } from './generate.js';
import { info } from './info.js';
import { commit, prove, verify } from './proving.js';

/** Registry of subcommands; add a row per command. */
export const commands: Readonly<Record<string, Command>> = {
  demo,
  generate,
  eval: evalCommand,
  info,
  commit,
  prove,
  verify,
};
