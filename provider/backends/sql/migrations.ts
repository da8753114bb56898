/**
 * Schema migrations of the SQL store, applied in order; both drivers record how many have been
 * applied. A migration is frozen once released: it never calls code that may change later, so a
 * database migrated today gets what one migrated on the day it was written got.
 */
import { protocolNumber } from "../../domain/protocols";
import { isAnyNetwork } from "../../domain/cidr";
import type { Row, Tx } from "./driver";

/** One schema migration: DDL (portable types; see the header), or code for what SQL cannot compute. */
export type Migration = string | ((tx: Tx) => Promise<void>);

/** Schema migrations, applied in order; both drivers record how many have been applied. */
export const MIGRATIONS: Migration[] = [
  `CREATE TABLE security_groups (
     id TEXT PRIMARY KEY,
     project TEXT NOT NULL,
     name TEXT NOT NULL,
     description TEXT NOT NULL,
     stateful INTEGER NOT NULL,
     tags TEXT NOT NULL,
     revision_number INTEGER NOT NULL,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     UNIQUE (project, name)
   );
   CREATE TABLE security_group_rules (
     id TEXT PRIMARY KEY,
     project TEXT NOT NULL,
     security_group_id TEXT NOT NULL REFERENCES security_groups(id),
     direction TEXT NOT NULL,
     ethertype TEXT NOT NULL,
     protocol TEXT,
     port_range_min INTEGER,
     port_range_max INTEGER,
     remote_ip_prefix TEXT,
     remote_group_id TEXT,
     remote_subnet_id TEXT,
     description TEXT NOT NULL,
     is_default INTEGER NOT NULL,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL
   );
   CREATE INDEX security_group_rules_group ON security_group_rules (security_group_id);
   CREATE INDEX security_group_rules_project ON security_group_rules (project);`,
  // 2: the duplicate key of every rule, unique per group (Neutron's duplicate semantics).
  async (tx) => {
    await tx.run("ALTER TABLE security_group_rules ADD COLUMN rule_key TEXT");
    for (const row of await tx.all("SELECT * FROM security_group_rules")) {
      await tx.run("UPDATE security_group_rules SET rule_key = ? WHERE id = ?", [ruleKeyAtMigration2(row), String(row.id)]);
    }
    await tx.run("CREATE UNIQUE INDEX security_group_rules_key ON security_group_rules (security_group_id, rule_key)");
  },
  // 3: projects, networks, servers, their ports, the groups on each port, and attachments.
  `CREATE TABLE projects (name TEXT PRIMARY KEY, created_at TEXT NOT NULL);
   CREATE TABLE networks (
     project TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, subnets TEXT NOT NULL,
     builtin INTEGER NOT NULL, created_at TEXT NOT NULL,
     PRIMARY KEY (project, id), UNIQUE (project, name)
   );
   CREATE TABLE servers (
     id TEXT PRIMARY KEY, project TEXT NOT NULL, name TEXT NOT NULL, active_at TEXT NOT NULL,
     error INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL
   );
   CREATE TABLE ports (
     id TEXT PRIMARY KEY, project TEXT NOT NULL, server_id TEXT NOT NULL REFERENCES servers(id),
     network_id TEXT NOT NULL, fixed_ip TEXT NOT NULL, UNIQUE (project, network_id, fixed_ip)
   );
   CREATE INDEX ports_server ON ports (server_id);
   CREATE TABLE attachments (
     id TEXT PRIMARY KEY, project TEXT NOT NULL, server_id TEXT NOT NULL, security_group_id TEXT NOT NULL,
     network_id TEXT, created_at TEXT NOT NULL
   );
   CREATE TABLE port_groups (
     port_id TEXT NOT NULL REFERENCES ports(id), security_group_id TEXT NOT NULL REFERENCES security_groups(id),
     attachment_id TEXT, PRIMARY KEY (port_id, security_group_id)
   );
   CREATE INDEX port_groups_group ON port_groups (security_group_id);
   CREATE INDEX port_groups_attachment ON port_groups (attachment_id);`,
  // 4: client tokens, which make creates idempotent (a create retried after a crash finds its object).
  `ALTER TABLE security_groups ADD COLUMN client_token TEXT;
   ALTER TABLE security_group_rules ADD COLUMN client_token TEXT;
   ALTER TABLE networks ADD COLUMN client_token TEXT;
   ALTER TABLE servers ADD COLUMN client_token TEXT;
   ALTER TABLE attachments ADD COLUMN client_token TEXT;
   CREATE INDEX security_groups_token ON security_groups (project, client_token);
   CREATE INDEX security_group_rules_token ON security_group_rules (project, client_token);
   CREATE INDEX networks_token ON networks (project, client_token);
   CREATE INDEX servers_token ON servers (project, client_token);
   CREATE INDEX attachments_token ON attachments (project, client_token);`,
  // 5: which program resource manages a rule (its URN), so a group can list the rules no
  // resource of its own stack manages (added by another stack, the CLI, or by hand).
  `ALTER TABLE security_group_rules ADD COLUMN managed_by TEXT;`,
  // 6: the number of rules of each project, kept by every insert and delete of a rule in the same
  // transaction, so that the quota check of a rule create reads one row instead of counting every
  // rule of the project (which made a create in a project of 10 000 rules twice as slow as in one
  // of 1 000; see bench/README.md, backend scaling).
  `CREATE TABLE project_rule_counts (project TEXT PRIMARY KEY, rules INTEGER NOT NULL);
   INSERT INTO project_rule_counts (project, rules) SELECT project, COUNT(*) FROM security_group_rules GROUP BY project`,
];

/**
 * The duplicate key of a stored rule as migration 2 computed it (frozen copy of `ruleKey` of that
 * day): group, direction, family, protocol number or "any", ports, and the remote (a CIDR other
 * than any network, else the remote group, else the remote subnet). The protocol numbers and
 * "any network" are facts of IP, not of this store, so they come from the domain.
 */
function ruleKeyAtMigration2(r: Row): string {
  const text = (v: unknown) => (v === null || v === undefined ? undefined : String(v));
  const number = protocolNumber(text(r.protocol) ?? "any");
  const prefix = text(r.remote_ip_prefix);
  let remote = "";
  if (prefix !== undefined && !isAnyNetwork(prefix)) remote = `cidr:${prefix}`;
  else if (text(r.remote_group_id) !== undefined) remote = `group:${text(r.remote_group_id)}`;
  else if (text(r.remote_subnet_id) !== undefined) remote = `subnet:${text(r.remote_subnet_id)}`;
  return [
    String(r.security_group_id),
    String(r.direction),
    String(r.ethertype),
    number === undefined ? "any" : String(number),
    text(r.port_range_min) ?? "",
    text(r.port_range_max) ?? "",
    remote,
  ].join("|");
}
