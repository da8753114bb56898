/** Names are data: quotes, wildcards, backslashes and non-ASCII stored verbatim and matched exactly, listed in byte order. */
import { describe, expect, it } from "vitest";
import type { GroupState, RuleRecord } from "../../../provider/backends/types";
import { attachmentPolicy } from "../../../provider/domain/profiles";
import { rejection, rule } from "../../support/backend";
import { PROJECT, OPENSTACK, RACKSPACE, NO_LIMITS, newGroup, newServer, type Contract } from "./context";

/**
 * Names that break naive SQL: quotes, semicolons, LIKE wildcards, backslashes, whitespace and
 * non-ASCII (combining marks, emoji, CJK). Each must be stored and read back byte for byte.
 */
const AWKWARD = [
  `it's a "quoted" name`,
  "semi;colon'); DROP TABLE security_groups; --",
  "100% _under_score_",
  "back\\slash \\' \\\" \\\\",
  "Ünïcødé 🚀 名前",
  "tab\tnew\nline  ",
  "%",
  "_",
];

/** `names` in byte order of their UTF-8 encoding (SQLite's BINARY, PostgreSQL's "C" collation). */
function byteOrder(names: string[]): string[] {
  return [...names].sort((x, y) => Buffer.compare(Buffer.from(x, "utf8"), Buffer.from(y, "utf8")));
}

