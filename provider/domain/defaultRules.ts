/**
 * The rules the cloud makes by itself, once: the rules every new group gets (Neutron: egress to any,
 * one per family; none on rackspace) and the rules of the profile's default groups (e.g. openstack's
 * `default`: ingress from its own members, egress to any). The SQL store inserts exactly these, and
 * the preview report's replay plans exactly these.
 */
import type { DefaultGroupRule, DefaultRuleSpec, NewRule } from "./model";
import { canonicalRuleOf, ruleKey } from "./rules";

/** The rules a new group of the profile gets, unless the program drops them (`deleteDefaultRules`). */
export function newGroupDefaultRules(profile: { newGroupRules: readonly DefaultRuleSpec[] }): DefaultRuleSpec[] {
  return profile.newGroupRules.map((r) => ({ direction: r.direction, ethertype: r.ethertype }));
}

/** A default rule of group `groupId` as it is stored: every protocol, port and remote of its family. */
export function defaultRuleOf(groupId: string, spec: DefaultRuleSpec): NewRule {
  return {
    securityGroupId: groupId,
    direction: spec.direction,
    ethertype: spec.ethertype,
    protocol: null,
    portRangeMin: null,
    portRangeMax: null,
    remoteIpPrefix: null,
    remoteGroupId: null,
    remoteSubnetId: null,
    description: "",
    key: ruleKey({ securityGroupId: groupId, direction: spec.direction, ethertype: spec.ethertype, protocol: "any", description: "" }),
  };
}

/** A rule of a profile's default group `groupId` as it is stored, with its duplicate key. */
export function defaultGroupRuleOf(groupId: string, rule: DefaultGroupRule): NewRule {
  const { remoteMembers, ...fields } = rule;
  const stored = { ...fields, securityGroupId: groupId, remoteGroupId: remoteMembers ? groupId : null };
  return { ...stored, key: ruleKey(canonicalRuleOf({ ...stored, id: "", project: "", isDefault: true, createdAt: "", updatedAt: "" })) };
}
