/** Client tokens: a create retried with the same token returns what the first attempt made. */
import { describe, expect, it } from "vitest";
import { attachmentPolicy } from "../../../provider/domain/profiles";
import { rejection, rule } from "../../support/backend";
import { PROJECT, OPENSTACK, EGRESS_ANY, NO_LIMITS, SSH, newGroup, newServer, type Contract } from "./context";

export function clientTokensContract(contract: Contract): void {
  const { project } = contract;
  describe("client tokens: a create retried after a crash returns what the first attempt made", () => {
    const TOKEN = "urn:pulumi:dev::p::pulumi-nodejs:dynamic/secgroups:X::x#0123456789abcdef0123456789abcdef";

    it("group, rule, network, server and attachment: same token → same object, nothing new; another token → the usual error", async () => {
      const b = await project(OPENSTACK);
      const policy = attachmentPolicy(OPENSTACK);
      const g = await b.createGroup(newGroup("web", { defaultRules: EGRESS_ANY, clientToken: `${TOKEN}g` }));
      expect(await b.createGroup(newGroup("web", { defaultRules: EGRESS_ANY, clientToken: `${TOKEN}g` }))).toEqual(g);
      expect((await rejection(b.createGroup(newGroup("web", { clientToken: `${TOKEN}other` })))).code).toBe("SG_NAME_TAKEN");

      const r = await b.createRule({ ...rule(g.group.id, SSH), clientToken: `${TOKEN}r` }, NO_LIMITS);
      expect(await b.createRule({ ...rule(g.group.id, SSH), clientToken: `${TOKEN}r` }, NO_LIMITS)).toEqual(r);
      expect((await rejection(b.createRule({ ...rule(g.group.id, SSH), clientToken: `${TOKEN}r2` }, NO_LIMITS))).code).toBe("SG_RULE_EXISTS");
      // The retry did not bump the group's revision a second time: 2 default rules + 1 rule.
      expect((await b.getGroup(PROJECT, g.group.id))!.group.revisionNumber).toBe(3);

      const n = await b.createNetwork(PROJECT, "private", ["10.9.0.0/24"], `${TOKEN}n`);
      expect(await b.createNetwork(PROJECT, "private", ["10.9.0.0/24"], `${TOKEN}n`)).toEqual(n);

      const s = await b.createServer(newServer("web-1", ["private"], { clientToken: `${TOKEN}s` }), policy);
      expect((await b.createServer(newServer("web-1", ["private"], { clientToken: `${TOKEN}s` }), policy)).id).toBe(s.id);
      // Servers are not name-unique: without the token the same request makes a second server.
      const other = await b.createServer(newServer("web-1", ["private"], { clientToken: `${TOKEN}s2` }), policy);
      expect(other.id).not.toBe(s.id);
      expect((await b.listServers(PROJECT)).map((x) => x.id).sort()).toEqual([s.id, other.id].sort());

      const a = await b.createAttachment(PROJECT, s.id, g.group.id, null, policy, `${TOKEN}a`);
      expect(await b.createAttachment(PROJECT, s.id, g.group.id, null, policy, `${TOKEN}a`)).toEqual(a);
      expect((await rejection(b.createAttachment(PROJECT, s.id, g.group.id, null, policy, `${TOKEN}a2`))).code).toBe("SG_ALREADY_ATTACHED");
      expect(await b.listAttachments(PROJECT)).toEqual([a]);
      expect(await b.checkIntegrity()).toStrictEqual([]);
    });

    it("once forgotten (the engine recorded the object), the same token makes a new object", async () => {
      const b = await project(OPENSTACK);
      const policy = attachmentPolicy(OPENSTACK);
      const s = await b.createServer(newServer("web-1", ["public"], { clientToken: TOKEN }), policy);
      await b.forgetClientToken(PROJECT, s.id, "Server");
      await b.forgetClientToken(PROJECT, s.id, "Server"); // nothing left to forget: a no-op
      expect((await b.createServer(newServer("web-1", ["public"], { clientToken: TOKEN }), policy)).id).not.toBe(s.id);
      const g = await b.createGroup(newGroup("web", { clientToken: TOKEN }));
      await b.forgetClientToken(PROJECT, g.group.id, "SecurityGroup");
      expect((await rejection(b.createGroup(newGroup("web", { clientToken: TOKEN })))).code).toBe("SG_NAME_TAKEN");
      // Forgetting in another project touches nothing here.
      const kept = await b.createGroup(newGroup("app", { clientToken: `${TOKEN}app` }));
      await b.forgetClientToken("other", kept.group.id, "SecurityGroup");
      expect((await b.createGroup(newGroup("app", { clientToken: `${TOKEN}app` }))).group.id).toBe(kept.group.id);
      // Given the object's type, only that type's object is forgotten: another type's leaves it.
      await b.forgetClientToken(PROJECT, kept.group.id, "SecurityGroupRule");
      expect((await b.createGroup(newGroup("app", { clientToken: `${TOKEN}app` }))).group.id).toBe(kept.group.id);
      await b.forgetClientToken(PROJECT, kept.group.id, "SecurityGroup");
      expect((await rejection(b.createGroup(newGroup("app", { clientToken: `${TOKEN}app` })))).code).toBe("SG_NAME_TAKEN");
    });

    it("a token only counts in its project", async () => {
      const b = await project(OPENSTACK);
      const g = await b.createGroup(newGroup("web", { clientToken: TOKEN }));
      const elsewhere = await b.createGroup(newGroup("web", { project: "other", clientToken: TOKEN }));
      expect(elsewhere.group.id).not.toBe(g.group.id);
      expect(elsewhere.group.project).toBe("other");
    });
  });
}
