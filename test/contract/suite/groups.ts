/** Groups: create with default rules, names unique per project, the group quota, update (revisions, renames, default rules), delete. */
import { describe, expect, it } from "vitest";
import { rejection, rule } from "../../support/backend";
import { PROJECT, EGRESS_ANY, NO_LIMITS, ISO, newGroup, type Contract } from "./context";

export function groupsContract(contract: Contract): void {
  const { open } = contract;
  describe("groups", () => {
    it("creates the default rules with the group and counts them in the revision", async () => {
      const b = await open();
      const state = await b.createGroup(newGroup("web", { description: "web servers", tags: ["zeta", "alpha", "mid"], defaultRules: EGRESS_ANY }));

      expect(state.group.revisionNumber).toBe(2);
      expect(state.group.tags).toEqual(["alpha", "mid", "zeta"]);
      expect(state.group.createdAt).toBe(state.group.updatedAt);
      expect(state.group.createdAt).toMatch(ISO);

      const rules = await b.listRules(PROJECT, state.group.id);
      expect(rules).toHaveLength(2);
      expect(rules.map((r) => r.ethertype).sort()).toEqual(["IPv4", "IPv6"]);
      for (const r of rules) {
        expect(r).toMatchObject({
          project: PROJECT,
          securityGroupId: state.group.id,
          direction: "egress",
          protocol: null,
          portRangeMin: null,
          portRangeMax: null,
          remoteIpPrefix: null,
          remoteGroupId: null,
          remoteSubnetId: null,
          description: "",
          isDefault: true,
        });
      }
      expect([...state.defaultRuleIds].sort()).toEqual(rules.map((r) => r.id).sort());
      expect(new Set(state.defaultRuleIds).size).toBe(2);

      // What is stored is what was returned.
      expect(await b.getGroup(PROJECT, state.group.id)).toEqual(state);
      expect((await b.findGroupByName(PROJECT, "web"))?.tags).toEqual(["alpha", "mid", "zeta"]);
    });

    it("starts a group without default rules at revision 0", async () => {
      const b = await open();
      const state = await b.createGroup(newGroup("web", { stateful: false }));
      expect(state.group.revisionNumber).toBe(0);
      expect(state.group.stateful).toBe(false);
      expect(state.defaultRuleIds).toEqual([]);
      expect(await b.listRules(PROJECT)).toEqual([]);
    });

    it("rejects a name already used in the project (SG_NAME_TAKEN), and accepts it in another project", async () => {
      const b = await open();
      const first = await b.createGroup(newGroup("web", { description: "web servers" }));

      const err = await rejection(b.createGroup(newGroup("web", { description: "other" })));
      expect(err.code).toBe("SG_NAME_TAKEN");
      expect(err.details.property).toBe("name");
      expect(err.message.startsWith("SG_NAME_TAKEN: ")).toBe(true);
      expect(err.message).toContain(first.group.id);

      const list = await b.listGroups(PROJECT);
      expect(list).toHaveLength(1);
      expect(list[0]!.description).toBe("web servers");

      const other = await b.createGroup(newGroup("web", { project: "proj-b" }));
      expect(other.group.project).toBe("proj-b");
      expect(other.group.name).toBe("web");
      expect(other.group.id).not.toBe(first.group.id);
      expect(await b.listGroups("proj-b")).toHaveLength(1);
      expect(await b.listGroups(PROJECT)).toHaveLength(1);
    });

    it("enforces the group quota (SG_QUOTA_EXCEEDED on project) and writes nothing when over it", async () => {
      const b = await open();
      await b.createGroup(newGroup("a", { groupQuota: 2, defaultRules: EGRESS_ANY }));
      await b.createGroup(newGroup("b", { groupQuota: 2, defaultRules: EGRESS_ANY }));

      const err = await rejection(b.createGroup(newGroup("c", { groupQuota: 2, defaultRules: EGRESS_ANY })));
      expect(err.code).toBe("SG_QUOTA_EXCEEDED");
      expect(err.details.property).toBe("project");

      expect((await b.listGroups(PROJECT)).map((g) => g.name)).toEqual(["a", "b"]);
      expect(await b.findGroupByName(PROJECT, "c")).toBeUndefined();
      expect(await b.listRules(PROJECT)).toHaveLength(4);

      // The quota is per project.
      const elsewhere = await b.createGroup(newGroup("c", { project: "other", groupQuota: 2 }));
      expect(elsewhere.group.name).toBe("c");
    });

    it("lists groups by name in byte order", async () => {
      const b = await open();
      for (const n of ["b", "a", "B", "_x", "A"]) await b.createGroup(newGroup(n));
      expect((await b.listGroups(PROJECT)).map((g) => g.name)).toEqual(["A", "B", "_x", "a", "b"]);
    });

    it("updateGroup bumps the revision by one and updatedAt strictly, even immediately after create", async () => {
      const b = await open();
      const created = await b.createGroup(newGroup("web", { defaultRules: EGRESS_ANY }));
      const first = await b.updateGroup(PROJECT, created.group.id, { description: "changed" });
      const second = await b.updateGroup(PROJECT, created.group.id, { description: "changed again" });

      expect(first.group.description).toBe("changed");
      expect(first.group.revisionNumber).toBe(3);
      expect(first.group.updatedAt > created.group.updatedAt).toBe(true);
      expect(first.group.createdAt).toBe(created.group.createdAt);
      expect(second.group.revisionNumber).toBe(4);
      expect(second.group.updatedAt > first.group.updatedAt).toBe(true);
      expect(second.defaultRuleIds).toEqual(created.defaultRuleIds);

      expect(await b.getGroup(PROJECT, created.group.id)).toEqual(second);
    });

    it("updateGroup rejects a rename onto an existing name (SG_NAME_TAKEN) and leaves the group unchanged", async () => {
      const b = await open();
      const taken = await b.createGroup(newGroup("taken"));
      const g = await b.createGroup(newGroup("mine", { tags: ["t"] }));

      const err = await rejection(b.updateGroup(PROJECT, g.group.id, { name: "taken", description: "new", tags: ["u"] }));
      expect(err.code).toBe("SG_NAME_TAKEN");
      expect(err.details.property).toBe("name");
      expect(err.message).toContain(taken.group.id);

      expect(await b.getGroup(PROJECT, g.group.id)).toEqual(g);
      expect((await b.listGroups(PROJECT)).map((x) => x.name)).toEqual(["mine", "taken"]);
    });

    it("updateGroup allows renaming a group to its own name", async () => {
      const b = await open();
      const g = await b.createGroup(newGroup("same"));
      const u = await b.updateGroup(PROJECT, g.group.id, { name: "same", tags: ["b", "a"] });
      expect(u.group.name).toBe("same");
      expect(u.group.tags).toEqual(["a", "b"]);
      expect(u.group.revisionNumber).toBe(1);
    });

    it("updateGroup reports SG_NOT_FOUND for a missing id and for a group of another project", async () => {
      const b = await open();
      const g = await b.createGroup(newGroup("web", { description: "web servers" }));

      const missing = await rejection(b.updateGroup(PROJECT, "no-such-id", { description: "x" }));
      expect(missing.code).toBe("SG_NOT_FOUND");
      expect(missing.details.property).toBe("id");

      const wrongProject = await rejection(b.updateGroup("other", g.group.id, { description: "x" }));
      expect(wrongProject.code).toBe("SG_NOT_FOUND");
      expect((await b.getGroup(PROJECT, g.group.id))?.group.description).toBe("web servers");
    });

    it("updateGroup deletes the default rules (revision +1 +2) and recreates them", async () => {
      const b = await open();
      const created = await b.createGroup(newGroup("web", { defaultRules: EGRESS_ANY }));
      expect(created.group.revisionNumber).toBe(2);

      const removed = await b.updateGroup(PROJECT, created.group.id, { deleteDefaultRules: true });
      expect(removed.group.revisionNumber).toBe(5);
      expect(removed.defaultRuleIds).toEqual([]);
      expect(await b.listRules(PROJECT, created.group.id)).toEqual([]);

      const restored = await b.updateGroup(PROJECT, created.group.id, { deleteDefaultRules: false, defaultRules: EGRESS_ANY });
      expect(restored.group.revisionNumber).toBe(8);
      expect(restored.defaultRuleIds).toHaveLength(2);
      const rules = await b.listRules(PROJECT, created.group.id);
      expect(rules.map((r) => `${r.direction}/${r.ethertype}/${r.isDefault}`).sort()).toEqual(["egress/IPv4/true", "egress/IPv6/true"]);
      expect([...restored.defaultRuleIds].sort()).toEqual(rules.map((r) => r.id).sort());
      // New rules, not the old ids.
      for (const id of restored.defaultRuleIds) expect(created.defaultRuleIds).not.toContain(id);

      // false again while the rules exist: no duplicates, only the plain +1.
      const again = await b.updateGroup(PROJECT, created.group.id, { deleteDefaultRules: false, defaultRules: EGRESS_ANY });
      expect(again.group.revisionNumber).toBe(9);
      expect(await b.listRules(PROJECT, created.group.id)).toHaveLength(2);
    });

    it("restoring default rules next to an equal user rule fails with SG_RULE_EXISTS on deleteDefaultRules, not a raw database error", async () => {
      const b = await open();
      const g = await b.createGroup(newGroup("web"));
      const mine = await b.createRule(rule(g.group.id, { direction: "egress", description: "mine" }), NO_LIMITS);
      expect(mine).toMatchObject({ direction: "egress", ethertype: "IPv4", protocol: null, remoteIpPrefix: null, isDefault: false });
      const err = await rejection(b.updateGroup(PROJECT, g.group.id, { deleteDefaultRules: false, defaultRules: EGRESS_ANY }));
      expect(err.code).toBe("SG_RULE_EXISTS");
      expect(err.details.property).toBe("deleteDefaultRules");
      expect(err.message).toContain(mine.id);
      expect((await b.listRules(PROJECT, g.group.id)).map((r) => r.id)).toEqual([mine.id]);
    });

    it("deleteGroup returns true then false and removes the group's rules only", async () => {
      const b = await open();
      const g = await b.createGroup(newGroup("web", { defaultRules: EGRESS_ANY }));
      const keep = await b.createGroup(newGroup("keep", { defaultRules: EGRESS_ANY }));
      expect(await b.listRules(PROJECT)).toHaveLength(4);

      expect(await b.deleteGroup(PROJECT, g.group.id)).toBe(true);
      expect(await b.deleteGroup(PROJECT, g.group.id)).toBe(false);

      expect(await b.getGroup(PROJECT, g.group.id)).toBeUndefined();
      expect(await b.listRules(PROJECT, g.group.id)).toEqual([]);
      const left = await b.listRules(PROJECT);
      expect(left).toHaveLength(2);
      expect(left.every((r) => r.securityGroupId === keep.group.id)).toBe(true);
      expect((await b.listGroups(PROJECT)).map((x) => x.name)).toEqual(["keep"]);
    });

    it("deleteGroup does not delete a group through another project", async () => {
      const b = await open();
      const g = await b.createGroup(newGroup("web"));
      expect(await b.deleteGroup("other", g.group.id)).toBe(false);
      expect((await b.getGroup(PROJECT, g.group.id))?.group.id).toBe(g.group.id);
    });
  });
}
