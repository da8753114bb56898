/**
 * Pure rendering for the `secgroups` command line: tables drawn like the openstack CLI's (cliff and
 * prettytable: `+---+` borders, `| ` cells, one space of padding) and the rows of each command.
 * No I/O: every function maps records to strings.
 */
import type { GroupRecord, PortRecord, RuleRecord, ServerRecord } from "../backends/types";
import { ICMP_PROTOCOLS } from "../domain/protocols";

/** A table: a header row and data rows; a cell may hold several lines (`\n`). */
export interface Table {
  headers: string[];
  rows: string[][];
}

/** One `Field | Value` row of a show table. */
export type FieldRow = readonly [field: string, value: string];

/** The longest space-separated word of a cell: a column is never narrowed below it (ids stay whole). */
function longestWord(cell: string): number {
  return Math.max(0, ...cell.split(/[\n ]/).map((w) => w.length));
}

/**
 * Splits `line` into lines of at most `width` characters: after the last `, ` that fits (the
 * comma stays on the line, as in `openstack security group show`), else at the last space, else
 * hard at `width`.
 */
export function wrapLine(line: string, width: number): string[] {
  const out: string[] = [];
  let rest = line;
  while (width > 0 && rest.length > width) {
    const comma = rest.lastIndexOf(", ", width - 1);
    if (comma > 0) {
      out.push(rest.slice(0, comma + 1));
      rest = rest.slice(comma + 2);
      continue;
    }
    const space = rest.lastIndexOf(" ", width);
    if (space > 0) {
      out.push(rest.slice(0, space));
      rest = rest.slice(space + 1);
      continue;
    }
    out.push(rest.slice(0, width));
    rest = rest.slice(width);
  }
  out.push(rest);
  return out;
}

/**
 * Column widths: each column's widest line, then, while the table is wider than `maxWidth` (0: no
 * limit), the widest column that can still give is narrowed by one. A column never gets narrower
 * than its header or its longest word, so a table of long ids may stay wider than `maxWidth`.
 */
function columnWidths(table: Table, maxWidth: number): number[] {
  const columns = table.headers.map((h, i) => [h, ...table.rows.map((r) => r[i] ?? "")]);
  const widths = columns.map((cells) => Math.max(...cells.flatMap((c) => c.split("\n").map((l) => l.length))));
  const minimum = columns.map((cells) => Math.max(cells[0]!.length, ...cells.slice(1).map(longestWord)));
  const total = () => widths.reduce((a, b) => a + b, 0) + 3 * widths.length + 1;
  while (maxWidth > 0 && total() > maxWidth) {
    let widest = -1;
    widths.forEach((w, i) => {
      if (w > minimum[i]! && (widest < 0 || w > widths[widest]!)) widest = i;
    });
    if (widest < 0) break;
    widths[widest]! -= 1;
  }
  return widths;
}

/**
 * Draws `table` as the openstack CLI does, wrapping cells to fit `maxWidth` columns (0: never
 * wrap). No trailing newline. A table without rows still shows its header.
 */
export function renderTable(table: Table, maxWidth = 0): string {
  const widths = columnWidths(table, maxWidth);
  const border = `+${widths.map((w) => "-".repeat(w + 2)).join("+")}+`;
  const lines = (row: string[]): string[] => {
    const cells = widths.map((w, i) => (row[i] ?? "").split("\n").flatMap((l) => wrapLine(l, w)));
    const height = Math.max(...cells.map((c) => c.length));
    const out: string[] = [];
    for (let k = 0; k < height; k++) {
      out.push(`| ${cells.map((c, i) => (c[k] ?? "").padEnd(widths[i]!)).join(" | ")} |`);
    }
    return out;
  };
  return [border, ...lines(table.headers), border, ...table.rows.flatMap(lines), border].join("\n");
}

