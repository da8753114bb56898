/**
 * The refusals every state backend gives in the same words, whichever enforces the rule (the SQL
 * store in its transaction, or Neutron through the openstack backend): a taken name, a duplicate
 * rule, a group still in use, an object that is gone.
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
