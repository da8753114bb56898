/** Several connections in one process: each sees the other's writes, one winner of concurrent creates, migrations run once. */
import { describe, expect, it } from "vitest";
import type { RuleRecord } from "../../../provider/backends/types";
import { SecgroupsError } from "../../../provider/errors";
import { rule } from "../../support/backend";
import { PROJECT, EGRESS_ANY, NO_LIMITS, SSH, MIGRATED, newGroup, type Contract } from "./context";

export function connectionsContract(contract: Contract): void {
  const { open } = contract;
  describe("several connections in one process", () => {
    it("two connections see each other's writes", async () => {
      const a = await open();
      const b = await open();
      const ga = await a.createGroup(newGroup("from-a", { defaultRules: EGRESS_ANY }));
      expect((await b.getGroup(PROJECT, ga.group.id))?.group.name).toBe("from-a");
      expect(await b.listRules(PROJECT, ga.group.id)).toHaveLength(2);

      const gb = await b.createGroup(newGroup("from-b"));
      expect((await a.listGroups(PROJECT)).map((g) => g.name)).toEqual(["from-a", "from-b"]);

      await b.updateGroup(PROJECT, ga.group.id, { description: "changed by b" });
      expect((await a.getGroup(PROJECT, ga.group.id))?.group.description).toBe("changed by b");

      expect(await a.deleteGroup(PROJECT, gb.group.id)).toBe(true);
      expect(await b.findGroupByName(PROJECT, "from-b")).toBeUndefined();
    });

    it("lets exactly one of concurrent creates of the same name win, across two connections", async () => {
      const a = await open();
      const b = await open();
      const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).createGroup(newGroup("shared"))));
      const fulfilled = results.filter((r) => r.status === "fulfilled");
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expect(fulfilled).toHaveLength(1);
      expect(rejected).toHaveLength(7);
      for (const r of rejected) {
        expect(r.reason).toBeInstanceOf(SecgroupsError);
        expect((r.reason as SecgroupsError).code).toBe("SG_NAME_TAKEN");
      }
      expect(await a.listGroups(PROJECT)).toHaveLength(1);
    });

    it("exactly one of two identical rules from two connections is created", async () => {
      const b1 = await open();
      const b2 = await open();
      const { group } = await b1.createGroup(newGroup("web"));
      const results = await Promise.allSettled([
        b1.createRule(rule(group.id, SSH), NO_LIMITS),
        b2.createRule(rule(group.id, { ...SSH, protocol: 6, description: "other" }), NO_LIMITS),
      ]);
      const fulfilled = results.filter((r): r is PromiseFulfilledResult<RuleRecord> => r.status === "fulfilled");
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expect(fulfilled).toHaveLength(1);
      expect(rejected).toHaveLength(1);
      const err = rejected[0]!.reason as SecgroupsError;
      expect(err).toBeInstanceOf(SecgroupsError);
      expect(err.code).toBe("SG_RULE_EXISTS");
      expect(err.message).toContain(fulfilled[0]!.value.id);
      expect(await b1.listRules(PROJECT, group.id)).toEqual([fulfilled[0]!.value]);
      expect(await b2.listRules(PROJECT, group.id)).toEqual([fulfilled[0]!.value]);
      expect((await b2.getGroup(PROJECT, group.id))!.group.revisionNumber).toBe(1);
    });

    it("many identical rules from two connections: one wins, the group's revision counts it once", async () => {
      const b1 = await open();
      const b2 = await open();
      const { group } = await b1.createGroup(newGroup("web"));
      const attempts = Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? b1 : b2).createRule(rule(group.id, { ...SSH, description: `d${i}` }), NO_LIMITS),
      );
      const results = await Promise.allSettled(attempts);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const codes = results.filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => (r.reason as SecgroupsError).code);
      expect(codes).toEqual(Array.from({ length: 9 }, () => "SG_RULE_EXISTS"));
      expect(await b1.listRules(PROJECT, group.id)).toHaveLength(1);
      expect((await b1.getGroup(PROJECT, group.id))!.group.revisionNumber).toBe(1);
    });

    it("two connections opening a fresh backend at once both succeed and migrate once", async () => {
      const [x, y] = await Promise.all([open(), open()]);
      expect(await Promise.all([x.listGroups(PROJECT), y.listGroups(PROJECT)])).toEqual([[], []]);
      const g = await x.createGroup(newGroup("web", { defaultRules: EGRESS_ANY }));
      expect((await y.getGroup(PROJECT, g.group.id))?.group.name).toBe("web");
      // A third connection later migrates nothing.
      const z = await open();
      expect(await z.listRules(PROJECT, g.group.id)).toHaveLength(2);
      expect(await contract.target.schema()).toEqual(MIGRATED);
    });

    it("opens a backend again without re-running migrations, and finds what it holds", async () => {
      const b1 = await open();
      const g = await b1.createGroup(newGroup("web", { defaultRules: EGRESS_ANY }));
      await b1.close();

      const b2 = await open();
      expect((await b2.getGroup(PROJECT, g.group.id))?.group.name).toBe("web");
      await b2.close();
      const b3 = await open();
      expect(await b3.listGroups(PROJECT)).toHaveLength(1);
      expect(await b3.listRules(PROJECT)).toHaveLength(2);
      await b3.close();
      expect(await contract.target.schema()).toEqual(MIGRATED);
    });
  });
}
