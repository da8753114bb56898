/**
 * Findings parity with the scanners teams run on security-group code (docs/exposure.md "Parity with
 * other scanners"): for each peer check that maps to ours, a program that trips the peer's rule must
 * trip our policy, and one that the peer passes must pass ours. Programs are resources as the
 * policy pack sees them at a first preview (ids unknown, references by dependency), judged by the
 * pack's own functions: the planned model's findings (stack policies), the resource policies and
 * the server-without-group policy.
 */
import { describe, expect, it } from "vitest";
import { findingsOf } from "../../provider/domain/findings";
import { evaluateExposure } from "../../provider/domain/exposure";
import { programPlan, type ProgramResource } from "../../provider/domain/programPlan";
import { res, urn } from "./support/programResources";
import { UNKNOWN } from "../../provider/domain/unknown";
import { loadProfile } from "../../provider/profileLoader";
import { adminRuleViolations, descriptionViolation, egressViolations, serverWithoutGroupViolations } from "../../provider/policy/pack";

type Traffic = { direction?: string; ethertype?: string; protocol?: string; portRangeMin?: number; portRangeMax?: number; remoteIpPrefix?: string };

/** A program: group `web` (with `description`) holding `rules`, on server vm-1 (or on no server with `attached: false`). */
function program(rules: Traffic[], opts: { description?: string; attached?: boolean; network?: string } = {}): ProgramResource[] {
  const network = opts.network ?? "public";
  const out = [
    res("SecurityGroup", "web", { name: "web", description: opts.description ?? "web tier", stateful: true, deleteDefaultRules: true, tags: [] }),
  ];
  rules.forEach((r, i) =>
    out.push(
      res(
        "SecurityGroupRule",
        `r${i}`,
        { securityGroupId: UNKNOWN, direction: "ingress", ethertype: "IPv4", protocol: "tcp", description: "", ...r },
        { securityGroupId: [urn("SecurityGroup", "web")] },
      ),
    ),
  );
  out.push(res("Server", "vm-1", { name: "vm-1", networks: [network] }));
  if (opts.attached !== false) {
    out.push(
      res(
        "ServerAttachment",
        "vm-1-web",
        { serverId: UNKNOWN, securityGroupId: UNKNOWN, network },
        { serverId: [urn("Server", "vm-1")], securityGroupId: [urn("SecurityGroup", "web")] },
      ),
    );
  }
  return out;
}

/** The pack's policies a program trips (sorted, deduplicated). */
function tripped(resources: ProgramResource[], profileName = "openstack"): string[] {
  const profile = loadProfile(profileName, process.cwd());
  const plan = programPlan(resources, profile, "default");
  const findings = findingsOf({
    model: plan.model,
    accesses: evaluateExposure(plan.model),
    defaultGroupNames: profile.defaultGroups.map((g) => g.name),
    quotas: {},
  });
  const out = new Set(findings.map((f) => `secgroups-${f.code}`));
  for (const r of resources) {
    if (adminRuleViolations(r.type, r.name, r.props).length) out.add("secgroups-admin-port-rule");
    if (egressViolations(r.type, r.name, r.props).length) out.add("secgroups-egress-to-internet");
    if (descriptionViolation(r.type, r.name, r.props)) out.add("secgroups-group-description");
  }
  if (serverWithoutGroupViolations(plan).length) out.add("secgroups-server-without-group");
  return [...out].sort();
}

const port = (p: number, remoteIpPrefix = "0.0.0.0/0"): Traffic => ({ portRangeMin: p, portRangeMax: p, remoteIpPrefix });

