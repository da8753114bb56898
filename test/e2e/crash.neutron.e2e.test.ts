/**
 * Crash safety (see crash.ts) on a real Neutron 29 (noauth; tools/neutron.ts): the runs (CRASH_RUNS: 3 in the test command, 10 in scripts/soak.sh) of a
 * SIGKILLed provider during `up`, then `refresh` + `up`. The servers are made first, as the compute
 * service makes them; afterwards Neutron's own listing of the project must show exactly the fleet:
 * no duplicate group or rule, nothing leaked, each server's port with its launch group and the two
 * attached.
 */
import { afterAll, beforeAll, describe } from "vitest";
import { NoAuth } from "../../provider/backends/openstack/auth";
import { OpenstackBackend } from "../../provider/backends/openstack/backend";
import { loadProfile } from "../../provider/profileLoader";
import { startNeutron, type NeutronServer } from "../../tools/neutron";
import { crashRuns } from "./crash";
import type { FleetShape } from "./fleet";
import { tempDir } from "./harness";
import { NeutronCloud } from "./neutronCloud";
import * as path from "node:path";

let neutron: NeutronServer;
let cloud: NeutronCloud;
let cloudsYaml = "";

beforeAll(async () => {
  neutron = await startNeutron();
  cloud = new NeutronCloud(neutron.url);
  await cloud.builtinNetworks(loadProfile("openstack", path.resolve(__dirname, "../..")));
  cloudsYaml = cloud.cloudsYaml(tempDir("crash-neutron"), "lab");
}, 600_000);

afterAll(async () => {
  await neutron?.stop();
});

/** How many of the fleet's objects Neutron holds: groups, rules (default ones not counted) and groups attached to ports, in three light listings. */
async function neutronObjects(project: string, s: FleetShape): Promise<number> {
  const groups = (
    await cloud.request<{ security_groups: Array<{ id: string; name: string }> }>(
      "GET",
      `/security-groups?project_id=${project}&fields=id&fields=name`,
    )
  ).security_groups;
  const fleet = new Set(groups.filter((g) => g.name.startsWith(`${s.prefix}-`)).map((g) => g.id));
  const rules = (
    await cloud.request<{ security_group_rules: Array<{ security_group_id: string; direction: string }> }>(
      "GET",
      `/security-group-rules?project_id=${project}&fields=security_group_id&fields=direction`,
    )
  ).security_group_rules.filter((r) => fleet.has(r.security_group_id) && r.direction === "ingress");
  const ports = (await cloud.request<{ ports: Array<{ security_groups: string[] }> }>("GET", `/ports?project_id=${project}&fields=security_groups`))
    .ports;
  return fleet.size + rules.length + ports.flatMap((p) => p.security_groups).filter((g) => fleet.has(g)).length;
}

/** Every way Neutron's listing of `project` differs from the fleet `s`; [] = exact. */
async function neutronMismatches(project: string, s: FleetShape): Promise<string[]> {
  const problems: string[] = [];
  const same = (what: string, actual: string[], expected: string[]) => {
    const a = [...actual].sort();
    const e = [...expected].sort();
    if (JSON.stringify(a) !== JSON.stringify(e)) problems.push(`${what}: expected ${JSON.stringify(e)}, Neutron has ${JSON.stringify(a)}`);
  };
  const groups = await cloud.groups(project);
  const fleet = Array.from({ length: s.groups }, (_, i) => `${s.prefix}-g${i}`);
  same(
    "groups",
    groups.map((g) => g.name),
    ["default", ...fleet],
  );
  const name = new Map(groups.map((g) => [g.id, g.name]));
  for (const g of groups.filter((x) => x.name !== "default")) {
    const i = fleet.indexOf(g.name);
    same(
      `rules of ${g.name}`,
      g.security_group_rules.map((r) => `${r.direction} ${r.ethertype} ${r.protocol} ${r.port_range_min}-${r.port_range_max} ${r.remote_ip_prefix}`),
      [
        "egress IPv4 null null-null null",
        "egress IPv6 null null-null null",
        ...Array.from({ length: s.rulesPerGroup }, (_, j) => `ingress IPv4 tcp ${1000 + j}-${1000 + j} 10.${i}.0.0/16`),
      ],
    );
  }
  const ports = await cloud.ports(project);
  same(
    "ports",
    ports.map((p) => p.device_id),
    s.serverIds ?? [],
  );
  for (const p of ports) {
    same(
      `groups on ${p.device_id}'s port`,
      p.security_groups.map((id) => name.get(id) ?? id),
      ["default", ...fleet.slice(0, s.attachPerServer)],
    );
  }
  same("networks", await cloud.networkNames(project), []);
  return problems;
}

describe("crash safety on a real Neutron", () => {
  crashRuns(
    "Neutron",
    () => "openstack://lab",
    () => new OpenstackBackend(new NoAuth(neutron.url)),
    {
      async prepare(project) {
        const serverIds = [];
        for (let k = 0; k < 3; k++) serverIds.push(await cloud.bootServer(project, ["public"]));
        return { env: { OS_CLIENT_CONFIG_FILE: cloudsYaml }, serverIds };
      },
      verify: neutronMismatches,
      latestTarget: 40,
      count: neutronObjects,
    },
  );
});
