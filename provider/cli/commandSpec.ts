/**
 * What a command of the `secgroups` command line is (its words, arguments, options, formats and
 * output) and its usage line. No command lives here: the read commands are in readCommands.ts, the
 * exposure commands in exposureCommands.ts, and registry.ts lists them all.
 */
import type { StateBackend } from "../backends/types";
import type { Profile } from "../domain/profiles";
import type { Settings } from "../settings";
import type { ExitCode } from "./exit";
import type { SettingSources } from "./stackConfig";

/** Output formats (a command may take only some: `Command.formats`). */
export const FORMATS = ["table", "json", "md", "html"] as const;
/** An output format. */
export type Format = (typeof FORMATS)[number];

/** A flag: `--name VALUE`, or `--name` alone when it has no `value` placeholder. */
export interface OptionSpec {
  name: string;
  /** Placeholder of the value in help (`URL`, `NAME|ID`); absent for a flag without a value. */
  value?: string;
  description: string;
  /** The command cannot run without it (a usage error, exit 2, names it). */
  required?: boolean;
}

/** A positional argument. */
export interface ArgSpec {
  /** Placeholder in help and messages (`NAME|ID`); the key in `CommandContext.args`. */
  name: string;
  required: boolean;
}

/** What a command gets: the resolved settings, its arguments and options, and the backend on demand. */
export interface CommandContext {
  readonly settings: Settings;
  /** Where each setting came from (`--profile`, `environment SECGROUPS_PROFILE`, `stack dev's config`, `default`). */
  readonly sources: SettingSources;
  /** The profile the settings name (validated). */
  readonly profile: Profile;
  /** Positional arguments by their placeholder. */
  readonly args: Readonly<Record<string, string | undefined>>;
  /** The command's own options by name (global ones are in `settings`). */
  readonly options: Readonly<Record<string, string | undefined>>;
  /** Opens the backend the first time it is called; the CLI closes it at the end. */
  backend(): Promise<StateBackend>;
}

/** What a command prints: the value for `--format json`, the table for `--format table`, and the other formats it takes. */
export interface CommandOutput {
  json: unknown;
  /** Every command but preview-report prints a table (`formats` says which a command takes). */
  table?(maxWidth: number): string;
  md?(): string;
  html?(): string;
  /** The exit code of an answer that is "no" (can-reach: blocked; preview-report: a new finding at --fail-on); absent: 0. */
  exitCode?: ExitCode;
}

/** One command of the CLI. */
export interface Command {
  /** Its words, e.g. `["group", "show"]`. */
  words: string[];
  summary: string;
  args: ArgSpec[];
  options: OptionSpec[];
  /** The formats it prints, the first its default; absent: table and json. */
  formats?: readonly Format[];
  run(ctx: CommandContext): Promise<CommandOutput>;
}

/** `secgroups group show NAME|ID [--group NAME|ID] [OPTIONS]`. */
export function usageOf(command?: Command): string {
  if (!command) return "usage: secgroups COMMAND [ARGS] [OPTIONS] (`secgroups --help` lists the commands)";
  const parts = [
    ...command.words,
    ...command.args.map((a) => (a.required ? a.name : `[${a.name}]`)),
    ...command.options.map((o) => {
      const flag = `--${o.name}${o.value ? ` ${o.value}` : ""}`;
      return o.required ? flag : `[${flag}]`;
    }),
    "[OPTIONS]",
  ];
  return `usage: secgroups ${parts.join(" ")}`;
}
