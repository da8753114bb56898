/**
 * The one narrow interface between resource providers and the state backend (the "cloud").
 * Every method is one transaction: it either applies completely or not at all, and it checks the
 * invariants it could break inside that transaction (unique names, quotas), because the engine
 * runs many provider calls at once and several stacks may share one backend.
 */

import type {
  AttachmentPolicy,
  AttachmentRecord,
  DefaultRuleSpec,
  GroupRecord,
  NetworkRecord,
  NewRule,
  ProjectSetup,
  RuleRecord,
  ServerRecord,
} from "../domain/model";
import type { ResourceType } from "../domain/plan";

/** The records are the domain's (provider/domain/model.ts); re-exported for the backends' users. */

export type {
  AttachmentPolicy,
  AttachmentRecord,
  DefaultGroupRule,
  DefaultRuleSpec,
  Direction,
  Ethertype,
  GroupRecord,
  NetworkRecord,
  PortRecord,
  ProjectSetup,
  RuleRecord,
  ServerRecord,
  ServerStatus,
  NewRule,
} from "../domain/model";

/** What it takes to create a group. */
export interface NewGroup {
  project: string;
  name: string;
  description: string;
  stateful: boolean;
  tags: string[];
  /** Rules to create with the group, in the same transaction. */
  defaultRules: DefaultRuleSpec[];
  /** Most groups the project may hold, if limited. */
  groupQuota?: number;
  /** Idempotency key of this create request (see SqlStore.byToken); a retry with it returns the first result. */
  clientToken?: string;
}

/** Fields of a group that change in place; absent fields stay as they are. */
export interface GroupPatch {
  name?: string;
  description?: string;
  stateful?: boolean;
  tags?: string[];
  /** true: delete the group's default rules; false: recreate them from `defaultRules`. */
  deleteDefaultRules?: boolean;
  /** The profile's default rules, used when `deleteDefaultRules` becomes false. */
  defaultRules?: DefaultRuleSpec[];
}

/** A group with the ids of its default rules, as create/update/get return it. */
export interface GroupState {
  group: GroupRecord;
  defaultRuleIds: string[];
}

/** Limits checked when a rule is created; absent means unlimited. */
export interface RuleLimits {
  /** Name of the profile, for messages. */
  profile: string;
  rulesPerProject?: number;
  rulesPerGroup?: number;
}

/** What it takes to launch a server. */
export interface NewServer {
  project: string;
  name: string;
  /** Network names or ids; one port on each. */
  networks: string[];
  /** Groups for every port at launch (where the profile allows it). */
  securityGroupIds: string[];
  bootSeconds: number;
  /** Idempotency key of this create request (see SqlStore.byToken); a retry with it returns the first result. */
  clientToken?: string;
}

