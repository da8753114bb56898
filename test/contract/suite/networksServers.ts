/** Networks and servers: ports and fixed IPs, boot status, launch groups per profile, deletes. */
import { describe, expect, it } from "vitest";
import { attachmentPolicy, projectSetup, type Profile } from "../../../provider/domain/profiles";
import { rejection, sleep } from "../../support/backend";
import { PROJECT, PUBLICNET, SERVICENET, OPENSTACK, MESHCLOUD, RACKSPACE, EVROC, newServer, portOn, groups, type Contract } from "./context";

export function networksServersContract(contract: Contract): void {
  const { project } = contract;
  describe("networks and servers", () => {
    it("gives each network a port with a distinct fixed IP from its subnet, networks by name or id", async () => {
      const b = await project(RACKSPACE);
      const policy = attachmentPolicy(RACKSPACE);
      const s1 = await b.createServer(newServer("web-1", ["PublicNet", "ServiceNet"]), policy);
      expect(s1.status).toBe("ACTIVE");
      expect(s1.name).toBe("web-1");
      expect(s1.project).toBe(PROJECT);
      expect(s1.ports.map((p) => p.networkName)).toEqual(["PublicNet", "ServiceNet"]);
      expect(portOn(s1, "PublicNet")).toMatchObject({ serverId: s1.id, networkId: PUBLICNET, fixedIp: "198.51.100.2", securityGroupIds: [] });
      expect(portOn(s1, "ServiceNet")).toMatchObject({ serverId: s1.id, networkId: SERVICENET, fixedIp: "10.176.0.2", securityGroupIds: [] });

      // Networks by id work as well as by name.
      const s2 = await b.createServer(newServer("web-2", [PUBLICNET]), policy);
      expect(s2.ports).toHaveLength(1);
      expect(portOn(s2, "PublicNet").fixedIp).toBe("198.51.100.3");
      const s3 = await b.createServer(newServer("web-3", ["PublicNet", SERVICENET]), policy);
      expect(portOn(s3, "PublicNet").fixedIp).toBe("198.51.100.4");
      expect(portOn(s3, "ServiceNet").fixedIp).toBe("10.176.0.3");

      const portIds = [s1, s2, s3].flatMap((s) => s.ports.map((p) => p.id));
      expect(new Set(portIds).size).toBe(5);
      expect(new Set([s1.id, s2.id, s3.id]).size).toBe(3);
      expect(await b.getServer(PROJECT, s1.id)).toEqual(s1);
      expect(await b.getServer("other", s1.id)).toBeUndefined();
    });

    it("hands out addresses on a private network once, then SG_NO_ADDRESSES; SG_NAME_TAKEN for a network name", async () => {
      const b = await project(OPENSTACK);
      const net = await b.createNetwork(PROJECT, "private", ["10.9.0.0/29"]);
      expect(net).toMatchObject({ project: PROJECT, name: "private", subnets: ["10.9.0.0/29"], builtin: false });
      expect(await b.getNetwork(PROJECT, net.id)).toEqual(net);
      const dup = await rejection(b.createNetwork(PROJECT, "private", ["10.10.0.0/24"]));
      expect(dup.code).toBe("SG_NAME_TAKEN");

      // /29: .0 network, .1 gateway, .7 broadcast → .2 to .6.
      const ips: string[] = [];
      for (let i = 0; i < 5; i++) {
        const s = await b.createServer(newServer(`s${i}`, ["private"]), attachmentPolicy(OPENSTACK));
        ips.push(portOn(s, "private").fixedIp);
      }
      expect(ips).toEqual(["10.9.0.2", "10.9.0.3", "10.9.0.4", "10.9.0.5", "10.9.0.6"]);
      const full = await rejection(b.createServer(newServer("s5", ["private"]), attachmentPolicy(OPENSTACK)));
      expect(full.code).toBe("SG_NO_ADDRESSES");
    });

    it("a server is BUILD until bootSeconds have passed, then ACTIVE; ERROR after setServerError", async () => {
      const b = await project(RACKSPACE);
      const policy = attachmentPolicy(RACKSPACE);
      const slow = await b.createServer(newServer("slow", ["PublicNet"], { bootSeconds: 3 }), policy);
      expect(slow.status).toBe("BUILD");
      const boot = Date.parse(slow.activeAt) - Date.parse(slow.createdAt);
      expect(boot).toBeGreaterThanOrEqual(2900);
      expect(boot).toBeLessThanOrEqual(3100);
      expect((await b.getServer(PROJECT, slow.id))!.status).toBe("BUILD");

      const quick = await b.createServer(newServer("quick", ["PublicNet"], { bootSeconds: 1 }), policy);
      expect(quick.status).toBe("BUILD");
      const quickBoot = Date.parse(quick.activeAt) - Date.parse(quick.createdAt);
      expect(quickBoot).toBeGreaterThanOrEqual(900);
      expect(quickBoot).toBeLessThanOrEqual(1100);
      await sleep(Math.max(0, Date.parse(quick.activeAt) - Date.now()) + 50);
      const booted = await b.getServer(PROJECT, quick.id);
      expect(booted!.status).toBe("ACTIVE");
      expect(booted!.activeAt).toBe(quick.activeAt);

      await b.setServerError(PROJECT, quick.id);
      expect((await b.getServer(PROJECT, quick.id))!.status).toBe("ERROR");
      await b.setServerError(PROJECT, slow.id);
      expect((await b.getServer(PROJECT, slow.id))!.status).toBe("ERROR");
      expect((await rejection(b.setServerError(PROJECT, "nope"))).code).toBe("SG_SERVER_NOT_FOUND");
    });

    it("refuses launch groups on rackspace (SG_ATTACH_AT_BOOT) and creates nothing", async () => {
      const b = await project(RACKSPACE);
      const [g] = await groups(b, 1);
      const err = await rejection(b.createServer(newServer("web-1", ["PublicNet"], { securityGroupIds: [g!] }), attachmentPolicy(RACKSPACE)));
      expect(err.code).toBe("SG_ATTACH_AT_BOOT");
      expect(err.details.property).toBe("securityGroupIds");
      expect(err.message).toContain("rackspace");
      // The address was not taken: the next server gets the first one.
      const s = await b.createServer(newServer("web-1", ["PublicNet"]), attachmentPolicy(RACKSPACE));
      expect(portOn(s, "PublicNet").fixedIp).toBe("198.51.100.2");
    });

    it("puts openstack's default group on every port of a server launched without groups", async () => {
      const b = await project(OPENSTACK);
      await b.createNetwork(PROJECT, "private", ["10.0.0.0/24"]);
      const def = (await b.findGroupByName(PROJECT, "default"))!;
      const s = await b.createServer(newServer("vm", ["public", "private"]), attachmentPolicy(OPENSTACK));
      expect(s.ports).toHaveLength(2);
      for (const p of s.ports) expect(p.securityGroupIds).toEqual([def.id]);
      expect(portOn(s, "public").fixedIp).toBe("203.0.113.2");
      expect(portOn(s, "private").fixedIp).toBe("10.0.0.2");

      // Launched with groups: those, and not the default group.
      const [a, c] = await groups(b, 2);
      const t = await b.createServer(newServer("vm2", ["public", "private"], { securityGroupIds: [a!, c!] }), attachmentPolicy(OPENSTACK));
      for (const p of t.ports) expect(p.securityGroupIds).toEqual([a!, c!].sort());
    });

    it("puts meshcloud's default group and evroc's default-allow-egress on a server launched without groups", async () => {
      const mesh = await project(MESHCLOUD);
      const def = (await mesh.findGroupByName(PROJECT, "default"))!;
      const m = await mesh.createServer(newServer("vm", ["public"]), attachmentPolicy(MESHCLOUD));
      expect(portOn(m, "public").securityGroupIds).toEqual([def.id]);

      const b = await project(EVROC, "proj-evroc");
      const egress = (await b.findGroupByName("proj-evroc", "default-allow-egress"))!;
      const s = await b.createServer(newServer("vm", ["public"], { project: "proj-evroc" }), attachmentPolicy(EVROC));
      expect(portOn(s, "public").securityGroupIds).toEqual([egress.id]);
    });

    it("names the unknown network (SG_NETWORK_NOT_FOUND, networks[i]) and the unknown group", async () => {
      const b = await project(OPENSTACK);
      const e0 = await rejection(b.createServer(newServer("vm", ["nowhere"]), attachmentPolicy(OPENSTACK)));
      expect(e0.code).toBe("SG_NETWORK_NOT_FOUND");
      expect(e0.details.property).toBe("networks[0]");
      expect(e0.message).toContain("nowhere");
      const e1 = await rejection(b.createServer(newServer("vm", ["public", "nowhere"]), attachmentPolicy(OPENSTACK)));
      expect(e1.code).toBe("SG_NETWORK_NOT_FOUND");
      expect(e1.details.property).toBe("networks[1]");

      const [g] = await groups(b, 1);
      const e2 = await rejection(
        b.createServer(newServer("vm", ["public"], { securityGroupIds: [g!, "no-such-group"] }), attachmentPolicy(OPENSTACK)),
      );
      expect(e2.code).toBe("SG_GROUP_NOT_FOUND");
      expect(e2.details.property).toBe("securityGroupIds[1]");
      // Nothing was created: the first address is still free.
      const s = await b.createServer(newServer("vm", ["public"]), attachmentPolicy(OPENSTACK));
      expect(portOn(s, "public").fixedIp).toBe("203.0.113.2");
    });

    it("refuses more launch groups than groupsPerPort (SG_LIMIT_GROUPS_PER_PORT)", async () => {
      const custom: Profile = { ...RACKSPACE, name: "two-per-port", groupsAtLaunch: true, groupsPerPort: 2 };
      const policy = attachmentPolicy(custom);
      expect(policy).toMatchObject({ profile: "two-per-port", groupsAtLaunch: true, groupsPerPort: 2 });
      const b = await project(custom);
      const [a, c, d] = await groups(b, 3);
      const err = await rejection(b.createServer(newServer("big", ["PublicNet"], { securityGroupIds: [a!, c!, d!] }), policy));
      expect(err.code).toBe("SG_LIMIT_GROUPS_PER_PORT");
      expect(err.details.property).toBe("securityGroupIds");
      expect(err.message).toContain("big");
      expect(err.message).toContain("two-per-port");

      const ok = await b.createServer(newServer("ok", ["PublicNet", "ServiceNet"], { securityGroupIds: [a!, c!] }), policy);
      expect(portOn(ok, "PublicNet").securityGroupIds).toEqual([a!, c!].sort());
      expect(portOn(ok, "ServiceNet").securityGroupIds).toEqual([a!, c!].sort());
      expect(portOn(ok, "PublicNet").fixedIp).toBe("198.51.100.2");
    });

    it("createServer refuses to launch below the profile's minimum (meshcloud, explicit no groups: SG_MIN_GROUPS)", async () => {
      const b = await project(MESHCLOUD);
      const { launchGroup: _none, ...noLaunchGroup } = attachmentPolicy(MESHCLOUD);
      const err = await rejection(b.createServer(newServer("vm", ["public"]), noLaunchGroup));
      expect(err.code).toBe("SG_MIN_GROUPS");
      expect(err.details.property).toBe("securityGroupIds");
    });

    it("serverProject finds a server's project by id alone", async () => {
      const b = await project(OPENSTACK);
      const s = await b.createServer(newServer("vm", ["public"]), attachmentPolicy(OPENSTACK));
      expect(await b.serverProject(s.id)).toBe(PROJECT);
      expect(await b.serverProject("nope")).toBeUndefined();
    });

    it("deleteServer removes the server, its ports and its attachments", async () => {
      const b = await project(RACKSPACE);
      const policy = attachmentPolicy(RACKSPACE);
      const [g1, g2] = await groups(b, 2);
      const s = await b.createServer(newServer("web-1", ["PublicNet", "ServiceNet"]), policy);
      const a1 = await b.createAttachment(PROJECT, s.id, g1!, "PublicNet", policy);
      const a2 = await b.createAttachment(PROJECT, s.id, g2!, null, policy);

      expect(await b.deleteServer(PROJECT, s.id)).toBe(true);
      expect(await b.getServer(PROJECT, s.id)).toBeUndefined();
      expect(await b.getAttachment(PROJECT, a1.id)).toBeUndefined();
      expect(await b.getAttachment(PROJECT, a2.id)).toBeUndefined();
      // No port holds the groups any more.
      expect(await b.deleteGroup(PROJECT, g1!)).toBe(true);
      expect(await b.deleteGroup(PROJECT, g2!)).toBe(true);
      expect(await b.deleteServer(PROJECT, s.id)).toBe(false);
    });

    it("deleteServer does not delete through another project", async () => {
      const b = await project(RACKSPACE);
      const s = await b.createServer(newServer("web-1", ["PublicNet"]), attachmentPolicy(RACKSPACE));
      expect(await b.deleteServer("other", s.id)).toBe(false);
      expect((await b.getServer(PROJECT, s.id))?.id).toBe(s.id);
    });

    it("deleteNetwork refuses a network with ports (SG_IN_USE) and deletes it without", async () => {
      const b = await project(OPENSTACK);
      const net = await b.createNetwork(PROJECT, "private", ["10.0.0.0/24"]);
      const s = await b.createServer(newServer("app-1", ["private"]), attachmentPolicy(OPENSTACK));

      const err = await rejection(b.deleteNetwork(PROJECT, net.id));
      expect(err.code).toBe("SG_IN_USE");
      expect(err.message).toContain("app-1");
      expect(await b.getNetwork(PROJECT, net.id)).toEqual(net);
      expect(portOn(await b.getServer(PROJECT, s.id), "private").fixedIp).toBe("10.0.0.2");

      expect(await b.deleteServer(PROJECT, s.id)).toBe(true);
      expect(await b.deleteNetwork(PROJECT, net.id)).toBe(true);
      expect(await b.getNetwork(PROJECT, net.id)).toBeUndefined();
      expect(await b.getNetwork(PROJECT, "private")).toBeUndefined();
      expect(await b.deleteNetwork(PROJECT, net.id)).toBe(false);

      const empty = await b.createNetwork(PROJECT, "empty", ["10.1.0.0/24"]);
      expect(await b.deleteNetwork(PROJECT, empty.id)).toBe(true);
    });

    it("deleteNetwork never removes a built-in network (SG_IN_USE): the project could not get it back", async () => {
      // types.ts: "Deletes a private network"; every project has its profile's built-in networks,
      // which ensureProject creates once and never again.
      // An imported Network resource pointing at PublicNet must not take PublicNet with it on destroy.
      const b = await project(RACKSPACE);
      const before = await b.getNetwork(PROJECT, PUBLICNET);
      const err = await rejection(b.deleteNetwork(PROJECT, PUBLICNET));
      expect(err.code).toBe("SG_IN_USE");
      expect(err.details.property).toBe("id");
      expect(await b.getNetwork(PROJECT, PUBLICNET)).toEqual(before);
      // ensureProject does not recreate it, so it has to survive.
      await b.ensureProject(PROJECT, projectSetup(RACKSPACE));
      const s = await b.createServer(newServer("web-1", ["PublicNet"]), attachmentPolicy(RACKSPACE));
      expect(portOn(s, "PublicNet").networkId).toBe(PUBLICNET);
    });
  });
}