/** Each mapped peer check: a program the peer flags, one it passes, and the policy of ours that must follow. */
const MAPPED: Array<{ check: string; policy: string; trips: ProgramResource[]; passes: ProgramResource[]; profile?: string }> = [
  {
    check: "checkov CKV_OPENSTACK_2, CKV_AWS_24, trivy AWS-0107 (SSH from 0.0.0.0/0)",
    policy: "secgroups-admin-port-from-internet",
    trips: program([port(22)]),
    passes: program([port(22, "8.8.8.0/24")]),
  },
  {
    check: "checkov CKV_OPENSTACK_2 (the same, one rule)",
    policy: "secgroups-admin-port-rule",
    trips: program([port(22)]),
    passes: program([port(22, "8.8.8.0/24")]),
  },
  {
    check: "checkov CKV_OPENSTACK_3, CKV_AWS_25, trivy AWS-0107 (RDP from 0.0.0.0/0)",
    policy: "secgroups-admin-port-from-internet",
    trips: program([port(3389)]),
    passes: program([port(3389, "10.0.0.0/8")]),
  },
  {
    check: "checkov CKV_OPENSTACK_2 gap: SSH from no remote (checkov passes it; it is any source)",
    policy: "secgroups-admin-port-rule",
    trips: program([{ portRangeMin: 22, portRangeMax: 22 }]),
    passes: program([{ portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: "192.0.2.0/24" }]),
  },
  {
    check: "checkov CKV_OPENSTACK_2 gap: tcp without ports from 0.0.0.0/0 (checkov passes it; it is every port)",
    policy: "secgroups-admin-port-rule",
    trips: program([{ remoteIpPrefix: "0.0.0.0/0" }]),
    passes: program([port(443)]),
  },
  {
    check: "checkov CKV_AWS_277, cnspec no-all-ports-open (all ports from the internet)",
    policy: "secgroups-all-ports-from-internet",
    trips: program([{ remoteIpPrefix: "0.0.0.0/0" }]),
    passes: program([port(443)]),
  },
  {
    check: "checkov CKV_AWS_277 (protocol -1 from the internet)",
    policy: "secgroups-any-protocol-from-internet",
    trips: program([{ protocol: "any", remoteIpPrefix: "0.0.0.0/0" }]),
    passes: program([{ protocol: "any", remoteIpPrefix: "10.0.0.0/8" }]),
  },
  {
    check: "checkov CKV2_AWS_5 (group attached to nothing)",
    policy: "secgroups-unused-group",
    trips: program([port(443)], { attached: false }),
    passes: program([port(443)]),
  },
  {
    check: "trivy OPNSTK-0003 (public ingress), on an admin port",
    policy: "secgroups-admin-port-from-internet",
    trips: program([port(5432)]),
    passes: program([port(5432, "10.0.0.0/8")]),
  },
  {
    check: "trivy OPNSTK-0004, AWS-0104 (public egress)",
    policy: "secgroups-egress-to-internet",
    trips: program([{ direction: "egress", protocol: "any", remoteIpPrefix: "0.0.0.0/0" }]),
    passes: program([{ direction: "egress", ...port(443, "8.8.8.0/24") }]),
  },
  {
    check: "trivy OPNSTK-0005 (group without description)",
    policy: "secgroups-group-description",
    trips: program([port(443)], { description: "" }),
    passes: program([port(443)]),
  },
  {
    check: "cnspec server-has-security-group (rackspace: no group until attached)",
    policy: "secgroups-server-without-group",
    trips: program([port(443)], { attached: false, network: "PublicNet" }),
    passes: program([port(443)], { network: "PublicNet" }),
    profile: "rackspace",
  },
  {
    check: "cnspec server-not-internet-reachable (any public ingress of every protocol)",
    policy: "secgroups-any-protocol-from-internet",
    trips: program([{ protocol: "any" }]),
    passes: program([port(443)]),
  },
];

/** cnspec's port lists (no-unrestricted-ssh, -rdp, -winrm, -db-ports, -mgmt-ports): each ours too. */
const CNSPEC_PORTS = [22, 3389, 5985, 5986, 3306, 5432, 27017, 6379, 11211, 9200, 1433, 1521, 6443, 10250, 2379, 2380, 2375, 2376];

describe("findings parity with checkov, trivy and cnspec", () => {
  for (const m of MAPPED) {
    it(`${m.check} → ${m.policy}: trips, and passes when the peer passes`, () => {
      expect(tripped(m.trips, m.profile)).toContain(m.policy);
      expect(tripped(m.passes, m.profile)).not.toContain(m.policy);
    });
  }

  it("cnspec's SSH, RDP, WinRM, database and management ports: each one open to the internet is ours too", () => {
    const missed = CNSPEC_PORTS.filter((p) => !tripped(program([port(p)])).includes("secgroups-admin-port-from-internet"));
    expect(missed).toEqual([]);
    const privately = CNSPEC_PORTS.filter((p) => tripped(program([port(p, "10.0.0.0/8")])).includes("secgroups-admin-port-from-internet"));
    expect(privately).toEqual([]);
  });

  it("what does not map stays quiet: HTTP from the internet (checkov CKV_AWS_260) is a web server's job", () => {
    expect(tripped(program([port(80)]))).toEqual([]);
  });

  it("a clean program trips nothing at all", () => {
    expect(tripped(program([port(443), port(22, "192.0.2.0/24")]))).toEqual([]);
  });
});
