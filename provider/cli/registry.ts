/**
 * The registry of the `secgroups` command line: every command, in the order `secgroups --help`
 * lists them. main.ts hands it to the parser (args.ts), which finds the command a line names in it.
 */
import type { Command } from "./commandSpec";
import { EXPOSURE_COMMANDS } from "./exposureCommands";
import { READ_COMMANDS } from "./readCommands";

/** Every command, in the order `secgroups --help` lists them. */
export const COMMANDS: readonly Command[] = [...READ_COMMANDS, ...EXPOSURE_COMMANDS];
