/**
 * The state backend over SQL, as a thin facade: each operation is one transaction of the driver
 * (sql/driver.ts) running one function of the aggregate it changes — groups (sql/groups.ts), rules
 * (sql/rules.ts), projects, networks and servers (sql/servers.ts), attachments (sql/attachments.ts),
 * client tokens (sql/tokens.ts), integrity (sql/integrity.ts) — after the migrations
 * (sql/migrations.ts). The cloud's launch and attachment policy and its default rules are the
 * domain's (provider/domain/policy.ts, defaultRules.ts); the store decides with them from rows it
 * read in the same transaction, so a check holds when the change commits:
 *   - SQLite: `BEGIN IMMEDIATE` takes the database's write lock before the first read, so a
 *     transaction's checks see the latest committed state and nobody commits in between; inside
 *     one process the driver queues transactions, since they share one connection.
 *   - PostgreSQL: SERIALIZABLE, retried from the start on a serialization failure (see postgres.ts).
 * Because a PostgreSQL transaction may run more than once, bodies have no effect outside `tx`.
 */
import type {
  AttachmentPolicy,
  AttachmentRecord,
  GroupPatch,
  GroupRecord,
  GroupState,
  NetworkRecord,
  NewGroup,
  NewRule,
  NewServer,
  ProjectSetup,
  RuleLimits,
  RuleRecord,
  ServerRecord,
  StateBackend,
} from "./types";
import type { ResourceType } from "../domain/plan";
import type { SqlDriver, Tx } from "./sql/driver";
import { MIGRATIONS } from "./sql/migrations";
import * as attachments from "./sql/attachments";
import * as groups from "./sql/groups";
import { integrityProblems } from "./sql/integrity";
import * as rules from "./sql/rules";
import * as servers from "./sql/servers";
import { clearTokens, tokenHolders } from "./sql/tokens";

export type { Row, SqlDriver, SqlValue, Tx } from "./sql/driver";
export { MIGRATIONS, type Migration } from "./sql/migrations";
export { nextTimestamp } from "./sql/rows";

/** The state backend over any SqlDriver. Migrates on first use, so opening it does no I/O. */
export class SqlStore implements StateBackend {
  readonly kind: string;
  readonly location: string;
  readonly mutableRuleDescription = true;
  private ready: Promise<void> | undefined;

  constructor(private readonly driver: SqlDriver) {
    this.kind = driver.kind;
    this.location = driver.location;
  }

  /** Applies pending migrations (once per store; every operation waits for it). */
  migrate(): Promise<void> {
    this.ready ??= this.driver
      .migrate(async (tx, applied) => {
        for (let v = applied; v < MIGRATIONS.length; v++) {
          const step = MIGRATIONS[v]!;
          if (typeof step === "string") {
            for (const statement of step
              .split(";")
              .map((s) => s.trim())
              .filter(Boolean))
              await tx.run(statement);
          } else {
            await step(tx);
          }
        }
        return MIGRATIONS.length;
      })
      .catch((err: unknown) => {
        this.ready = undefined;
        throw err;
      });
    return this.ready;
  }

  private async write<T>(body: (tx: Tx) => Promise<T>): Promise<T> {
    await this.migrate();
    return this.driver.write(body);
  }

  private async read<T>(body: (tx: Tx) => Promise<T>): Promise<T> {
    await this.migrate();
    return this.driver.read(body);
  }

  createGroup(input: NewGroup): Promise<GroupState> {
    return this.write((tx) => groups.createGroup(tx, input));
  }

  getGroup(project: string, id: string): Promise<GroupState | undefined> {
    return this.read((tx) => groups.getGroup(tx, project, id));
  }

  findGroupByName(project: string, name: string): Promise<GroupRecord | undefined> {
    return this.read((tx) => groups.groupByName(tx, project, name));
  }

  listGroups(project: string): Promise<GroupRecord[]> {
    return this.read((tx) => groups.listGroups(tx, project));
  }

  updateGroup(project: string, id: string, patch: GroupPatch): Promise<GroupState> {
    return this.write((tx) => groups.updateGroup(tx, project, id, patch));
  }

  deleteGroup(project: string, id: string): Promise<boolean> {
    return this.write((tx) => groups.deleteGroup(tx, project, id));
  }

  groupProject(id: string): Promise<string | undefined> {
    return this.read((tx) => groups.groupProject(tx, id));
  }

  createRule(rule: NewRule, limits: RuleLimits): Promise<RuleRecord> {
    return this.write((tx) => rules.createRule(tx, rule, limits));
  }

