/**
 * The lookups several commands share: a group or a server of the project by id, else by name, with
 * the SG_NOT_FOUND or SG_AMBIGUOUS_NAME error that says how to find the right one.
 */
import type { GroupRecord, ServerRecord, StateBackend } from "../backends/types";
import { SecgroupsError } from "../errors";

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