/** A `Field | Value` table, as `openstack ... show` prints. */
export function renderFieldTable(rows: readonly FieldRow[], maxWidth = 0): string {
  return renderTable({ headers: ["Field", "Value"], rows: rows.map(([f, v]) => [f, v]) }, maxWidth);
}

/** `2017-12-08T12:01:42.123Z` → `2017-12-08T12:01:42Z` (the openstack CLI shows seconds). */
export function isoSeconds(timestamp: string): string {
  return timestamp.replace(/\.\d+Z$/, "Z");
}

/**
 * `key='value', ...` with the keys sorted and null, undefined and empty values left out, as the
 * openstack CLI shows a rule or a port inside a show table. Zero is a value (ICMP type 0).
 */
export function keyValues(fields: Record<string, string | number | null | undefined>): string {
  return Object.keys(fields)
    .sort()
    .filter((k) => fields[k] !== null && fields[k] !== undefined && fields[k] !== "")
    .map((k) => `${k}='${String(fields[k])}'`)
    .join(", ");
}

/** One rule as an entry of a group's `rules` field (Neutron's names; the group and project are known). */
export function ruleEntry(rule: RuleRecord): string {
  return keyValues({
    created_at: isoSeconds(rule.createdAt),
    description: rule.description,
    direction: rule.direction,
    ethertype: rule.ethertype,
    id: rule.id,
    port_range_max: rule.portRangeMax,
    port_range_min: rule.portRangeMin,
    protocol: rule.protocol,
    remote_group_id: rule.remoteGroupId,
    remote_ip_prefix: rule.remoteIpPrefix,
    remote_subnet_id: rule.remoteSubnetId,
    updated_at: isoSeconds(rule.updatedAt),
  });
}

