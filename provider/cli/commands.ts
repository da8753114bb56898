/**
 * The commands of the `secgroups` command line, one registry entry each. A command declares its
 * words, positional arguments and own options; `main.ts` parses, validates and dispatches, so a
 * new command (`exposure`, `can-reach`, `preview-report`) is one more entry here.
 */
import type { GroupRecord, ServerRecord, StateBackend } from "../backends/types";
import { SecgroupsError } from "../errors";
import type { Settings } from "../settings";
import {
  groupListTable, groupShowJson, groupShowRows, renderFieldTable, renderTable, ruleListTable, serverListTable, serverShowRows,
  type FieldRow, type Table,
} from "./format";

/** A flag: `--name VALUE`, or `--name` alone when it has no `value` placeholder. */
export interface OptionSpec {
  name: string;
  /** Placeholder of the value in help (`URL`, `NAME|ID`); absent for a flag without a value. */
  value?: string;
  description: string;
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
  /** Positional arguments by their placeholder. */
  readonly args: Readonly<Record<string, string | undefined>>;
  /** The command's own options by name (global ones are in `settings`). */
  readonly options: Readonly<Record<string, string | undefined>>;
  /** Opens the backend the first time it is called; the CLI closes it at the end. */
  backend(): Promise<StateBackend>;
}

/** What a command prints: the value for `--format json`, and the table for `--format table`. */
export interface CommandOutput {
  json: unknown;
  table(maxWidth: number): string;
}

/** One command of the CLI. */
export interface Command {
  /** Its words, e.g. `["group", "show"]`. */
  words: string[];
  summary: string;
  args: ArgSpec[];
  options: OptionSpec[];
  run(ctx: CommandContext): Promise<CommandOutput>;
}

function tableOutput(json: unknown, table: Table): CommandOutput {
  return { json, table: (maxWidth) => renderTable(table, maxWidth) };
}

function fieldOutput(json: unknown, rows: readonly FieldRow[]): CommandOutput {
  return { json, table: (maxWidth) => renderFieldTable(rows, maxWidth) };
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
async function findGroup(backend: StateBackend, project: string, value: string, property: string): Promise<GroupRecord> {
  const byId = await backend.getGroup(project, value);
  if (byId) return byId.group;
  const byName = await backend.findGroupByName(project, value);
  if (byName) return byName;
  throw notFound("security group", property, value, project, "secgroups group list");
}

/** The server of the project with id, else the only one named, `value`; SG_NOT_FOUND or SG_AMBIGUOUS_NAME otherwise. */
async function findServer(backend: StateBackend, project: string, value: string, property: string): Promise<ServerRecord> {
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

/** Group names by id, for showing the groups on servers' ports. */
async function groupNames(backend: StateBackend, project: string): Promise<Map<string, string>> {
  return new Map((await backend.listGroups(project)).map((g) => [g.id, g.name]));
}

/** Every command, in the order `secgroups --help` lists them. */
export const COMMANDS: readonly Command[] = [
  {
    words: ["group", "list"],
    summary: "list the project's security groups",
    args: [],
    options: [],
    async run(ctx) {
      const groups = await (await ctx.backend()).listGroups(ctx.settings.project);
      return tableOutput(groups, groupListTable(groups));
    },
  },
  {
    words: ["group", "show"],
    summary: "show one security group with its rules",
    args: [{ name: "NAME|ID", required: true }],
    options: [],
    async run(ctx) {
      const backend = await ctx.backend();
      const project = ctx.settings.project;
      const group = await findGroup(backend, project, ctx.args["NAME|ID"]!, "group");
      const rules = await backend.listRules(project, group.id);
      return fieldOutput(groupShowJson(group, rules), groupShowRows(group, rules));
    },
  },
  {
    words: ["rule", "list"],
    summary: "list the project's rules, or one group's",
    args: [],
    options: [{ name: "group", value: "NAME|ID", description: "only the rules of this security group" }],
    async run(ctx) {
      const backend = await ctx.backend();
      const project = ctx.settings.project;
      const only = ctx.options.group;
      const group = only === undefined ? undefined : await findGroup(backend, project, only, "--group");
      const rules = await backend.listRules(project, group?.id);
      return tableOutput(rules, ruleListTable(rules));
    },
  },
  {
    words: ["server", "list"],
    summary: "list the project's servers with their networks and groups",
    args: [],
    options: [],
    async run(ctx) {
      const backend = await ctx.backend();
      const servers = await backend.listServers(ctx.settings.project);
      return tableOutput(servers, serverListTable(servers, await groupNames(backend, ctx.settings.project)));
    },
  },
  {
    words: ["server", "show"],
    summary: "show one server with its ports and the groups on them",
    args: [{ name: "NAME|ID", required: true }],
    options: [],
    async run(ctx) {
      const backend = await ctx.backend();
      const project = ctx.settings.project;
      const server = await findServer(backend, project, ctx.args["NAME|ID"]!, "server");
      return fieldOutput(server, serverShowRows(server, await groupNames(backend, project)));
    },
  },
];
