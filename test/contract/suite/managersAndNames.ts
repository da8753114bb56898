/** Managers and names: the URN that manages a rule, a group's project by id, groups named instead of by id. */
import { describe, expect, it } from "vitest";
import { attachmentPolicy } from "../../../provider/domain/profiles";
import { rejection, rule } from "../../support/backend";
import { PROJECT, OPENSTACK, EVROC, NO_LIMITS, SSH, sshOn, newGroup, newServer, portOn, groupsOn, type Contract } from "./context";

export function managersAndNamesContract(contract: Contract): void {
  const { open, project } = contract;
  describe("managers and names", () => {
    it("records the URN that manages a rule at create, changes it on adoption, and leaves default rules unmanaged", async () => {
      const b = await open();
      const g = await b.createGroup(newGroup("web", { defaultRules: OPENSTACK.newGroupRules }));
      const urn = "urn:pulumi:dev::shop::pulumi-nodejs:dynamic/secgroups:SecurityGroupRule::ssh";
      const managed = await b.createRule({ ...rule(g.group.id, SSH), managedBy: urn }, NO_LIMITS);
      expect(managed.managedBy).toBe(urn);
      const byHand = await b.createRule(rule(g.group.id, sshOn(443)), NO_LIMITS);
      expect(byHand.managedBy).toBeUndefined();
      const all = await b.listRules(PROJECT, g.group.id);
      expect(all.map((r) => [r.isDefault, r.managedBy ?? null])).toEqual([
        [true, null],
        [true, null],
        [false, urn],
        [false, null],
      ]);
      await b.setRuleManagedBy(PROJECT, byHand.id, "urn:pulumi:dev::shop::x::https");
      expect((await b.getRule(PROJECT, byHand.id))!.managedBy).toBe("urn:pulumi:dev::shop::x::https");
      // Another project's rule is not touched by an update in this one.
      await b.setRuleManagedBy("other", managed.id, "urn:other");
      expect((await b.getRule(PROJECT, managed.id))!.managedBy).toBe(urn);
    });

    it("finds a group's project by its id", async () => {
      const b = await open();
      const g = await b.createGroup(newGroup("web", { project: "proj-b" }));
      expect(await b.groupProject(g.group.id)).toBe("proj-b");
      expect(await b.groupProject("no-such-group")).toBeUndefined();
    });

    it("takes a group of the server's project by name in an attachment, a swap and a launch, and stores its id", async () => {
      const b = await project(EVROC);
      const evroc = attachmentPolicy(EVROC);
      const ssh = (await b.findGroupByName(PROJECT, "default-allow-ssh"))!;
      const web = (await b.findGroupByName(PROJECT, "default-allow-web-protocols"))!;
      const s = await b.createServer(newServer("vm-1", ["public"]), evroc);
      const a = await b.createAttachment(PROJECT, s.id, "default-allow-ssh", null, evroc);
      expect(a.securityGroupId).toBe(ssh.id);
      expect(await groupsOn(b, s.id, "public")).toEqual([ssh.id]);
      const swapped = await b.swapAttachment(PROJECT, a.id, "default-allow-web-protocols", evroc);
      expect(swapped.securityGroupId).toBe(web.id);
      expect(await groupsOn(b, s.id, "public")).toEqual([web.id]);
      const launched = await b.createServer(newServer("vm-2", ["public"], { securityGroupIds: ["default-allow-ssh"] }), evroc);
      expect(portOn(launched, "public").securityGroupIds).toEqual([ssh.id]);
      const missing = await rejection(b.createAttachment(PROJECT, s.id, "no-such-group", null, evroc));
      expect(missing.code).toBe("SG_GROUP_NOT_FOUND");
      expect(missing.details.property).toBe("securityGroupId");
    });
  });
}