/** Sorted by id (`openstack security group show` lists rules so). */
function byId<T extends { id: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** `secgroups group list`: ID | Name | Description | Project | Tags. */
export function groupListTable(groups: readonly GroupRecord[]): Table {
  return {
    headers: ["ID", "Name", "Description", "Project", "Tags"],
    rows: groups.map((g) => [g.id, g.name, g.description, g.project, g.tags.join(", ")]),
  };
}

/**
 * `secgroups group show`: the fields of `openstack security group show`, alphabetically, with
 * `stateful` and `tags` where today's openstack CLI puts them; `rules` one entry per line, by id.
 */
export function groupShowRows(group: GroupRecord, rules: readonly RuleRecord[]): FieldRow[] {
  return [
    ["created_at", isoSeconds(group.createdAt)],
    ["description", group.description],
    ["id", group.id],
    ["name", group.name],
    ["project_id", group.project],
    ["revision_number", String(group.revisionNumber)],
    ["rules", byId(rules).map(ruleEntry).join("\n")],
    ["stateful", group.stateful ? "True" : "False"],
    ["tags", group.tags.join(", ")],
    ["updated_at", isoSeconds(group.updatedAt)],
  ];
}

/** `secgroups group show --format json`: the group's fields and its rules, by id. */
export function groupShowJson(group: GroupRecord, rules: readonly RuleRecord[]): GroupRecord & { rules: RuleRecord[] } {
  return { ...group, rules: byId(rules) };
}

/**
 * The Port Range column of `openstack security group rule list`: `22:22`, `1000:2000`, ICMP
 * `type=8` or `type=3:code=1`, empty for all ports.
 */
export function portRange(rule: Pick<RuleRecord, "protocol" | "portRangeMin" | "portRangeMax">): string {
  const { protocol, portRangeMin: min, portRangeMax: max } = rule;
  if (protocol !== null && ICMP_PROTOCOLS.has(protocol)) {
    if (min === null) return "";
    return max === null ? `type=${min}` : `type=${min}:code=${max}`;
  }
  if (min === null && max === null) return "";
  return `${min ?? max}:${max ?? min}`;
}

/** The IP Range column: the prefix; `0.0.0.0/0` or `::/0` for a rule with no remote; `subnet ID` for a subnet remote. */
function ipRange(rule: RuleRecord): string {
  if (rule.remoteIpPrefix !== null) return rule.remoteIpPrefix;
  if (rule.remoteSubnetId !== null) return `subnet ${rule.remoteSubnetId}`;
  if (rule.remoteGroupId !== null) return "";
  return rule.ethertype === "IPv4" ? "0.0.0.0/0" : "::/0";
}

/** `secgroups rule list`: the columns of `openstack security group rule list` (protocol `any` for all). */
export function ruleListTable(rules: readonly RuleRecord[]): Table {
  return {
    headers: ["ID", "IP Protocol", "Ethertype", "IP Range", "Port Range", "Direction", "Remote Security Group", "Security Group"],
    rows: rules.map((r) => [r.id, r.protocol ?? "any", r.ethertype, ipRange(r), portRange(r), r.direction, r.remoteGroupId ?? "", r.securityGroupId]),
  };
}

/** Name of group `id`, or the id itself when the project has no such group. */
function groupName(names: ReadonlyMap<string, string>, id: string): string {
  return names.get(id) ?? id;
}

/** The names of the groups on any of the server's ports, sorted and without repeats. */
function serverGroupNames(server: ServerRecord, names: ReadonlyMap<string, string>): string[] {
  const all = new Set(server.ports.flatMap((p) => p.securityGroupIds.map((id) => groupName(names, id))));
  return [...all].sort();
}

/** `PublicNet=10.0.0.5; ServiceNet=10.1.0.5`, as the openstack CLI shows a server's addresses. */
function addresses(ports: readonly PortRecord[]): string {
  return ports.map((p) => `${p.networkName}=${p.fixedIp}`).join("; ");
}

/** `secgroups server list`: ID | Name | Status | Networks | Security Groups (`names` maps group ids to names). */
export function serverListTable(servers: readonly ServerRecord[], names: ReadonlyMap<string, string>): Table {
  return {
    headers: ["ID", "Name", "Status", "Networks", "Security Groups"],
    rows: servers.map((s) => [s.id, s.name, s.status, addresses(s.ports), serverGroupNames(s, names).join(", ")]),
  };
}

/** A group as JSON names it: its id and its name (the id again when the project has no such group). */
export interface NamedGroup {
  id: string;
  name: string;
}

/**
 * `secgroups server show --format json`: the server as stored, each port's groups named (id and
 * name), and `securityGroups`, every group on any port once, by name: never less than the table.
 */
export function serverShowJson(server: ServerRecord, names: ReadonlyMap<string, string>) {
  const named = (ids: readonly string[]): NamedGroup[] =>
    ids.map((id) => ({ id, name: groupName(names, id) })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : 1));
  return {
    ...server,
    ports: server.ports.map((p) => ({ ...p, securityGroups: named(p.securityGroupIds) })),
    securityGroups: named([...new Set(server.ports.flatMap((p) => p.securityGroupIds))]),
  };
}

/**
 * `secgroups server show`: the fields of `openstack server show` that we store, plus `ports`, one
 * entry per port with the groups on it (groups are per port here, as in Neutron).
 */
export function serverShowRows(server: ServerRecord, names: ReadonlyMap<string, string>): FieldRow[] {
  return [
    ["addresses", addresses(server.ports)],
    ["created", isoSeconds(server.createdAt)],
    ["id", server.id],
    ["name", server.name],
    [
      "ports",
      server.ports
        .map((p) =>
          keyValues({
            fixed_ip: p.fixedIp,
            id: p.id,
            network: p.networkName,
            security_groups: p.securityGroupIds
              .map((id) => groupName(names, id))
              .sort()
              .join(", "),
          }),
        )
        .join("\n"),
    ],
    ["project_id", server.project],
    [
      "security_groups",
      serverGroupNames(server, names)
        .map((n) => `name='${n}'`)
        .join("\n"),
    ],
    ["status", server.status],
    ["updated", isoSeconds(server.updatedAt)],
  ];
}