export function namesAreDataContract(contract: Contract): void {
  const { open, project } = contract;
  describe("names are data, never SQL or patterns", () => {
    it("stores group names, descriptions and tags with quotes, semicolons, %, _, backslashes and non-ASCII verbatim", async () => {
      const b = await open();
      const created: GroupState[] = [];
      for (const [i, text] of AWKWARD.entries()) {
        const state = await b.createGroup(newGroup(text, { description: `about ${text}`, tags: [text, `tag-${i}`] }));
        expect(state.group).toMatchObject({ name: text, description: `about ${text}`, tags: [text, `tag-${i}`].sort() });
        created.push(state);
      }
      for (const [i, text] of AWKWARD.entries()) {
        expect(await b.getGroup(PROJECT, created[i]!.group.id)).toEqual(created[i]);
        expect(await b.findGroupByName(PROJECT, text)).toEqual(created[i]!.group);
      }
      expect((await b.listGroups(PROJECT)).map((g) => g.name)).toEqual(byteOrder(AWKWARD));
      // Every table survived the names that look like SQL.
      expect(await b.listRules(PROJECT)).toEqual([]);

      // An exact duplicate is SG_NAME_TAKEN, and the error shows the name as it was given.
      const dup = await rejection(b.createGroup(newGroup(AWKWARD[1]!)));
      expect(dup.code).toBe("SG_NAME_TAKEN");
      expect(dup.details.value).toBe(AWKWARD[1]);

      // Renamed and re-described through updateGroup, still verbatim.
      const renamed = await b.updateGroup(PROJECT, created[0]!.group.id, {
        name: AWKWARD[4]! + AWKWARD[0]!,
        description: AWKWARD[3]!,
        tags: [AWKWARD[5]!],
      });
      expect(renamed.group).toMatchObject({ name: AWKWARD[4]! + AWKWARD[0]!, description: AWKWARD[3], tags: [AWKWARD[5]] });
      expect(await b.getGroup(PROJECT, created[0]!.group.id)).toEqual(renamed);
      expect(await b.findGroupByName(PROJECT, AWKWARD[0]!)).toBeUndefined();
    });

    it("finds names by exact value only: % and _ are no wildcards; case, spaces and Unicode normalization count", async () => {
      const b = await project(RACKSPACE);
      const web = (await b.createGroup(newGroup("web"))).group;
      const abc = (await b.createGroup(newGroup("abc"))).group;
      for (const probe of ["we_", "w%", "%", "_eb", "___", "%b", "a_c", "a%", "WEB", "Web", "web ", " web"]) {
        expect(await b.findGroupByName(PROJECT, probe), probe).toBeUndefined();
      }
      expect(await b.findGroupByName(PROJECT, "web")).toEqual(web);
      expect(await b.findGroupByName(PROJECT, "abc")).toEqual(abc);
      expect(await b.getNetwork(PROJECT, "Public%")).toBeUndefined();
      expect(await b.getNetwork(PROJECT, "_ublicNet")).toBeUndefined();
      expect(await b.getNetwork(PROJECT, "publicnet")).toBeUndefined();
      expect(await b.getNetwork(PROJECT, "0000%")).toBeUndefined();

      // So these are all new names, not SG_NAME_TAKEN.
      const lookalikes = ["we_", "w%", "WEB", "web ", "a_c"];
      for (const n of lookalikes) expect((await b.createGroup(newGroup(n))).group.name).toBe(n);
      expect((await b.updateGroup(PROJECT, abc.id, { name: "ab_" })).group.name).toBe("ab_");
      expect(await b.findGroupByName(PROJECT, "abc")).toBeUndefined();

      // "café" composed (NFC) and decomposed (NFD) are two names, each read back as written.
      const nfc = "caf\u00e9";
      const nfd = "cafe\u0301";
      const g1 = (await b.createGroup(newGroup(nfc))).group;
      const g2 = (await b.createGroup(newGroup(nfd))).group;
      expect(g1.id).not.toBe(g2.id);
      expect((await b.findGroupByName(PROJECT, nfc))!.id).toBe(g1.id);
      expect((await b.findGroupByName(PROJECT, nfd))!.id).toBe(g2.id);
      expect((await b.getGroup(PROJECT, g2.id))!.group.name).toBe(nfd);
      expect((await b.listGroups(PROJECT)).map((g) => g.name)).toEqual(byteOrder(["web", "ab_", ...lookalikes, nfc, nfd]));

      // Project names match exactly too (they may hold _ and .).
      for (const p of ["pro_", "pro%", "proj_", "PROJ", "proj."]) expect(await b.listGroups(p), p).toEqual([]);
      await b.createGroup(newGroup("web", { project: "proj_" }));
      expect(await b.listGroups(PROJECT)).toHaveLength(9);
      expect((await b.listGroups("proj_")).map((g) => g.name)).toEqual(["web"]);
    });

    it("stores network and server names with quotes, semicolons, %, _, backslashes and non-ASCII verbatim", async () => {
      const b = await project(OPENSTACK);
      const policy = attachmentPolicy(OPENSTACK);
      const def = (await b.findGroupByName(PROJECT, "default"))!.id;
      for (const [i, text] of AWKWARD.entries()) {
        const net = await b.createNetwork(PROJECT, text, [`10.${i}.0.0/24`]);
        expect(net).toMatchObject({ project: PROJECT, name: text, subnets: [`10.${i}.0.0/24`], builtin: false });
        expect(await b.getNetwork(PROJECT, text)).toEqual(net);
        expect(await b.getNetwork(PROJECT, net.id)).toEqual(net);

        const server = await b.createServer(newServer(`${text} server`, [text]), policy);
        expect(server.name).toBe(`${text} server`);
        expect(server.ports).toEqual([
          { id: server.ports[0]!.id, serverId: server.id, networkId: net.id, networkName: text, fixedIp: `10.${i}.0.2`, securityGroupIds: [def] },
        ]);
        expect(await b.getServer(PROJECT, server.id)).toEqual(server);
      }
      const taken = await rejection(b.createNetwork(PROJECT, AWKWARD[2]!, ["10.99.0.0/24"]));
      expect(taken.code).toBe("SG_NAME_TAKEN");
      expect(await b.getNetwork(PROJECT, "10%")).toBeUndefined();
      expect((await b.listServers(PROJECT)).map((s) => s.name)).toEqual(byteOrder(AWKWARD.map((t) => `${t} server`)));
    });

    it("stores rule descriptions with quotes, semicolons, %, _, backslashes and non-ASCII verbatim", async () => {
      const b = await open();
      const { group } = await b.createGroup(newGroup("web"));
      const rules: RuleRecord[] = [];
      for (const [i, text] of AWKWARD.entries()) {
        const r = await b.createRule(
          rule(group.id, { protocol: "tcp", portRangeMin: 1000 + i, portRangeMax: 1000 + i, description: text }),
          NO_LIMITS,
        );
        expect(r.description).toBe(text);
        expect(await b.getRule(PROJECT, r.id)).toEqual(r);
        rules.push(r);
      }
      // Oldest first; rules made in the same millisecond by id (listRules' ORDER BY created_at, id).
      const oldestFirst = [...rules].sort((x, y) => (x.createdAt === y.createdAt ? (x.id < y.id ? -1 : 1) : x.createdAt < y.createdAt ? -1 : 1));
      expect(await b.listRules(PROJECT, group.id)).toEqual(oldestFirst);
      const updated = await b.updateRuleDescription(PROJECT, rules[0]!.id, AWKWARD[4]!);
      expect(updated.description).toBe(AWKWARD[4]);
      expect((await b.getRule(PROJECT, rules[0]!.id))!.description).toBe(AWKWARD[4]);
    });

    it("lists groups in byte order of their UTF-8 names, non-ASCII included", async () => {
      const b = await open();
      // U+FF5E sorts before U+1F680 in UTF-8 (EF.. < F0..), after it in UTF-16 (FF5E > D83D).
      const names = ["z", "é", "Ünï", "名前", "🚀", "\uff5e", "~", "Z", "e"];
      for (const n of names) await b.createGroup(newGroup(n));
      const listed = (await b.listGroups(PROJECT)).map((g) => g.name);
      expect(listed).toEqual(["Z", "e", "z", "~", "Ünï", "é", "名前", "\uff5e", "🚀"]);
      expect(listed).toEqual(byteOrder(names));
    });
  });
}
