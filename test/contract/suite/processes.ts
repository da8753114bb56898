/** Several processes against one fresh backend: migrated once, no lost writes, one winner for a shared name. */
import { describe, expect, it } from "vitest";
import type { GroupState } from "../../../provider/backends/types";
import { runChildren, type Outcome } from "../children";
import { PROJECT, EGRESS_ANY, MIGRATED, newGroup, type Contract } from "./context";

export function processesContract(contract: Contract): void {
  const { open, repetitions: REPETITIONS } = contract;
  describe("several processes", () => {
    it.each(REPETITIONS)("repetition %i: two processes starting at once against a fresh backend both succeed and migrate once", async () => {
      const reports = await runChildren(
        contract.target,
        [0, 1].map((i) => ({
          batches: [[{ method: "createGroup", args: [newGroup(`from-${i}`, { defaultRules: EGRESS_ANY })] }]],
          close: true,
        })),
      );
      expect(reports.map((r) => r.results.map((o) => o.ok))).toEqual([[true], [true]]);
      expect(await contract.target.schema()).toEqual(MIGRATED);
      const b = await open();
      expect((await b.listGroups(PROJECT)).map((g) => g.name)).toEqual(["from-0", "from-1"]);
      expect(await b.listRules(PROJECT)).toHaveLength(4);
    });

    it("4 processes creating groups on one fresh backend: no lost writes, one winner for a shared name", async () => {
      const jobs = [0, 1, 2, 3].map((i) => ({
        batches: [
          ...Array.from({ length: 10 }, (_, j) => [
            { method: "createGroup" as const, args: [newGroup(`p${i}-g${j}`, { defaultRules: EGRESS_ANY })] },
          ]),
          [{ method: "createGroup" as const, args: [newGroup("shared", { description: `by ${i}` })] }],
        ],
        close: true,
      }));
      const results = (await runChildren(contract.target, jobs)).map((r) => r.results);
      for (const [i, r] of results.entries()) {
        const created = r.slice(0, 10);
        expect(created.filter((o) => !o.ok)).toEqual([]);
        expect(created.map((o) => (o.ok ? (o.value as GroupState).group.name : undefined))).toEqual(
          Array.from({ length: 10 }, (_, j) => `p${i}-g${j}`),
        );
      }
      const shared = results.map((r) => r[10]!);
      const winners = shared.filter((o): o is Extract<Outcome, { ok: true }> => o.ok);
      const losers = shared.filter((o): o is Extract<Outcome, { ok: false }> => !o.ok);
      expect(winners).toHaveLength(1);
      expect(losers.map((o) => o.code)).toEqual(["SG_NAME_TAKEN", "SG_NAME_TAKEN", "SG_NAME_TAKEN"]);

      const b = await open();
      const list = await b.listGroups(PROJECT);
      expect(list).toHaveLength(41);
      expect(list.filter((g) => g.name === "shared")).toHaveLength(1);
      expect(list.find((g) => g.name === "shared")!.id).toBe((winners[0]!.value as GroupState).group.id);
      expect(await b.listRules(PROJECT)).toHaveLength(80);
      expect(await b.checkIntegrity()).toEqual([]);
      expect(await contract.target.schema()).toEqual(MIGRATED);
    });
  });
}
