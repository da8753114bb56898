/**
 * The refusals every state backend gives in the same words, whichever enforces the rule (the SQL
 * store in its transaction, or Neutron through the openstack backend): a taken name, a duplicate
 * rule, a group still in use, an object that is gone or not found, a quota used up.
 */
import type { GroupRecord, RuleRecord } from "../domain/model";
import { SecgroupsError } from "../errors";
import { showValue } from "../text";

/** SG_NAME_TAKEN: the project has another group of this name. */
export function nameTaken(project: string, name: string, existing: Pick<GroupRecord, "id">): SecgroupsError {
  return new SecgroupsError("SG_NAME_TAKEN", {
    property: "name",
    problem: `project ${project} already has a security group named ${showValue(name)} (id ${existing.id})`,
    value: name,
    allowed: "a name no other group in the project uses",
    fix: `choose another name or another secgroups:project, or destroy group ${existing.id} in the stack that owns it`,
  });
}

/** SG_NOT_FOUND: a group the stack holds is gone. */
export function groupGone(project: string, id: string): SecgroupsError {
  return new SecgroupsError("SG_NOT_FOUND", {
    property: "id",
    problem: `security group ${id} does not exist in project ${project}`,
    value: id,
    fix: "run `pulumi refresh` to drop it from the stack, then `pulumi up` to create it again",
  });
}

/** SG_NOT_FOUND: a rule the stack holds is gone. */
export function ruleGone(project: string, id: string): SecgroupsError {
  return new SecgroupsError("SG_NOT_FOUND", {
    property: "id",
    problem: `security group rule ${id} does not exist in project ${project}`,
    value: id,
    fix: "run `pulumi refresh` to drop it from the stack, then `pulumi up` to create it again",
  });
}

/** SG_RULE_EXISTS: the group already has a rule with the same duplicate key. */
export function ruleExists(
  group: Pick<GroupRecord, "id" | "name">,
  existing: Pick<RuleRecord, "id" | "isDefault" | "direction" | "ethertype">,
): SecgroupsError {
  return new SecgroupsError("SG_RULE_EXISTS", {
    property: "",
    problem: existing.isDefault
      ? `group ${group.name} (${group.id}) already has this rule: it is the default ${existing.direction} ${existing.ethertype} rule ${existing.id} the group got when it was created`
      : `group ${group.name} (${group.id}) already has this rule: rule ${existing.id} (duplicates are compared without the description; tcp = 6; 0.0.0.0/0, ::/0 and no remote are the same)`,
    fix: existing.isDefault
      ? "set deleteDefaultRules: true on the group to manage its egress rules yourself, or drop this rule"
      : `drop this rule, or import rule ${existing.id} instead of creating it`,
  });
}

/** SG_IN_USE: a group that ports or other groups' rules still hold cannot be deleted. */
export function groupInUse(group: Pick<GroupRecord, "id" | "name">, holders: readonly string[]): SecgroupsError {
  return new SecgroupsError("SG_IN_USE", {
    property: "id",
    problem: `security group ${group.name} (${group.id}) is still in use by ${holders.join("; ")}`,
    value: group.id,
    fix: "detach the group from those ports and delete or change those rules first; nothing is removed automatically",
  });
}

/** SG_SERVER_NOT_FOUND, SG_NETWORK_NOT_FOUND or SG_GROUP_NOT_FOUND: a server, network or group a request names. */
export function notFound(
  code: "SG_SERVER_NOT_FOUND" | "SG_NETWORK_NOT_FOUND" | "SG_GROUP_NOT_FOUND",
  property: string,
  what: string,
  value: string,
  project: string,
): SecgroupsError {
  return new SecgroupsError(code, {
    property,
    problem: `${what} ${value} does not exist in project ${project}`,
    value,
    fix: `pass the id${what === "network" ? " or name" : ""} of an existing ${what} of the project`,
  });
}

/** SG_QUOTA_EXCEEDED: the project holds as many groups as its quota allows. */
export function groupQuotaFull(project: string, groups: number, quota: number): SecgroupsError {
  return new SecgroupsError("SG_QUOTA_EXCEEDED", {
    property: "project",
    problem: `project ${project} already holds ${groups} security groups, its quota`,
    value: project,
    allowed: `at most ${quota} security groups per project`,
    fix: "delete a group you no longer need, or use a profile with a larger quota",
  });
}

/** SG_QUOTA_EXCEEDED: the group holds as many rules as the profile allows one group. */
export function groupRulesFull(group: Pick<GroupRecord, "id" | "name">, rules: number, profile: string, limit: number): SecgroupsError {
  return new SecgroupsError("SG_QUOTA_EXCEEDED", {
    property: "securityGroupId",
    problem: `group ${group.name} (${group.id}) already has ${rules} rules, the limit of profile ${profile}`,
    value: group.id,
    allowed: `at most ${limit} rules per security group`,
    fix: "merge rules (port ranges, wider CIDRs) or spread them over another group",
  });
}

/** SG_QUOTA_EXCEEDED: the project holds as many rules as the profile's quota allows. */
export function projectRulesFull(project: string, groupId: string, rules: number, profile: string, quota: number): SecgroupsError {
  return new SecgroupsError("SG_QUOTA_EXCEEDED", {
    property: "securityGroupId",
    problem: `project ${project} already holds ${rules} rules, the quota of profile ${profile}`,
    value: groupId,
    allowed: `at most ${quota} rules per project`,
    fix: "delete rules you no longer need, or use a profile with a larger quota",
  });
}
