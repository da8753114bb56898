/**
 * The policy pack's pure parts: which admin ports one rule opens to the internet (the two gaps
 * other scanners had: no remote is any source, no ports is every port), the planned model it builds
 * from a program's resources (ids learned from references, inline and unmanaged rules, other
 * packages left out, known fixed IPs kept), and its config's admin port list.
 */
import { describe, expect, it } from "vitest";
import { ADMIN_PORTS, adminPortsOpenedBy, type RuleReach } from "../../provider/domain/findings";
import { programPlan } from "../../provider/domain/programPlan";
import { res, urn } from "./support/programResources";
import { UNKNOWN } from "../../provider/domain/unknown";
import { loadProfile } from "../../provider/profileLoader";
import { parseAdminPorts, violationText } from "../../provider/policy/pack";

const rule = (fields: Partial<RuleReach>): RuleReach => ({
  direction: "ingress",
  ethertype: "IPv4",
  protocol: "tcp",
  portRangeMin: 22,
  portRangeMax: 22,
  remoteIpPrefix: "0.0.0.0/0",
  remoteGroupId: null,
  remoteSubnetId: null,
  ...fields,
});
const services = (r: RuleReach, ...rest: Parameters<typeof adminPortsOpenedBy> extends [unknown, ...infer T] ? T : never) =>
  adminPortsOpenedBy(r, ...rest).map((p) => p.service);

describe("adminPortsOpenedBy", () => {
  it("SSH from 0.0.0.0/0, and from no remote at all (any source)", () => {
    expect(services(rule({}))).toEqual(["SSH"]);
    expect(services(rule({ remoteIpPrefix: null }))).toEqual(["SSH"]);
    expect(services(rule({ ethertype: "IPv6", remoteIpPrefix: "::/0" }))).toEqual(["SSH"]);
  });

  it("a rule without ports opens every admin port of its protocol; any protocol opens them all", () => {
    expect(services(rule({ portRangeMin: null, portRangeMax: null }))).toHaveLength(26);
    expect(services(rule({ portRangeMin: 2370, portRangeMax: 5990 }))).toEqual([
      "Docker API",
      "Docker API (TLS)",
      "etcd",
      "etcd (peers)",
      "MySQL",
      "RDP",
      "PostgreSQL",
      "Kibana",
      "VNC",
      "CouchDB",
      "WinRM",
      "WinRM (HTTPS)",
    ]);
    expect(services(rule({ protocol: null, portRangeMin: null, portRangeMax: null }))).toHaveLength(28);
  });

  it("not from a narrower CIDR, a remote group or subnet, nor egress; a port range holds the ports inside it", () => {
    expect(services(rule({ remoteIpPrefix: "203.0.113.0/24" }))).toEqual([]);
    expect(services(rule({ remoteIpPrefix: null, remoteGroupId: "g1" }))).toEqual([]);
    expect(services(rule({ remoteIpPrefix: null, remoteSubnetId: "s1" }))).toEqual([]);
    expect(services(rule({ direction: "egress" }))).toEqual([]);
    expect(services(rule({ portRangeMin: 3300, portRangeMax: 3400 }))).toEqual(["MySQL", "RDP"]);
  });

  it("with allowed CIDRs, any public address outside them counts (private ones do not)", () => {
    expect(services(rule({ remoteIpPrefix: "8.8.8.0/24" }), ADMIN_PORTS, ["8.8.8.0/25"])).toEqual(["SSH"]);
    expect(services(rule({ remoteIpPrefix: "8.8.8.0/25" }), ADMIN_PORTS, ["8.8.8.0/24"])).toEqual([]);
    expect(services(rule({ remoteIpPrefix: "10.0.0.0/8" }), ADMIN_PORTS, ["8.8.8.0/24"])).toEqual([]);
  });

  it("the pack's admin port list: PROTOCOL/PORT entries, anything else an error naming it", () => {
    expect(parseAdminPorts(["tcp/22", "UDP/161", " tcp/5985 "])).toEqual([
      { protocol: 6, port: 22, service: "tcp/22" },
      { protocol: 17, port: 161, service: "UDP/161" },
      { protocol: 6, port: 5985, service: "tcp/5985" },
    ]);
    expect(() => parseAdminPorts(["ssh"])).toThrow(
      'SG_INVALID_INPUT: an entry of the pulumi-secgroups policy pack\'s config is not PROTOCOL/PORT (property adminPorts, got "ssh"); allowed: a protocol name and a port 0-65535, e.g. "tcp/22", "udp/161"; fix: correct the entry in the file given with --policy-pack-config',
    );
    expect(() => parseAdminPorts(["tcp/70000"])).toThrow('(property adminPorts, got "tcp/70000")');
    expect(() => parseAdminPorts(["tcp/22", "foo/22", "tcp/99999"])).toThrow(
      'SG_INVALID_INPUT: 2 entries of the pulumi-secgroups policy pack\'s config are not PROTOCOL/PORT (property adminPorts, got ["foo/22","tcp/99999"])',
    );
  });
});

