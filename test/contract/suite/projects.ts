/** Projects: what ensureProject sets up once per profile (rackspace's built-in networks, evroc's and openstack's default groups). */
import { describe, expect, it } from "vitest";
import { projectSetup } from "../../../provider/domain/profiles";
import { PROJECT, PUBLICNET, SERVICENET, OPENSTACK, RACKSPACE, EVROC, type Contract } from "./context";

export function projectsContract(contract: Contract): void {
  const { open, project } = contract;
  describe("projects", () => {
    it("creates rackspace's built-in networks with their fixed ids, no groups, and nothing more the second time", async () => {
      const b = await project(RACKSPACE);
      const publicNet = await b.getNetwork(PROJECT, "PublicNet");
      const serviceNet = await b.getNetwork(PROJECT, "ServiceNet");
      expect(publicNet).toMatchObject({ id: PUBLICNET, project: PROJECT, name: "PublicNet", subnets: ["198.51.100.0/24"], builtin: true });
      expect(serviceNet).toMatchObject({ id: SERVICENET, project: PROJECT, name: "ServiceNet", subnets: ["10.176.0.0/12"], builtin: true });
      // By id as well as by name.
      expect(await b.getNetwork(PROJECT, PUBLICNET)).toEqual(publicNet);
      expect(await b.getNetwork(PROJECT, SERVICENET)).toEqual(serviceNet);
      expect(await b.listGroups(PROJECT)).toEqual([]);
      expect(await b.listNetworks(PROJECT)).toEqual([publicNet, serviceNet]);
      const privateNet = await b.createNetwork(PROJECT, "A-private", ["10.9.0.0/24"]);
      expect(await b.listNetworks(PROJECT)).toEqual([privateNet, publicNet, serviceNet]);
      expect(await b.listNetworks("other")).toEqual([]);
      expect(await b.deleteNetwork(PROJECT, privateNet.id)).toBe(true);

      await b.ensureProject(PROJECT, projectSetup(RACKSPACE));
      expect(await b.getNetwork(PROJECT, "PublicNet")).toEqual(publicNet);
      expect(await b.getNetwork(PROJECT, "ServiceNet")).toEqual(serviceNet);
      expect(await b.listGroups(PROJECT)).toEqual([]);
      expect(await b.listRules(PROJECT)).toEqual([]);
      // Another project gets its own copy.
      expect(await b.getNetwork("other", "PublicNet")).toBeUndefined();
    });

    it("gives an evroc project exactly its three default groups with their rules, once", async () => {
      const b = await project(EVROC);
      const pub = await b.getNetwork(PROJECT, "public");
      expect(pub).toMatchObject({ id: "2f0b7a4e-0000-4000-8000-000000000004", name: "public", subnets: ["203.0.113.0/24"], builtin: true });

      const list = await b.listGroups(PROJECT);
      expect(list.map((g) => g.name)).toEqual(["default-allow-egress", "default-allow-ssh", "default-allow-web-protocols"]);
      const byName = Object.fromEntries(list.map((g) => [g.name, g]));
      expect(byName["default-allow-egress"]!.description).toBe("All outbound traffic, no inbound");
      expect(byName["default-allow-ssh"]!.description).toBe("SSH from anywhere");
      expect(byName["default-allow-web-protocols"]!.description).toBe("HTTP and HTTPS from anywhere");

      const shape = async (groupName: string) =>
        (await b.listRules(PROJECT, byName[groupName]!.id))
          .map((r) => ({
            direction: r.direction,
            ethertype: r.ethertype,
            protocol: r.protocol,
            portRangeMin: r.portRangeMin,
            portRangeMax: r.portRangeMax,
            remoteIpPrefix: r.remoteIpPrefix,
            remoteGroupId: r.remoteGroupId,
            remoteSubnetId: r.remoteSubnetId,
            isDefault: r.isDefault,
          }))
          .sort((x, y) => `${x.ethertype}${x.portRangeMin}`.localeCompare(`${y.ethertype}${y.portRangeMin}`));
      const any = {
        protocol: null,
        portRangeMin: null,
        portRangeMax: null,
        remoteIpPrefix: null,
        remoteGroupId: null,
        remoteSubnetId: null,
        isDefault: true,
      };
      expect(await shape("default-allow-egress")).toEqual([
        { direction: "egress", ethertype: "IPv4", ...any },
        { direction: "egress", ethertype: "IPv6", ...any },
      ]);
      expect(await shape("default-allow-ssh")).toEqual([
        {
          direction: "ingress",
          ethertype: "IPv4",
          protocol: "tcp",
          portRangeMin: 22,
          portRangeMax: 22,
          remoteIpPrefix: "0.0.0.0/0",
          remoteGroupId: null,
          remoteSubnetId: null,
          isDefault: true,
        },
      ]);
      expect(
        (await shape("default-allow-web-protocols"))
          .map((r) => `${r.direction} ${r.protocol} ${r.portRangeMin}-${r.portRangeMax} ${r.remoteIpPrefix}`)
          .sort(),
      ).toEqual(["ingress tcp 443-443 0.0.0.0/0", "ingress tcp 80-80 0.0.0.0/0"]);
      expect(await b.listRules(PROJECT)).toHaveLength(5);

      const groupsBefore = await b.listGroups(PROJECT);
      const rulesBefore = await b.listRules(PROJECT);
      await b.ensureProject(PROJECT, projectSetup(EVROC));
      expect(await b.listGroups(PROJECT)).toEqual(groupsBefore);
      expect(await b.listRules(PROJECT)).toEqual(rulesBefore);
      // A second connection sees the project as set up already.
      const other = await open();
      await other.ensureProject(PROJECT, projectSetup(EVROC));
      expect(await b.listGroups(PROJECT)).toEqual(groupsBefore);
      expect(await b.listRules(PROJECT)).toEqual(rulesBefore);
    });

    it("sets up an evroc project once when ensureProject runs concurrently on two connections", async () => {
      const b = await open();
      const other = await open();
      await Promise.all([b, other, b, other].map((x) => x.ensureProject(PROJECT, projectSetup(EVROC))));
      const list = await b.listGroups(PROJECT);
      expect(list.map((g) => g.name)).toEqual(["default-allow-egress", "default-allow-ssh", "default-allow-web-protocols"]);
      expect(await b.listRules(PROJECT)).toHaveLength(5);
      const ssh = await b.listRules(PROJECT, list[1]!.id);
      expect(ssh).toMatchObject([
        { direction: "ingress", protocol: "tcp", portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: "0.0.0.0/0", isDefault: true },
      ]);
      expect(await other.getNetwork(PROJECT, "public")).toMatchObject({ id: "2f0b7a4e-0000-4000-8000-000000000004", builtin: true });
    });

    it("gives an openstack project a default group whose ingress rules admit its own members", async () => {
      const b = await project(OPENSTACK);
      const def = await b.findGroupByName(PROJECT, "default");
      expect(def).toBeDefined();
      expect(def!.description).toBe("Default security group");
      expect(def!.revisionNumber).toBe(4);
      const rules = await b.listRules(PROJECT, def!.id);
      expect(rules).toHaveLength(4);
      const ingress = rules.filter((r) => r.direction === "ingress");
      const egress = rules.filter((r) => r.direction === "egress");
      expect(ingress).toHaveLength(2);
      expect(ingress.map((r) => r.ethertype).sort()).toEqual(["IPv4", "IPv6"]);
      for (const r of ingress) expect(r).toMatchObject({ remoteGroupId: def!.id, remoteIpPrefix: null, protocol: null });
      expect(egress.map((r) => r.ethertype).sort()).toEqual(["IPv4", "IPv6"]);
      for (const r of egress) expect(r).toMatchObject({ remoteGroupId: null, remoteIpPrefix: null, protocol: null });

      await b.ensureProject(PROJECT, projectSetup(OPENSTACK));
      expect((await b.listGroups(PROJECT)).map((g) => g.id)).toEqual([def!.id]);
      expect(await b.listRules(PROJECT)).toHaveLength(4);

      // Each project has its own default group.
      await b.ensureProject("proj-b", projectSetup(OPENSTACK));
      const defB = await b.findGroupByName("proj-b", "default");
      expect(defB).toBeDefined();
      expect(defB!.id).not.toBe(def!.id);
      expect((await b.listRules("proj-b", defB!.id)).filter((r) => r.direction === "ingress").map((r) => r.remoteGroupId)).toEqual([
        defB!.id,
        defB!.id,
      ]);
      expect(await b.listRules(PROJECT)).toHaveLength(4);
    });
  });
}
