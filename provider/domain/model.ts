/**
 * The cloud's records, as every layer sees them: what the state backend stores and returns, what
 * the policy decides on, and what the exposure model is built from. Plain data, no behaviour; the
 * backends keep only their interface (`backends/types.ts`) and their own inputs.
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
  /** URN of the program resource that manages the rule (created or adopted it); absent: none. */
  managedBy?: string;
}

/** A rule the profile gives every new group: all protocols, ports and remotes of one family. */
export interface DefaultRuleSpec {
  direction: Direction;
  ethertype: Ethertype;
}

/** What a rule is, without its identity and bookkeeping: its group, the traffic it matches (null = any), its remote, its description. */
export type RuleFields = Pick<
  RuleRecord,
  | "securityGroupId"
  | "direction"
  | "ethertype"
  | "protocol"
  | "portRangeMin"
  | "portRangeMax"
  | "remoteIpPrefix"
  | "remoteGroupId"
  | "remoteSubnetId"
  | "description"
>;

/** A rule to create: canonical fields (null = any) and its duplicate key from the domain core. */
export type NewRule = RuleFields &
  Pick<RuleRecord, "managedBy"> & {
    /** `ruleKey()` of the rule: equal keys are duplicates. */
    key: string;
    /** Idempotency key of this create request (the store keeps it with the object); a retry with it returns the first result. */
    clientToken?: string;
  };

/** A server's state: BUILD until it has booted, then ACTIVE; ERROR when it failed. */
export type ServerStatus = "BUILD" | "ACTIVE" | "ERROR";

/** A network as stored (built-in or private). */
export interface NetworkRecord {
  id: string;
  project: string;
  name: string;
  subnets: string[];
  builtin: boolean;
  createdAt: string;
}

/** A server's port on one network, with the groups it carries. */
export interface PortRecord {
  id: string;
  serverId: string;
  networkId: string;
  networkName: string;
  fixedIp: string;
  /** Groups on the port, sorted by id. */
  securityGroupIds: string[];
}

/** A server as stored, with its ports. */
export interface ServerRecord {
  id: string;
  project: string;
  name: string;
  status: ServerStatus;
  /** When the simulated boot ends (ISO 8601 UTC). */
  activeAt: string;
  createdAt: string;
  updatedAt: string;
  ports: PortRecord[];
}

/** An attachment of one group to a server's ports (one network, or every attachable one). */
export interface AttachmentRecord {
  id: string;
  project: string;
  serverId: string;
  securityGroupId: string;
  /** The network the attachment was made for; null: every attachable network of the server. */
  networkId: string | null;
  portIds: string[];
  createdAt: string;
}

/** The profile's attachment rules, checked inside the transaction that changes a port. */
export interface AttachmentPolicy {
  /** Name of the profile, for messages. */
  profile: string;
  /** Most groups on one port; absent: unlimited. */
  groupsPerPort?: number;
  /** Names of the only networks whose ports take groups; absent: all. */
  attachableNetworks?: string[];
  /** Fewest groups a server must keep. */
  minGroupsPerServer: number;
  /** Whether servers may get groups at launch. */
  groupsAtLaunch: boolean;
  /** Name of the default group a server launched without groups gets. */
  launchGroup?: string;
  /** Name of the default group a port holds only while it has no other group. */
  fallbackGroup?: string;
}

/** What a project gets the first time it is used: the profile's networks and default groups. */
export interface ProjectSetup {
  builtinNetworks: Array<{ name: string; id: string; subnets: string[] }>;
  defaultGroups: Array<{ name: string; description: string; rules: DefaultGroupRule[] }>;
}

/** A rule of one of the profile's default groups; `remoteMembers`: the remote is the group itself. */
export type DefaultGroupRule = Pick<
  RuleRecord,
  "direction" | "ethertype" | "protocol" | "portRangeMin" | "portRangeMax" | "remoteIpPrefix" | "remoteSubnetId" | "description"
> & {
  remoteMembers: boolean;
};
