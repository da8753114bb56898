/** Attachments: the per-port group limit, attachable networks, server status, stateful mixes, swaps, per-profile fallback groups, groups in use. */
import { describe, expect, it } from "vitest";
import type { AttachmentPolicy, AttachmentRecord } from "../../../provider/backends/types";
import { attachmentPolicy } from "../../../provider/domain/profiles";
import { rejection, rule } from "../../support/backend";
import {
  PROJECT,
  PUBLICNET,
  SERVICENET,
  OPENSTACK,
  MESHCLOUD,
  RACKSPACE,
  EVROC,
  NO_LIMITS,
  newGroup,
  newServer,
  portOn,
  groupsOn,
  groups,
  type Contract,
} from "./context";

export function attachmentsContract(contract: Contract): void {
  const { project } = contract;
  describe("attachments", () => {
    const POLICY = attachmentPolicy(RACKSPACE);

    it("rackspace: takes five groups on a PublicNet port and refuses the sixth, naming server, network and profile; the limit is per port", async () => {
      const b = await project(RACKSPACE);
      const ids = await groups(b, 7);
      const s = await b.createServer(newServer("web-1", ["PublicNet", "ServiceNet"]), POLICY);
      const publicPort = portOn(s, "PublicNet");

      for (const g of ids.slice(0, 5)) {
        const a = await b.createAttachment(PROJECT, s.id, g, "PublicNet", POLICY);
        expect(a).toMatchObject({ project: PROJECT, serverId: s.id, securityGroupId: g, networkId: PUBLICNET, portIds: [publicPort.id] });
        expect(await b.getAttachment(PROJECT, a.id)).toEqual(a);
      }
      expect(await groupsOn(b, s.id, "PublicNet")).toEqual(ids.slice(0, 5).sort());

      const err = await rejection(b.createAttachment(PROJECT, s.id, ids[5]!, "PublicNet", POLICY));
      expect(err.code).toBe("SG_LIMIT_GROUPS_PER_PORT");
      expect(err.details.property).toBe("securityGroupId");
      expect(err.message).toContain("web-1");
      expect(err.message).toContain("PublicNet");
      expect(err.message).toContain("rackspace");
      expect(await groupsOn(b, s.id, "PublicNet")).toEqual(ids.slice(0, 5).sort());

      // By network id: the same port, the same limit.
      const byId = await rejection(b.createAttachment(PROJECT, s.id, ids[6]!, PUBLICNET, POLICY));
      expect(byId.code).toBe("SG_LIMIT_GROUPS_PER_PORT");
      expect(await groupsOn(b, s.id, "PublicNet")).toHaveLength(5);

      // The limit is per port: ServiceNet still takes groups.
      const svc = await b.createAttachment(PROJECT, s.id, ids[5]!, SERVICENET, POLICY);
      expect(svc.networkId).toBe(SERVICENET);
      expect(svc.portIds).toEqual([portOn(s, "ServiceNet").id]);
      expect(await groupsOn(b, s.id, "ServiceNet")).toEqual([ids[5]]);
      expect(await groupsOn(b, s.id, "PublicNet")).toEqual(ids.slice(0, 5).sort());
    });

    it("refuses a port on a private network (SG_NETWORK_NOT_ATTACHABLE)", async () => {
      const b = await project(RACKSPACE);
      await b.createNetwork(PROJECT, "backend", ["192.168.10.0/24"]);
      const [g] = await groups(b, 1);
      const s = await b.createServer(newServer("web-1", ["PublicNet", "backend"]), POLICY);
      const err = await rejection(b.createAttachment(PROJECT, s.id, g!, "backend", POLICY));
      expect(err.code).toBe("SG_NETWORK_NOT_ATTACHABLE");
      expect(err.details.property).toBe("network");
      expect(err.message).toContain("backend");
      expect(err.message).toContain("rackspace");
      expect(await groupsOn(b, s.id, "backend")).toEqual([]);
      expect(await groupsOn(b, s.id, "PublicNet")).toEqual([]);
    });

    it("refuses a server that is BUILD or ERROR (SG_SERVER_NOT_ACTIVE)", async () => {
      const b = await project(RACKSPACE);
      const [g] = await groups(b, 1);
      const booting = await b.createServer(newServer("booting", ["PublicNet"], { bootSeconds: 30 }), POLICY);
      const e1 = await rejection(b.createAttachment(PROJECT, booting.id, g!, "PublicNet", POLICY));
      expect(e1.code).toBe("SG_SERVER_NOT_ACTIVE");
      expect(e1.details.property).toBe("serverId");
      expect(e1.message).toContain("BUILD");
      expect(await groupsOn(b, booting.id, "PublicNet")).toEqual([]);

      const broken = await b.createServer(newServer("broken", ["PublicNet"]), POLICY);
      await b.setServerError(PROJECT, broken.id);
      const e2 = await rejection(b.createAttachment(PROJECT, broken.id, g!, "PublicNet", POLICY));
      expect(e2.code).toBe("SG_SERVER_NOT_ACTIVE");
      expect(e2.message).toContain("ERROR");
      expect(await groupsOn(b, broken.id, "PublicNet")).toEqual([]);
    });

    it("reports a missing server, group or network", async () => {
      const b = await project(RACKSPACE);
      const [g] = await groups(b, 1);
      const s = await b.createServer(newServer("web-1", ["PublicNet"]), POLICY);

      const noServer = await rejection(b.createAttachment(PROJECT, "no-such-server", g!, "PublicNet", POLICY));
      expect(noServer.code).toBe("SG_SERVER_NOT_FOUND");
      expect(noServer.details.property).toBe("serverId");
      const noGroup = await rejection(b.createAttachment(PROJECT, s.id, "no-such-group", "PublicNet", POLICY));
      expect(noGroup.code).toBe("SG_GROUP_NOT_FOUND");
      expect(noGroup.details.property).toBe("securityGroupId");
      const otherProject = await rejection(b.createAttachment("other", s.id, g!, "PublicNet", POLICY));
      expect(otherProject.code).toBe("SG_SERVER_NOT_FOUND");
      const noNetwork = await rejection(b.createAttachment(PROJECT, s.id, g!, "nowhere", POLICY));
      expect(noNetwork.code).toBe("SG_NETWORK_NOT_FOUND");
      expect(noNetwork.details.property).toBe("network");
      // ServiceNet exists, but the server has no port there.
      const noPort = await rejection(b.createAttachment(PROJECT, s.id, g!, "ServiceNet", POLICY));
      expect(noPort.code).toBe("SG_NETWORK_NOT_FOUND");
      expect(await groupsOn(b, s.id, "PublicNet")).toEqual([]);
    });

    it("refuses the same group twice on one port (SG_ALREADY_ATTACHED)", async () => {
      const b = await project(RACKSPACE);
      const [g] = await groups(b, 1);
      const s = await b.createServer(newServer("web-1", ["PublicNet"]), POLICY);
      const first = await b.createAttachment(PROJECT, s.id, g!, "PublicNet", POLICY);
      const err = await rejection(b.createAttachment(PROJECT, s.id, g!, "PublicNet", POLICY));
      expect(err.code).toBe("SG_ALREADY_ATTACHED");
      expect(err.details.property).toBe("securityGroupId");
      expect(err.message).toContain("web-1");
      expect(await groupsOn(b, s.id, "PublicNet")).toEqual([g]);
      expect(await b.getAttachment(PROJECT, first.id)).toEqual(first);
    });

    it("with network null attaches on every attachable network of the server, not on a private one", async () => {
      const b = await project(RACKSPACE);
      await b.createNetwork(PROJECT, "backend", ["192.168.10.0/24"]);
      const [g] = await groups(b, 1);
      const s = await b.createServer(newServer("web-1", ["PublicNet", "ServiceNet", "backend"]), POLICY);
      const a = await b.createAttachment(PROJECT, s.id, g!, null, POLICY);
      expect(a.networkId).toBeNull();
      expect(a.portIds).toEqual([portOn(s, "PublicNet").id, portOn(s, "ServiceNet").id].sort());
      expect(await groupsOn(b, s.id, "PublicNet")).toEqual([g]);
      expect(await groupsOn(b, s.id, "ServiceNet")).toEqual([g]);
      expect(await groupsOn(b, s.id, "backend")).toEqual([]);
      expect(await b.getAttachment(PROJECT, a.id)).toEqual(a);

      // A server on private networks only has nowhere to take a group.
      const hidden = await b.createServer(newServer("hidden", ["backend"]), POLICY);
      const err = await rejection(b.createAttachment(PROJECT, hidden.id, g!, null, POLICY));
      expect(err.code).toBe("SG_NETWORK_NOT_ATTACHABLE");
    });

    it("refuses stateful and stateless groups on one port (SG_STATEFUL_MIX), either way round", async () => {
      const b = await project(RACKSPACE);
      const stateful = (await b.createGroup(newGroup("stateful"))).group.id;
      const stateless = (await b.createGroup(newGroup("stateless", { stateful: false }))).group.id;
      const s1 = await b.createServer(newServer("web-1", ["PublicNet"]), POLICY);
      await b.createAttachment(PROJECT, s1.id, stateful, "PublicNet", POLICY);
      const e1 = await rejection(b.createAttachment(PROJECT, s1.id, stateless, "PublicNet", POLICY));
      expect(e1.code).toBe("SG_STATEFUL_MIX");
      expect(e1.details.property).toBe("securityGroupId");
      expect(e1.message).toContain("stateless");
      expect(await groupsOn(b, s1.id, "PublicNet")).toEqual([stateful]);

      const s2 = await b.createServer(newServer("web-2", ["PublicNet"]), POLICY);
      await b.createAttachment(PROJECT, s2.id, stateless, "PublicNet", POLICY);
      const e2 = await rejection(b.createAttachment(PROJECT, s2.id, stateful, "PublicNet", POLICY));
      expect(e2.code).toBe("SG_STATEFUL_MIX");
      expect(await groupsOn(b, s2.id, "PublicNet")).toEqual([stateless]);
    });

    it("refuses to flip stateful on an attached group (SG_IN_USE on stateful), and allows it once detached", async () => {
      const b = await project(RACKSPACE);
      const s = await b.createServer(newServer("web-1", ["PublicNet"]), POLICY);
      const g = await b.createGroup(newGroup("app"));
      const a = await b.createAttachment(PROJECT, s.id, g.group.id, "PublicNet", POLICY);
      const err = await rejection(b.updateGroup(PROJECT, g.group.id, { stateful: false }));
      expect(err.code).toBe("SG_IN_USE");
      expect(err.details.property).toBe("stateful");
      expect((await b.getGroup(PROJECT, g.group.id))?.group.stateful).toBe(true);
      expect(await b.deleteAttachment(PROJECT, a.id, POLICY)).toBe(true);
      expect((await b.updateGroup(PROJECT, g.group.id, { stateful: false })).group.stateful).toBe(false);
    });

    it("swapAttachment swaps a group on a full port in place: still five, old gone, new present", async () => {
      const b = await project(RACKSPACE);
      const ids = await groups(b, 6);
      const s = await b.createServer(newServer("web-1", ["PublicNet"]), POLICY);
      const attachments: AttachmentRecord[] = [];
      for (const g of ids.slice(0, 5)) attachments.push(await b.createAttachment(PROJECT, s.id, g, "PublicNet", POLICY));

      const before = attachments[2]!;
      const swapped = await b.swapAttachment(PROJECT, before.id, ids[5]!, POLICY);
      expect(swapped).toEqual({ ...before, securityGroupId: ids[5] });
      expect(await b.getAttachment(PROJECT, before.id)).toEqual(swapped);

      const now = await groupsOn(b, s.id, "PublicNet");
      expect(now).toHaveLength(5);
      expect(now).not.toContain(ids[2]);
      expect(now).toContain(ids[5]);
      expect(now).toEqual([...ids.slice(0, 2), ...ids.slice(3, 6)].sort());
      // The other attachments are untouched.
      for (const a of [attachments[0]!, attachments[1]!, attachments[3]!, attachments[4]!]) {
        expect(await b.getAttachment(PROJECT, a.id)).toEqual(a);
      }
      // The swapped-out group is free again.
      expect(await b.deleteGroup(PROJECT, ids[2]!)).toBe(true);
    });

    it("swapAttachment refuses a group already on the port (SG_ALREADY_ATTACHED) and changes nothing", async () => {
      const b = await project(RACKSPACE);
      const ids = await groups(b, 5);
      const s = await b.createServer(newServer("web-1", ["PublicNet"]), POLICY);
      const attachments: AttachmentRecord[] = [];
      for (const g of ids) attachments.push(await b.createAttachment(PROJECT, s.id, g, "PublicNet", POLICY));

      const err = await rejection(b.swapAttachment(PROJECT, attachments[0]!.id, ids[1]!, POLICY));
      expect(err.code).toBe("SG_ALREADY_ATTACHED");
      expect(err.details.property).toBe("securityGroupId");
      expect(await groupsOn(b, s.id, "PublicNet")).toEqual([...ids].sort());
      expect(await b.getAttachment(PROJECT, attachments[0]!.id)).toEqual(attachments[0]);

      const missingGroup = await rejection(b.swapAttachment(PROJECT, attachments[0]!.id, "no-such-group", POLICY));
      expect(missingGroup.code).toBe("SG_GROUP_NOT_FOUND");
      const missingAttachment = await rejection(b.swapAttachment(PROJECT, "no-such-attachment", ids[0]!, POLICY));
      expect(missingAttachment.code).toBe("SG_NOT_FOUND");
      expect(await groupsOn(b, s.id, "PublicNet")).toEqual([...ids].sort());
    });

    it("swapAttachment swaps on every port of a network-null attachment, and refuses a stateful mix", async () => {
      const b = await project(RACKSPACE);
      const [g1, g2, keep] = await groups(b, 3);
      const stateless = (await b.createGroup(newGroup("stateless", { stateful: false }))).group.id;
      const s = await b.createServer(newServer("web-1", ["PublicNet", "ServiceNet"]), POLICY);
      await b.createAttachment(PROJECT, s.id, keep!, "PublicNet", POLICY);
      const a = await b.createAttachment(PROJECT, s.id, g1!, null, POLICY);
      const swapped = await b.swapAttachment(PROJECT, a.id, g2!, POLICY);
      expect(swapped.portIds).toEqual(a.portIds);
      expect(await groupsOn(b, s.id, "PublicNet")).toEqual([g2!, keep!].sort());
      expect(await groupsOn(b, s.id, "ServiceNet")).toEqual([g2]);

      const err = await rejection(b.swapAttachment(PROJECT, a.id, stateless, POLICY));
      expect(err.code).toBe("SG_STATEFUL_MIX");
      expect(await groupsOn(b, s.id, "PublicNet")).toEqual([g2!, keep!].sort());
      expect(await groupsOn(b, s.id, "ServiceNet")).toEqual([g2]);
    });

    it("evroc: drops default-allow-egress when a custom group is attached and restores it when the last one goes", async () => {
      const b = await project(EVROC);
      const policy = attachmentPolicy(EVROC);
      const egress = (await b.findGroupByName(PROJECT, "default-allow-egress"))!.id;
      const [c1, c2] = await groups(b, 2, "custom");
      const s = await b.createServer(newServer("vm", ["public"]), policy);
      expect(portOn(s, "public").securityGroupIds).toEqual([egress]);

      const a1 = await b.createAttachment(PROJECT, s.id, c1!, "public", policy);
      expect(await groupsOn(b, s.id, "public")).toEqual([c1]);
      const a2 = await b.createAttachment(PROJECT, s.id, c2!, "public", policy);
      expect(await groupsOn(b, s.id, "public")).toEqual([c1!, c2!].sort());

      // One custom group left: no fallback.
      expect(await b.deleteAttachment(PROJECT, a1.id, policy)).toBe(true);
      expect(await groupsOn(b, s.id, "public")).toEqual([c2]);
      // The last one gone: the fallback is back.
      expect(await b.deleteAttachment(PROJECT, a2.id, policy)).toBe(true);
      expect(await groupsOn(b, s.id, "public")).toEqual([egress]);
      expect(await b.deleteAttachment(PROJECT, a2.id, policy)).toBe(false);
      expect(await b.getAttachment(PROJECT, a2.id)).toBeUndefined();

      // And it goes again with the next custom group.
      await b.createAttachment(PROJECT, s.id, c1!, null, policy);
      expect(await groupsOn(b, s.id, "public")).toEqual([c1]);
    });

    it("meshcloud: detaching an attached group leaves the launch group", async () => {
      const b = await project(MESHCLOUD);
      const policy = attachmentPolicy(MESHCLOUD);
      expect(policy.minGroupsPerServer).toBe(1);
      const def = (await b.findGroupByName(PROJECT, "default"))!.id;
      const [x] = await groups(b, 1, "x");
      const s = await b.createServer(newServer("vm", ["public"]), policy);
      expect(portOn(s, "public").securityGroupIds).toEqual([def]);

      const a = await b.createAttachment(PROJECT, s.id, x!, "public", policy);
      expect(await groupsOn(b, s.id, "public")).toEqual([def, x!].sort());
      expect(await b.deleteAttachment(PROJECT, a.id, policy)).toBe(true);
      expect(await groupsOn(b, s.id, "public")).toEqual([def]);
      expect(await b.getAttachment(PROJECT, a.id)).toBeUndefined();
    });

    it("deleteAttachment refuses to go below minGroupsPerServer (SG_MIN_GROUPS) and keeps the attachment", async () => {
      const b = await project(OPENSTACK);
      const policy: AttachmentPolicy = { ...attachmentPolicy(OPENSTACK), minGroupsPerServer: 2 };
      const def = (await b.findGroupByName(PROJECT, "default"))!.id;
      const [x] = await groups(b, 1, "x");
      // Launched under openstack's own policy (a launch below the minimum is refused).
      const s = await b.createServer(newServer("vm", ["public"]), attachmentPolicy(OPENSTACK));
      const a = await b.createAttachment(PROJECT, s.id, x!, "public", policy);
      expect(await groupsOn(b, s.id, "public")).toEqual([def, x!].sort());

      const err = await rejection(b.deleteAttachment(PROJECT, a.id, policy));
      expect(err.code).toBe("SG_MIN_GROUPS");
      expect(err.message).toContain("vm");
      expect(err.message).toContain("openstack");
      // Rolled back: the attachment and the port's groups are as they were.
      expect(await b.getAttachment(PROJECT, a.id)).toEqual(a);
      expect(await groupsOn(b, s.id, "public")).toEqual([def, x!].sort());

      // With a third group attached, one may go.
      const [y] = await groups(b, 1, "y");
      await b.createAttachment(PROJECT, s.id, y!, "public", policy);
      expect(await b.deleteAttachment(PROJECT, a.id, policy)).toBe(true);
      expect(await groupsOn(b, s.id, "public")).toEqual([def, y!].sort());
    });

    it("deleteGroup refuses an attached group (SG_IN_USE naming server and network) and deletes it once detached", async () => {
      const b = await project(RACKSPACE);
      const g = await b.createGroup(newGroup("web"));
      const s = await b.createServer(newServer("web-1", ["PublicNet"]), POLICY);
      const a = await b.createAttachment(PROJECT, s.id, g.group.id, "PublicNet", POLICY);

      const err = await rejection(b.deleteGroup(PROJECT, g.group.id));
      expect(err.code).toBe("SG_IN_USE");
      expect(err.details.property).toBe("id");
      expect(err.message).toContain("web-1");
      expect(err.message).toContain("PublicNet");
      expect(await b.getGroup(PROJECT, g.group.id)).toEqual(g);
      expect(await b.getAttachment(PROJECT, a.id)).toEqual(a);
      expect(await groupsOn(b, s.id, "PublicNet")).toEqual([g.group.id]);

      expect(await b.deleteAttachment(PROJECT, a.id, POLICY)).toBe(true);
      expect(await b.deleteGroup(PROJECT, g.group.id)).toBe(true);
      expect(await b.getGroup(PROJECT, g.group.id)).toBeUndefined();
    });

    it("deleteGroup refuses a group another group's rule points at (SG_IN_USE naming the rule) and deletes it once the rule is gone", async () => {
      const b = await project(OPENSTACK);
      const target = await b.createGroup(newGroup("db", { defaultRules: [{ direction: "egress", ethertype: "IPv4" }] }));
      const holder = await b.createGroup(newGroup("app"));
      const r = await b.createRule(
        rule(holder.group.id, { protocol: "tcp", portRangeMin: 5432, portRangeMax: 5432, remoteGroupId: target.group.id }),
        NO_LIMITS,
      );

      const err = await rejection(b.deleteGroup(PROJECT, target.group.id));
      expect(err.code).toBe("SG_IN_USE");
      expect(err.message).toContain(r.id);
      expect(err.message).toContain("app");
      expect((await b.getGroup(PROJECT, target.group.id))?.group.id).toBe(target.group.id);
      expect(await b.listRules(PROJECT, target.group.id)).toHaveLength(1);
      expect(await b.getRule(PROJECT, r.id)).toEqual(r);

      expect(await b.deleteRule(PROJECT, r.id)).toBe(true);
      expect(await b.deleteGroup(PROJECT, target.group.id)).toBe(true);
      expect(await b.listRules(PROJECT, target.group.id)).toEqual([]);
    });

    it("deleteGroup does not count a group's own rules pointing at itself", async () => {
      const b = await project(OPENSTACK);
      const g = await b.createGroup(newGroup("cluster"));
      await b.createRule(rule(g.group.id, { remoteGroupId: g.group.id }), NO_LIMITS);
      expect(await b.deleteGroup(PROJECT, g.group.id)).toBe(true);
    });
  });
}