  getRule(project: string, id: string): Promise<RuleRecord | undefined> {
    return this.read((tx) => rules.getRule(tx, project, id));
  }

  updateRuleDescription(project: string, id: string, description: string): Promise<RuleRecord> {
    return this.write((tx) => rules.updateRuleDescription(tx, project, id, description));
  }

  deleteRule(project: string, id: string): Promise<boolean> {
    return this.write((tx) => rules.deleteRule(tx, project, id));
  }

  listRules(project: string, securityGroupId?: string): Promise<RuleRecord[]> {
    return this.read((tx) => rules.listRules(tx, project, securityGroupId));
  }

  async setRuleManagedBy(project: string, id: string, managedBy: string): Promise<void> {
    await this.write((tx) => rules.setRuleManagedBy(tx, project, id, managedBy));
  }

  async projectOf(given: string): Promise<string> {
    return given;
  }

  async ensureProject(project: string, setup: ProjectSetup): Promise<void> {
    // A read first: a project that exists (every call but the first) takes no write lock.
    if (await this.read((tx) => servers.projectExists(tx, project))) return;
    await this.write((tx) => servers.ensureProject(tx, project, setup));
  }

  createNetwork(project: string, name: string, subnets: string[], clientToken?: string): Promise<NetworkRecord> {
    return this.write((tx) => servers.createNetwork(tx, project, name, subnets, clientToken));
  }

  getNetwork(project: string, idOrName: string): Promise<NetworkRecord | undefined> {
    return this.read((tx) => servers.networkRow(tx, project, idOrName));
  }

  listNetworks(project: string): Promise<NetworkRecord[]> {
    return this.read((tx) => servers.listNetworks(tx, project));
  }

  deleteNetwork(project: string, id: string): Promise<boolean> {
    return this.write((tx) => servers.deleteNetwork(tx, project, id));
  }

  createServer(server: NewServer, policy: AttachmentPolicy): Promise<ServerRecord> {
    return this.write((tx) => servers.createServer(tx, server, policy));
  }

  getServer(project: string, id: string): Promise<ServerRecord | undefined> {
    return this.read((tx) => servers.serverRow(tx, project, id));
  }

  listServers(project: string): Promise<ServerRecord[]> {
    return this.read((tx) => servers.listServers(tx, project));
  }

  serverProject(id: string): Promise<string | undefined> {
    return this.read((tx) => servers.serverProject(tx, id));
  }

  async setServerError(project: string, id: string): Promise<void> {
    await this.write((tx) => servers.setServerError(tx, project, id));
  }

  deleteServer(project: string, id: string): Promise<boolean> {
    return this.write((tx) => servers.deleteServer(tx, project, id));
  }

  createAttachment(
    project: string,
    serverId: string,
    securityGroupId: string,
    network: string | null,
    policy: AttachmentPolicy,
    clientToken?: string,
  ): Promise<AttachmentRecord> {
    return this.write((tx) => attachments.createAttachment(tx, project, serverId, securityGroupId, network, policy, clientToken));
  }

  getAttachment(project: string, id: string): Promise<AttachmentRecord | undefined> {
    return this.read((tx) => attachments.attachmentRow(tx, project, id));
  }

  swapAttachment(project: string, id: string, securityGroupId: string, policy: AttachmentPolicy): Promise<AttachmentRecord> {
    return this.write((tx) => attachments.swapAttachment(tx, project, id, securityGroupId, policy));
  }

  deleteAttachment(project: string, id: string, policy: AttachmentPolicy): Promise<boolean> {
    return this.write((tx) => attachments.deleteAttachment(tx, project, id, policy));
  }

  listAttachments(project: string): Promise<AttachmentRecord[]> {
    return this.read((tx) => attachments.listAttachments(tx, project));
  }

  async forgetClientToken(project: string, id: string, type: ResourceType): Promise<void> {
    // A read first (of the type's table only): forgetting is asked after every diff and read, and
    // usually finds nothing.
    const holding = await this.read((tx) => tokenHolders(tx, project, id, type));
    if (!holding.length) return;
    await this.write((tx) => clearTokens(tx, project, id, holding));
  }

  async checkIntegrity(): Promise<string[]> {
    const problems = await this.read(integrityProblems);
    if (this.driver.checkDatabase) problems.push(...(await this.driver.checkDatabase()));
    return problems.sort();
  }

  async close(): Promise<void> {
    await this.driver.close();
  }
}