/** The state backend. Implementations: `sqlite` (embedded default) and `postgres`, both SqlStore. */
export interface StateBackend {
  /** `sqlite` or `postgres`. */
  readonly kind: string;
  /** Where the backend lives, with any password masked; safe for messages and logs. */
  readonly location: string;
  /**
   * The project a program's `project` means here: itself, except behind Keystone, where everything
   * is in the project the credentials are scoped to (the records carry that project's id).
   */
  projectOf(given: string): Promise<string>;
  /** Whether a rule's description changes in place (false: Neutron's rules are immutable, so a new description replaces the rule). */
  readonly mutableRuleDescription: boolean;
  /** Creates a group and its default rules; SG_NAME_TAKEN if the name is used in the project. */
  createGroup(input: NewGroup): Promise<GroupState>;
  /** The group with this id in this project, or undefined. */
  getGroup(project: string, id: string): Promise<GroupState | undefined>;
  /** The group with this name in this project, or undefined. */
  findGroupByName(project: string, name: string): Promise<GroupRecord | undefined>;
  /** Every group of the project, by name. */
  listGroups(project: string): Promise<GroupRecord[]>;
  /** Changes a group in place and bumps its revision; SG_NOT_FOUND if gone, SG_NAME_TAKEN on a clash. */
  updateGroup(project: string, id: string, patch: GroupPatch): Promise<GroupState>;
  /** Deletes a group and its rules; false if it did not exist. */
  deleteGroup(project: string, id: string): Promise<boolean>;
  /**
   * Creates a rule in its group's project and bumps the group's revision. SG_GROUP_NOT_FOUND if
   * the group (or a remote group) does not exist, SG_RULE_EXISTS for a duplicate, SG_QUOTA_EXCEEDED.
   */
  createRule(rule: NewRule, limits: RuleLimits): Promise<RuleRecord>;
  /** The rule with this id in this project, or undefined. */
  getRule(project: string, id: string): Promise<RuleRecord | undefined>;
  /** Changes a rule's description (the only mutable field); SG_NOT_FOUND if gone. */
  updateRuleDescription(project: string, id: string, description: string): Promise<RuleRecord>;
  /** Deletes a rule and bumps its group's revision; false if it did not exist. */
  deleteRule(project: string, id: string): Promise<boolean>;
  /** Creates the project's built-in networks and default groups if missing (idempotent). */
  ensureProject(project: string, setup: ProjectSetup): Promise<void>;
  /**
   * Creates a private network; SG_NAME_TAKEN if the project has a network of that name. Every
   * create takes an optional client token: a create retried with the token of one that committed
   * returns that object instead of making another (crash safety).
   */
  createNetwork(project: string, name: string, subnets: string[], clientToken?: string): Promise<NetworkRecord>;
  /** The network with this id or name, or undefined. */
  getNetwork(project: string, idOrName: string): Promise<NetworkRecord | undefined>;
  /** Every network of the project (built-in and private), by name then id. */
  listNetworks(project: string): Promise<NetworkRecord[]>;
  /** Deletes a private network; SG_IN_USE while ports use it or for a built-in network; false if it did not exist. */
  deleteNetwork(project: string, id: string): Promise<boolean>;
  /** Launches a server: one port per network with a fixed IP; launch groups per the policy. */
  createServer(server: NewServer, policy: AttachmentPolicy): Promise<ServerRecord>;
  /** The server with this id, or undefined. */
  getServer(project: string, id: string): Promise<ServerRecord | undefined>;
  /** The project of the group with this id (ids are unique across projects), or undefined. */
  groupProject(id: string): Promise<string | undefined>;
  /** Records which program resource (URN) manages a rule, e.g. after it adopted the rule. */
  setRuleManagedBy(project: string, id: string, managedBy: string): Promise<void>;
  /** The project of the server with this id (ids are unique across projects), or undefined. */
  serverProject(id: string): Promise<string | undefined>;
  /** Puts a server into ERROR (what a failed boot does; for operators and tests). */
  setServerError(project: string, id: string): Promise<void>;
  /** Deletes a server, its ports and its attachments; false if it did not exist. */
  deleteServer(project: string, id: string): Promise<boolean>;
  /**
   * Attaches a group to a server's port on `network` (or on every attachable network), checking
   * inside the transaction: server ACTIVE (SG_SERVER_NOT_ACTIVE), network attachable
   * (SG_NETWORK_NOT_ATTACHABLE), the per-port limit (SG_LIMIT_GROUPS_PER_PORT), no mix of stateful
   * and stateless groups (SG_STATEFUL_MIX); drops the fallback group.
   */
  createAttachment(
    project: string,
    serverId: string,
    securityGroupId: string,
    network: string | null,
    policy: AttachmentPolicy,
    clientToken?: string,
  ): Promise<AttachmentRecord>;
  /** The attachment with this id, or undefined. */
  getAttachment(project: string, id: string): Promise<AttachmentRecord | undefined>;
  /** Swaps an attachment's group on its ports in one transaction (never above the limit). */
  swapAttachment(project: string, id: string, securityGroupId: string, policy: AttachmentPolicy): Promise<AttachmentRecord>;
  /** Detaches (SG_MIN_GROUPS below the minimum); restores the fallback group; false if gone. */
  deleteAttachment(project: string, id: string, policy: AttachmentPolicy): Promise<boolean>;
  /** Rules of the project, optionally of one group, oldest first. */
  listRules(project: string, securityGroupId?: string): Promise<RuleRecord[]>;
  /** Every server of the project with its ports, by name then id. */
  listServers(project: string): Promise<ServerRecord[]>;
  /** Every attachment of the project, oldest first. */
  listAttachments(project: string): Promise<AttachmentRecord[]>;
  /**
   * Checks the stored state for what no change may leave behind (an empty list when all is well):
   * rules, ports, port groups and attachments pointing at rows that do not exist, attachments
   * on no port, rules that duplicate another rule of their group, and project rule counts (kept
   * for the quota check) that differ from the rules the project holds.
   */
  checkIntegrity(): Promise<string[]>;
  /**
   * Forgets the client token of the object with this id once the engine has shown it recorded the
   * object (it diffed or read it): from then on a create with the same token makes a new object.
   * Cheap when there is nothing to forget (a read, no write). `type` is the object's: the SQL store
   * reads that type's table only, and the openstack backend skips the types that keep no token with
   * it (it keeps tokens on groups and networks only: a rule's, a server's or an attachment's costs
   * no request).
   */
  forgetClientToken(project: string, id: string, type: ResourceType): Promise<void>;
  /** Releases the connection; the backend is unusable afterwards. */
  close(): Promise<void>;
}
