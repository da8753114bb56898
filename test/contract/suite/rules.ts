/** Rules: create as given, duplicates by key (default rules included), missing groups, the per-group and per-project quotas, delete, description updates. */
import { describe, expect, it } from "vitest";
import type { RuleLimits, RuleRecord, StateBackend } from "../../../provider/backends/types";
import type { RuleInput } from "../../../provider/domain/rules";
import { SecgroupsError } from "../../../provider/errors";
import { rejection, rule } from "../../support/backend";
import { PROJECT, EGRESS_ANY, NO_LIMITS, ISO, UUID, SSH, sshOn, newGroup, type Contract } from "./context";

/**
 * Runs `attempt`, which must fail with a SecgroupsError, and expects it to have written nothing:
 * the project's rules and the group `groupId` are as they were. Returns the error.
 */
async function refusedWritingNothing(b: StateBackend, groupId: string, attempt: () => Promise<unknown>): Promise<SecgroupsError> {
  const rules = await b.listRules(PROJECT);
  const group = (await b.getGroup(PROJECT, groupId))!.group;
  const err = await rejection(attempt());
  expect(await b.listRules(PROJECT)).toEqual(rules);
  expect((await b.getGroup(PROJECT, groupId))!.group).toEqual(group);
  return err;
}

export function rulesContract(contract: Contract): void {
  const { open } = contract;
  describe("rules", () => {
    it("createRule stores the rule as given and bumps the group's revision by 1 and its updatedAt", async () => {
      const b = await open();
      const { group } = await b.createGroup(newGroup("web", { defaultRules: EGRESS_ANY }));
      expect(group.revisionNumber).toBe(2);

      const created = await b.createRule(rule(group.id, SSH), NO_LIMITS);
      expect(created).toEqual({
        id: created.id,
        project: PROJECT,
        securityGroupId: group.id,
        direction: "ingress",
        ethertype: "IPv4",
        protocol: "tcp",
        portRangeMin: 22,
        portRangeMax: 22,
        remoteIpPrefix: "10.0.0.0/8",
        remoteGroupId: null,
        remoteSubnetId: null,
        description: "ssh",
        isDefault: false,
        createdAt: created.createdAt,
        updatedAt: created.createdAt,
      });
      expect(created.id).toMatch(UUID);
      expect(created.createdAt).toMatch(ISO);
      expect(await b.getRule(PROJECT, created.id)).toEqual(created);
      expect(await b.getRule("other", created.id)).toBeUndefined();

      const after = (await b.getGroup(PROJECT, group.id))!.group;
      expect(after.revisionNumber).toBe(3);
      expect(after.updatedAt).toMatch(ISO);
      expect(Date.parse(after.updatedAt)).toBeGreaterThan(Date.parse(group.updatedAt));
      expect({ ...after, revisionNumber: 0, updatedAt: "" }).toEqual({ ...group, revisionNumber: 0, updatedAt: "" });

      const second = await b.createRule(rule(group.id, sshOn(443)), NO_LIMITS);
      const after2 = (await b.getGroup(PROJECT, group.id))!.group;
      expect(after2.revisionNumber).toBe(4);
      expect(Date.parse(after2.updatedAt)).toBeGreaterThan(Date.parse(after.updatedAt));
      expect((await b.listRules(PROJECT, group.id)).filter((r) => !r.isDefault).map((r) => r.id)).toEqual([created.id, second.id]);
    });

    it("createRule stores any protocol as null and keeps ICMP type and code, remote groups and IPv6", async () => {
      const b = await open();
      const { group } = await b.createGroup(newGroup("web"));
      const { group: other } = await b.createGroup(newGroup("db"));
      const any = await b.createRule(rule(group.id, { remoteGroupId: other.id }), NO_LIMITS);
      expect(any).toMatchObject({
        protocol: null,
        portRangeMin: null,
        portRangeMax: null,
        remoteIpPrefix: null,
        remoteGroupId: other.id,
        ethertype: "IPv4",
      });
      const icmp = await b.createRule(rule(group.id, { protocol: "icmp", portRangeMin: 8, portRangeMax: 0, remoteIpPrefix: "::/0" }), NO_LIMITS);
      expect(icmp).toMatchObject({ protocol: "ipv6-icmp", portRangeMin: 8, portRangeMax: 0, remoteIpPrefix: "::/0", ethertype: "IPv6" });
      expect(await b.getRule(PROJECT, icmp.id)).toEqual(icmp);
      expect((await b.getGroup(PROJECT, group.id))!.group.revisionNumber).toBe(2);
      expect((await b.getGroup(PROJECT, other.id))!.group.revisionNumber).toBe(0);
    });

    it("createRule refuses a duplicate (same key) with SG_RULE_EXISTS naming the existing rule, writing nothing", async () => {
      const b = await open();
      const { group } = await b.createGroup(newGroup("web"));
      const first = await b.createRule(rule(group.id, SSH), NO_LIMITS);
      const before = (await b.getGroup(PROJECT, group.id))!.group;

      // Same rule in Neutron's eyes: another description, protocol by number, port spelled the same.
      const dup = rule(group.id, { ...SSH, protocol: 6, description: "another description" });
      expect(dup.key).toBe(rule(group.id, SSH).key);
      const err = await rejection(b.createRule(dup, NO_LIMITS));
      expect(err.code).toBe("SG_RULE_EXISTS");
      expect(err.message.startsWith("SG_RULE_EXISTS: ")).toBe(true);
      expect(err.message).toContain(first.id);

      expect(await b.listRules(PROJECT, group.id)).toEqual([first]);
      expect((await b.getGroup(PROJECT, group.id))!.group).toEqual(before);
    });

    it("createRule treats 0.0.0.0/0 and no remote as the same; 1-65535 and no ports as the same", async () => {
      const b = await open();
      const { group } = await b.createGroup(newGroup("web"));
      const web = await b.createRule(rule(group.id, { protocol: "tcp", portRangeMin: 80, portRangeMax: 80 }), NO_LIMITS);
      const err = await rejection(
        b.createRule(rule(group.id, { protocol: "TCP", portRangeMin: 80, portRangeMax: 80, remoteIpPrefix: "0.0.0.0/0" }), NO_LIMITS),
      );
      expect(err.code).toBe("SG_RULE_EXISTS");
      expect(err.message).toContain(web.id);

      const all = await b.createRule(rule(group.id, { protocol: "udp" }), NO_LIMITS);
      const err2 = await rejection(b.createRule(rule(group.id, { protocol: 17, portRangeMin: 1, portRangeMax: 65535 }), NO_LIMITS));
      expect(err2.code).toBe("SG_RULE_EXISTS");
      expect(err2.message).toContain(all.id);
      expect(await b.listRules(PROJECT, group.id)).toEqual([web, all]);
    });

    it("createRule accepts rules that differ in direction, ethertype, ports, protocol, remote or group", async () => {
      const b = await open();
      const { group } = await b.createGroup(newGroup("web"));
      const { group: other } = await b.createGroup(newGroup("other"));
      const variants: Array<[string, RuleInput]> = [
        [group.id, SSH],
        [group.id, { ...SSH, direction: "egress" }],
        [group.id, sshOn(23)],
        [group.id, { ...SSH, protocol: "udp" }],
        [group.id, { ...SSH, remoteIpPrefix: "10.0.0.0/16" }],
        [group.id, { ...SSH, remoteIpPrefix: "2001:db8::/32" }],
        [group.id, { ...SSH, remoteIpPrefix: undefined, remoteGroupId: other.id }],
        [other.id, SSH],
      ];
      const ids = [];
      for (const [g, input] of variants) ids.push((await b.createRule(rule(g, input), NO_LIMITS)).id);
      expect(new Set(ids).size).toBe(variants.length);
      expect(await b.listRules(PROJECT)).toHaveLength(variants.length);
    });

    it("a rule duplicating a default egress rule → SG_RULE_EXISTS that explains the default rule and deleteDefaultRules", async () => {
      const b = await open();
      const state = await b.createGroup(newGroup("web", { defaultRules: EGRESS_ANY }));
      const defaults = await b.listRules(PROJECT, state.group.id);
      const v4 = defaults.find((r) => r.ethertype === "IPv4")!;
      const v6 = defaults.find((r) => r.ethertype === "IPv6")!;

      for (const [input, existing] of [
        [{ direction: "egress" }, v4],
        [{ direction: "egress", remoteIpPrefix: "0.0.0.0/0", description: "all out" }, v4],
        [{ direction: "egress", protocol: "any", ethertype: "IPv6" }, v6],
        [{ direction: "egress", remoteIpPrefix: "::/0" }, v6],
      ] as Array<[RuleInput, RuleRecord]>) {
        const err = await rejection(b.createRule(rule(state.group.id, input), NO_LIMITS));
        expect(err.code).toBe("SG_RULE_EXISTS");
        expect(err.message).toContain("default");
        expect(err.message).toContain("deleteDefaultRules");
        expect(err.message).toContain(existing.id);
      }
      expect(await b.listRules(PROJECT, state.group.id)).toEqual(defaults);
      expect((await b.getGroup(PROJECT, state.group.id))!.group.revisionNumber).toBe(2);

      // Egress with a narrower remote, or ingress, is not a duplicate.
      await b.createRule(rule(state.group.id, { direction: "egress", remoteIpPrefix: "10.0.0.0/8" }), NO_LIMITS);
      await b.createRule(rule(state.group.id, {}), NO_LIMITS);
      expect(await b.listRules(PROJECT, state.group.id)).toHaveLength(4);
    });

    it("a missing group → SG_GROUP_NOT_FOUND on securityGroupId", async () => {
      const b = await open();
      const err = await rejection(b.createRule(rule("no-such-group", SSH), NO_LIMITS));
      expect(err.code).toBe("SG_GROUP_NOT_FOUND");
      expect(err.details.property).toBe("securityGroupId");
      expect(err.message.startsWith("SG_GROUP_NOT_FOUND: ")).toBe(true);
      expect(err.message).toContain("no-such-group");
      expect(await b.listRules(PROJECT)).toEqual([]);
    });

    it("a missing remote group (or one of another project) → SG_GROUP_NOT_FOUND on remoteGroupId", async () => {
      const b = await open();
      const { group } = await b.createGroup(newGroup("web"));
      const { group: foreign } = await b.createGroup(newGroup("x", { project: "elsewhere" }));
      for (const remote of ["no-such-group", foreign.id]) {
        const err = await rejection(b.createRule(rule(group.id, { protocol: "tcp", remoteGroupId: remote }), NO_LIMITS));
        expect(err.code).toBe("SG_GROUP_NOT_FOUND");
        expect(err.details.property).toBe("remoteGroupId");
        expect(err.message).toContain(remote);
      }
      expect(await b.listRules(PROJECT)).toEqual([]);
      expect((await b.getGroup(PROJECT, group.id))!.group.revisionNumber).toBe(0);
      // A group may name itself as the remote.
      const self = await b.createRule(rule(group.id, { remoteGroupId: group.id }), NO_LIMITS);
      expect(self.remoteGroupId).toBe(group.id);
    });

    it("rulesPerGroup: SG_QUOTA_EXCEEDED once the group holds that many rules (defaults count), nothing written", async () => {
      const b = await open();
      const { group } = await b.createGroup(newGroup("web", { defaultRules: EGRESS_ANY }));
      const { group: other } = await b.createGroup(newGroup("other"));
      const limits: RuleLimits = { profile: "rackspace", rulesPerGroup: 3 };
      await b.createRule(rule(group.id, SSH), limits);

      const err = await refusedWritingNothing(b, group.id, () => b.createRule(rule(group.id, sshOn(80)), limits));
      expect(err.code).toBe("SG_QUOTA_EXCEEDED");
      expect(err.message.startsWith("SG_QUOTA_EXCEEDED: ")).toBe(true);
      expect(err.message).toContain("3");
      expect(err.message).toContain("rackspace");

      // Another group of the project has room of its own.
      await b.createRule(rule(other.id, SSH), limits);
      await b.createRule(rule(other.id, sshOn(80)), limits);
      await b.createRule(rule(other.id, sshOn(443)), limits);
      expect((await rejection(b.createRule(rule(other.id, sshOn(8080)), limits))).code).toBe("SG_QUOTA_EXCEEDED");
      expect(await b.listRules(PROJECT, other.id)).toHaveLength(3);
    });

    it("rulesPerProject: SG_QUOTA_EXCEEDED counting every group of the project (only that project), nothing written", async () => {
      const b = await open();
      const { group: a } = await b.createGroup(newGroup("a", { defaultRules: EGRESS_ANY }));
      const { group: c } = await b.createGroup(newGroup("c"));
      const { group: foreign } = await b.createGroup(newGroup("f", { project: "elsewhere", defaultRules: EGRESS_ANY }));
      const limits: RuleLimits = { profile: "openstack", rulesPerProject: 4 };
      await b.createRule(rule(a.id, SSH), limits);
      await b.createRule(rule(c.id, SSH), limits);
      expect(await b.listRules(PROJECT)).toHaveLength(4);

      const err = await refusedWritingNothing(b, c.id, () => b.createRule(rule(c.id, sshOn(80)), limits));
      expect(err.code).toBe("SG_QUOTA_EXCEEDED");
      expect(err.message).toContain("4");

      // The other project's rules were never counted against this one.
      await b.createRule(rule(foreign.id, SSH), limits);
      await b.createRule(rule(foreign.id, sshOn(80)), limits);
      expect((await rejection(b.createRule(rule(foreign.id, sshOn(443)), limits))).code).toBe("SG_QUOTA_EXCEEDED");
    });

    it("rulesPerProject: deleting a rule, a group's default rules or a group frees quota, recreated defaults take it; the kept count stays exact", async () => {
      // Regression test for the kept rule count (migration 6), which replaced a COUNT over the project.
      const b = await open();
      const limits: RuleLimits = { profile: "openstack", rulesPerProject: 5 };
      const { group: a } = await b.createGroup(newGroup("a", { defaultRules: EGRESS_ANY }));
      const { group: c } = await b.createGroup(newGroup("c", { defaultRules: EGRESS_ANY }));
      const ssh = await b.createRule(rule(a.id, SSH), limits); // 5 rules
      expect((await rejection(b.createRule(rule(c.id, SSH), limits))).code).toBe("SG_QUOTA_EXCEEDED");
      expect(await b.deleteRule(PROJECT, ssh.id)).toBe(true); // 4
      await b.createRule(rule(c.id, SSH), limits); // 5
      await b.updateGroup(PROJECT, a.id, { deleteDefaultRules: true }); // 3
      await b.createRule(rule(a.id, sshOn(80)), limits); // 4
      await b.updateGroup(PROJECT, c.id, { deleteDefaultRules: true }); // 2
      await b.updateGroup(PROJECT, c.id, { deleteDefaultRules: false, defaultRules: EGRESS_ANY }); // 4
      await b.createRule(rule(a.id, sshOn(443)), limits); // 5
      expect((await rejection(b.createRule(rule(c.id, sshOn(80)), limits))).code).toBe("SG_QUOTA_EXCEEDED");
      expect(await b.deleteGroup(PROJECT, a.id)).toBe(true); // 3
      await b.createRule(rule(c.id, sshOn(80)), limits); // 4
      await b.createRule(rule(c.id, sshOn(443)), limits); // 5
      expect((await rejection(b.createRule(rule(c.id, sshOn(8080)), limits))).code).toBe("SG_QUOTA_EXCEEDED");
      expect(await b.listRules(PROJECT)).toHaveLength(5);
      expect(await b.checkIntegrity()).toEqual([]);
    });

    it("a duplicate is reported as SG_RULE_EXISTS even when the quota is full", async () => {
      const b = await open();
      const { group } = await b.createGroup(newGroup("web"));
      const first = await b.createRule(rule(group.id, SSH), { profile: "rackspace", rulesPerGroup: 1 });
      const err = await rejection(b.createRule(rule(group.id, SSH), { profile: "rackspace", rulesPerGroup: 1 }));
      expect(err.code).toBe("SG_RULE_EXISTS");
      expect(err.message).toContain(first.id);
    });

    it("deleteRule deletes, bumps the group's revision and updatedAt, returns true then false", async () => {
      const b = await open();
      const { group } = await b.createGroup(newGroup("web"));
      const r = await b.createRule(rule(group.id, SSH), NO_LIMITS);
      const keep = await b.createRule(rule(group.id, sshOn(80)), NO_LIMITS);
      const before = (await b.getGroup(PROJECT, group.id))!.group;
      expect(before.revisionNumber).toBe(2);

      expect(await b.deleteRule("other-project", r.id)).toBe(false);
      expect((await b.getGroup(PROJECT, group.id))!.group).toEqual(before);

      expect(await b.deleteRule(PROJECT, r.id)).toBe(true);
      const after = (await b.getGroup(PROJECT, group.id))!.group;
      expect(after.revisionNumber).toBe(3);
      expect(Date.parse(after.updatedAt)).toBeGreaterThan(Date.parse(before.updatedAt));
      expect(await b.getRule(PROJECT, r.id)).toBeUndefined();
      expect(await b.listRules(PROJECT, group.id)).toEqual([keep]);

      expect(await b.deleteRule(PROJECT, r.id)).toBe(false);
      expect((await b.getGroup(PROJECT, group.id))!.group).toEqual(after);
    });

    it("deleteRule frees the key: the same rule can be created again", async () => {
      const b = await open();
      const { group } = await b.createGroup(newGroup("web"));
      const r = await b.createRule(rule(group.id, SSH), NO_LIMITS);
      expect(await b.deleteRule(PROJECT, r.id)).toBe(true);
      const again = await b.createRule(rule(group.id, SSH), NO_LIMITS);
      expect(again.id).not.toBe(r.id);
      expect((await b.getGroup(PROJECT, group.id))!.group.revisionNumber).toBe(3);
    });

    it("deleting a default rule frees its key", async () => {
      const b = await open();
      const state = await b.createGroup(newGroup("web", { defaultRules: EGRESS_ANY }));
      const [first] = state.defaultRuleIds;
      const removed = (await b.getRule(PROJECT, first!))!;
      expect(await b.deleteRule(PROJECT, first!)).toBe(true);
      const recreated = await b.createRule(rule(state.group.id, { direction: "egress", ethertype: removed.ethertype }), NO_LIMITS);
      expect(recreated).toMatchObject({ direction: "egress", ethertype: removed.ethertype, protocol: null, isDefault: false });
      expect((await b.getGroup(PROJECT, state.group.id))!.group.revisionNumber).toBe(4);
    });

    it("updateRuleDescription changes only the description (and updatedAt)", async () => {
      const b = await open();
      const { group } = await b.createGroup(newGroup("web"));
      const r = await b.createRule(rule(group.id, SSH), NO_LIMITS);
      const other = await b.createRule(rule(group.id, sshOn(80)), NO_LIMITS);

      const updated = await b.updateRuleDescription(PROJECT, r.id, "ssh from the office");
      expect(updated).toEqual({ ...r, description: "ssh from the office", updatedAt: updated.updatedAt });
      expect(updated.updatedAt).toMatch(ISO);
      expect(Date.parse(updated.updatedAt)).toBeGreaterThan(Date.parse(r.updatedAt));
      expect(updated.createdAt).toBe(r.createdAt);
      expect(await b.getRule(PROJECT, r.id)).toEqual(updated);
      expect(await b.getRule(PROJECT, other.id)).toEqual(other);

      // Still the same rule for duplicate purposes.
      const err = await rejection(b.createRule(rule(group.id, SSH), NO_LIMITS));
      expect(err.code).toBe("SG_RULE_EXISTS");
      expect(err.message).toContain(r.id);

      const again = await b.updateRuleDescription(PROJECT, r.id, "");
      expect(again).toEqual({ ...r, description: "", updatedAt: again.updatedAt });
      expect(Date.parse(again.updatedAt)).toBeGreaterThan(Date.parse(updated.updatedAt));
    });

    it("updateRuleDescription: SG_NOT_FOUND for a missing rule or another project's rule", async () => {
      const b = await open();
      const { group } = await b.createGroup(newGroup("web"));
      const r = await b.createRule(rule(group.id, SSH), NO_LIMITS);
      for (const [p, id] of [
        [PROJECT, "no-such-rule"],
        ["other", r.id],
      ] as const) {
        const err = await rejection(b.updateRuleDescription(p, id, "x"));
        expect(err.code).toBe("SG_NOT_FOUND");
        expect(err.details.property).toBe("id");
      }
      expect(await b.getRule(PROJECT, r.id)).toEqual(r);
    });
  });
}
