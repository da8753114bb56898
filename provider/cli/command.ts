/**
 * What a command of the `secgroups` command line is (its words, arguments, options, formats and
 * output), its usage line, and the lookups several commands share. No command lives here.
 */
import type { GroupRecord, ServerRecord, StateBackend } from "../backends/types";
import type { Profile } from "../domain/profiles";
import { SecgroupsError } from "../errors";
import type { Settings } from "../settings";
import type { Format } from "./args";
import type { ExitCode } from "./exit";
import type { SettingSources } from "./stackConfig";

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

/** SG_NOT_FOUND for a `kind` named `value` that project has neither by id nor by name. */
function notFound(kind: "security group" | "server", property: string, value: string, project: string, listCommand: string): SecgroupsError {
  return new SecgroupsError("SG_NOT_FOUND", {
    property,
    problem: `project ${project} has no ${kind} with this name or id`,
    value,
    fix: `run \`${listCommand} --project ${project}\` to see its ${kind}s, or pass the project that holds it with --project`,
  });
}

/** The group of the project with id, else name, `value`; SG_NOT_FOUND if none. */
export async function findGroup(backend: StateBackend, project: string, value: string, property: string): Promise<GroupRecord> {
  const byId = await backend.getGroup(project, value);
  if (byId) return byId.group;
  const byName = await backend.findGroupByName(project, value);
  if (byName) return byName;
  throw notFound("security group", property, value, project, "secgroups group list");
}

/** The server of the project with id, else the only one named, `value`; SG_NOT_FOUND or SG_AMBIGUOUS_NAME otherwise. */
export async function findServer(backend: StateBackend, project: string, value: string, property: string): Promise<ServerRecord> {
  const byId = await backend.getServer(project, value);
  if (byId) return byId;
  const named = (await backend.listServers(project)).filter((s) => s.name === value);
  if (named.length === 1) return named[0]!;
  if (named.length === 0) throw notFound("server", property, value, project, "secgroups server list");
  throw new SecgroupsError("SG_AMBIGUOUS_NAME", {
    property,
    problem: `project ${project} has ${named.length} servers with this name`,
    value,
    allowed: `one of their ids: ${named.map((s) => s.id).join(", ")}`,
    fix: "pass the id of the server instead of its name",
  });
}