describe("programPlan", () => {
  const openstack = loadProfile("openstack", process.cwd());

  it("learns an existing group's id from a rule that refers to it; inline and unmanaged rules are the group's; other packages are left out", () => {
    const plan = programPlan(
      [
        res("SecurityGroup", "web", {
          name: "web",
          description: "web",
          stateful: true,
          deleteDefaultRules: true,
          rules: [
            {
              direction: "ingress",
              ethertype: "IPv4",
              protocol: "tcp",
              portRangeMin: 443,
              portRangeMax: 443,
              remoteIpPrefix: "0.0.0.0/0",
              description: "",
            },
          ],
          unmanagedRules: [
            {
              id: "r-hand",
              direction: "ingress",
              ethertype: "IPv4",
              protocol: "tcp",
              portRangeMin: 80,
              portRangeMax: 80,
              remoteIpPrefix: "0.0.0.0/0",
            },
          ],
        }),
        res(
          "SecurityGroupRule",
          "ssh",
          {
            securityGroupId: "g-real",
            direction: "ingress",
            ethertype: "IPv4",
            protocol: "tcp",
            portRangeMin: 22,
            portRangeMax: 22,
            remoteIpPrefix: "10.0.0.0/8",
            description: "made from web's name",
          },
          // A description that came from the group is no id of it: only references teach ids.
          { securityGroupId: [urn("SecurityGroup", "web")], description: [urn("SecurityGroup", "web")] },
        ),
        { type: "aws:ec2/instance:Instance", urn: "urn:pulumi:dev::p::aws:ec2/instance:Instance::x", name: "x", props: {}, propertyDependencies: {} },
      ],
      openstack,
      "default",
    );
    // (and the project's default group, which the profile makes)
    expect(plan.model.groups.map((g) => `${g.id} ${g.name}`)).toEqual(["default:default default", "g-real web"]);
    expect(
      plan.model.rules
        .filter((r) => r.securityGroupId === "g-real")
        .map((r) => `${r.id} ${r.protocol} ${r.portRangeMin} ${r.remoteIpPrefix}`)
        .sort(),
    ).toEqual(["new:ssh tcp 22 10.0.0.0/8", "new:web.rules[0] tcp 443 0.0.0.0/0", "r-hand tcp 80 0.0.0.0/0"]);
    expect(plan.urnOf.get("g-real")).toBe(urn("SecurityGroup", "web"));
    expect(plan.urnOf.get("new:ssh")).toBe(urn("SecurityGroupRule", "ssh"));
    expect(plan.knownAfterApply).toEqual([]);
  });

  it("a server that exists keeps its known fixed IP; a rule with an unknown port is known after apply, never guessed", () => {
    const plan = programPlan(
      [
        res("Server", "vm-1", {
          name: "vm-1",
          networks: ["public"],
          ports: [{ id: "p-real", networkId: openstack.builtinNetworks[0]!.id, fixedIp: "203.0.113.7" }],
        }),
        res("SecurityGroup", "g", { name: "g", description: "", stateful: true }),
        res(
          "SecurityGroupRule",
          "later",
          {
            securityGroupId: UNKNOWN,
            direction: "ingress",
            ethertype: "IPv4",
            protocol: "tcp",
            portRangeMin: UNKNOWN,
            portRangeMax: UNKNOWN,
            remoteIpPrefix: "0.0.0.0/0",
          },
          { securityGroupId: [urn("SecurityGroup", "g")] },
        ),
      ],
      openstack,
      "default",
    );
    expect(plan.model.servers[0]!.ports.map((p) => `${p.id} ${p.fixedIp}`)).toEqual(["p-real 203.0.113.7"]);
    expect(plan.knownAfterApply).toEqual(["SecurityGroupRule later: portRangeMin, portRangeMax known only after apply"]);
  });
});

describe("violationText", () => {
  it("names a resource the preview creates by its name, not its placeholder id, and escapes control characters", () => {
    expect(
      violationText({
        code: "rule-without-remote",
        severity: "medium",
        message: "rule new:ssh of group new:web\u001b[2J",
        fix: "replace rule new:ssh",
      }),
    ).toBe("[medium] rule ssh of group web\\x1b[2J; fix: replace rule ssh");
  });
});
