/**
 * The one narrow interface between resource providers and the state backend (the "cloud").
 * Every method is one transaction: it either applies completely or not at all, and it checks the
 * invariants it could break inside that transaction (unique names, quotas), because the engine
 * runs many provider calls at once and several stacks may share one backend.
 */

/** Direction of traffic a rule matches, from the port's point of view. */
export type Direction = "ingress" | "egress";
/** IP family a rule matches. */
export type Ethertype = "IPv4" | "IPv6";

/** A security group as stored. */
export interface GroupRecord {
  id: string;
  project: string;
  name: string;
  description: string;
  stateful: boolean;
  /** Sorted, unique. */
  tags: string[];
  revisionNumber: number;
  /** ISO 8601 UTC with milliseconds. */
  createdAt: string;
  /** ISO 8601 UTC with milliseconds; strictly increases with every change. */
  updatedAt: string;
}

/** A rule as stored; `null` means "any" for protocol, ports and remotes. */
export interface RuleRecord {
  id: string;
  project: string;
  securityGroupId: string;
  direction: Direction;
  ethertype: Ethertype;
  protocol: string | null;
  portRangeMin: number | null;
  portRangeMax: number | null;
  remoteIpPrefix: string | null;
  remoteGroupId: string | null;
  remoteSubnetId: string | null;
  description: string;
  /** True for the rules the profile gave the group when it was created. */
  isDefault: boolean;
  createdAt: string;
  updatedAt: string;
}

/** A rule the profile gives every new group: all protocols, ports and remotes of one family. */
export interface DefaultRuleSpec {
  direction: Direction;
  ethertype: Ethertype;
}

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

/** A rule to create: canonical fields (null = any) and its duplicate key from the domain core. */
export interface NewRule {
  securityGroupId: string;
  direction: Direction;
  ethertype: Ethertype;
  /** Canonical protocol, or null for any. */
  protocol: string | null;
  portRangeMin: number | null;
  portRangeMax: number | null;
  remoteIpPrefix: string | null;
  remoteGroupId: string | null;
  remoteSubnetId: string | null;
  description: string;
  /** `ruleKey()` of the rule: equal keys are duplicates. */
  key: string;
}

/** Limits checked when a rule is created; absent means unlimited. */
export interface RuleLimits {
  /** Name of the profile, for messages. */
  profile: string;
  rulesPerProject?: number;
  rulesPerGroup?: number;
}

/** The state backend. Implementations: `sqlite` (embedded default) and, later, `postgres`. */
export interface StateBackend {
  /** `sqlite` or `postgres`. */
  readonly kind: string;
  /** Where the backend lives, with any password masked; safe for messages and logs. */
  readonly location: string;
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
  /** Rules of the project, optionally of one group, oldest first. */
  listRules(project: string, securityGroupId?: string): Promise<RuleRecord[]>;
  /** Releases the connection; the backend is unusable afterwards. */
  close(): Promise<void>;
}
