/** 50 concurrent attachment creates at one rackspace port that takes 5, over connections in one process and across processes. */
import { describe, expect, it } from "vitest";
import type { AttachmentRecord } from "../../../provider/backends/types";
import { attachmentPolicy } from "../../../provider/domain/profiles";
import { rejection } from "../../support/backend";
import { outcomesOf, runChildren, type Call, type Outcome } from "../children";
import { PROJECT, PUBLICNET, RACKSPACE, newGroup, newServer, type Contract } from "./context";

/** The 50-attachment race: groups racing for one rackspace PublicNet port that takes 5. */
const RACERS = 50;
const LIMIT = 5;
const PROCESSES = 4;
const CONNECTIONS = 4;

/** Deals `items` round-robin into `n` nearly equal slices (13, 13, 12, 12 for 50 over 4). */
function slices<T>(items: T[], n: number): T[][] {
  const out: T[][] = Array.from({ length: n }, () => []);
  items.forEach((item, i) => out[i % n]!.push(item));
  return out;
}

export function racesContract(contract: Contract): void {
  const { open, project, repetitions: REPETITIONS } = contract;
  describe("50 concurrent attachment creates at one rackspace port", () => {
    const POLICY = attachmentPolicy(RACKSPACE);

    interface Scene {
      serverId: string;
      publicPortId: string;
      groupIds: string[];
    }

    /** The rackspace project, 50 groups and one ACTIVE server on PublicNet. */
    async function scene(): Promise<Scene> {
      const b = await project(RACKSPACE);
      const groupIds: string[] = [];
      for (let i = 0; i < RACERS; i++) groupIds.push((await b.createGroup(newGroup(`g${String(i).padStart(2, "0")}`))).group.id);
      const server = await b.createServer(newServer("web-1", ["PublicNet"]), POLICY);
      expect(server.status).toBe("ACTIVE");
      expect(server.ports).toHaveLength(1);
      const port = server.ports[0]!;
      expect(port.networkId).toBe(PUBLICNET);
      expect(port.securityGroupIds).toEqual([]);
      return { serverId: server.id, publicPortId: port.id, groupIds };
    }

    /** The call that attaches `groupId` to the scene's server on PublicNet. */
    function attach(s: Scene, groupId: string): Call {
      return { method: "createAttachment", args: [PROJECT, s.serverId, groupId, "PublicNet", POLICY] };
    }

    /**
     * Exactly 5 winners, 45 SG_LIMIT_GROUPS_PER_PORT losers (never SQLITE_BUSY, a serialization
     * failure or anything else), and the port holds exactly the 5 winners. `outcomes[i]` is the
     * outcome of attaching `groupIds[i]`.
     */
    async function expectLimitHeld(s: Scene, groupIds: string[], outcomes: Outcome[]): Promise<void> {
      expect(outcomes).toHaveLength(RACERS);
      expect(new Set(groupIds)).toEqual(new Set(s.groupIds));

      const failed = outcomes.filter((o): o is Extract<Outcome, { ok: false }> => !o.ok);
      const unexpected = failed.filter((o) => o.code !== "SG_LIMIT_GROUPS_PER_PORT").map((o) => `${o.code ?? o.name}: ${o.message}`);
      expect(unexpected).toEqual([]);
      for (const o of failed) {
        expect(o.property).toBe("securityGroupId");
        expect(o.message).toContain("web-1");
        expect(o.message).toContain("PublicNet");
        expect(o.message).toContain("rackspace");
      }

      const won = outcomes.flatMap((o, i) => (o.ok ? [{ groupId: groupIds[i]!, attachment: o.value as AttachmentRecord }] : []));
      expect(won).toHaveLength(LIMIT);
      expect(failed).toHaveLength(RACERS - LIMIT);
      for (const w of won) {
        expect(w.attachment).toMatchObject({ serverId: s.serverId, securityGroupId: w.groupId, networkId: PUBLICNET, portIds: [s.publicPortId] });
      }

      // What is stored, read through a fresh connection.
      const reader = await open();
      const server = await reader.getServer(PROJECT, s.serverId);
      expect(server?.ports).toHaveLength(1);
      expect(server!.ports[0]!.securityGroupIds).toEqual(won.map((w) => w.groupId).sort());
      for (const w of won) expect(await reader.getAttachment(PROJECT, w.attachment.id)).toEqual(w.attachment);
      expect((await reader.listAttachments(PROJECT)).map((a) => a.id).sort()).toEqual(won.map((w) => w.attachment.id).sort());
      expect(await reader.checkIntegrity()).toEqual([]);
      // The port is full: one more is refused too.
      const extra = await reader.createGroup(newGroup("extra"));
      const after = await rejection(reader.createAttachment(PROJECT, s.serverId, extra.group.id, "PublicNet", POLICY));
      expect(after.code).toBe("SG_LIMIT_GROUPS_PER_PORT");
    }

    it.each(REPETITIONS)("repetition %i: exactly 5 succeed over 4 connections in one process", async () => {
      const s = await scene();
      const connections = await Promise.all(Array.from({ length: CONNECTIONS }, () => open()));
      const settled = await Promise.allSettled(
        s.groupIds.map((g, i) => connections[i % CONNECTIONS]!.createAttachment(PROJECT, s.serverId, g, "PublicNet", POLICY)),
      );
      await expectLimitHeld(s, s.groupIds, outcomesOf(settled));
    });

    it.each(REPETITIONS)("repetition %i: exactly 5 succeed across 4 processes", async () => {
      const s = await scene();
      const parts = slices(s.groupIds, PROCESSES);
      expect(parts.map((p) => p.length)).toEqual([13, 13, 12, 12]);
      const reports = await runChildren(
        contract.target,
        parts.map((p) => ({ batches: [p.map((g) => attach(s, g))], close: true })),
      );
      await expectLimitHeld(
        s,
        parts.flat(),
        reports.flatMap((r) => r.results),
      );
    });
  });
}
