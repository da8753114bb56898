/**
 * The read commands of the `secgroups` command line: `group list`, `group show`, `rule list`,
 * `server list` and `server show`, one entry each (what an entry is: commandSpec.ts). registry.ts
 * lists them with the exposure commands; `main.ts` parses, validates and dispatches.
 */
import type { StateBackend } from "../backends/types";
import type { Command, CommandOutput } from "./commandSpec";
import {
  groupListTable,
  groupShowJson,
  groupShowRows,
  renderFieldTable,
  renderTable,
  ruleListTable,
  serverListTable,
  serverShowJson,
  serverShowRows,
  type FieldRow,
  type Table,
} from "./format";
import { findGroup, findServer } from "./lookups";

function tableOutput(json: unknown, table: Table): CommandOutput {
  return { json, table: (maxWidth) => renderTable(table, maxWidth) };
}

function fieldOutput(json: unknown, rows: readonly FieldRow[]): CommandOutput {
  return { json, table: (maxWidth) => renderFieldTable(rows, maxWidth) };
}

/** Group names by id, for showing the groups on servers' ports. */
async function groupNames(backend: StateBackend, project: string): Promise<Map<string, string>> {
  return new Map((await backend.listGroups(project)).map((g) => [g.id, g.name]));
}

/** The read commands, in the order `secgroups --help` lists them (registry.ts adds the exposure commands). */
export const READ_COMMANDS: readonly Command[] = [
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
      const names = await groupNames(backend, project);
      return fieldOutput(serverShowJson(server, names), serverShowRows(server, names));
    },
  },
];
