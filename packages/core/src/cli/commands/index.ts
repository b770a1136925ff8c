import type { Command } from './command.js';
import { demo } from './demo.js';

/** Registry of subcommands; add a row per command. */
export const commands: Readonly<Record<string, Command>> = {
  demo,
};
