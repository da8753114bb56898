/**
 * preview-report's reading of `pulumi preview --json` (steps shaped as Pulumi 3.259 prints them:
 * op, urn, oldState {id, inputs, outputs}, newState {type, inputs, propertyDependencies}) and its
 * planned state: ids unknown at preview followed through propertyDependencies, the profile's
 * launch and fallback groups, deletes and swaps; and the file errors.
 */
import { describe, expect, it } from "vitest";
import type { ExposureModel } from "../../provider/domain/exposure";
import { loadProfile } from "../../provider/profileLoader";
import { UNKNOWN } from "../../provider/domain/unknown";
import { applyPreview } from "../../provider/domain/plan";
import { parsePreview } from "../../provider/cli/preview";
import { SecgroupsError } from "../../provider/errors";

const ROOT = `${__dirname}/../..`;
const T = "pulumi-nodejs:dynamic/secgroups:";
const urn = (type: string, name: string) => `urn:pulumi:dev::proj::${T}${type}::${name}`;

function step(
  op: string,
  type: string,
  name: string,
  fields: { id?: string; oldInputs?: object; oldOutputs?: object; inputs?: object; deps?: Record<string, string[]> } = {},
) {
  return {
    op,
    urn: urn(type, name),
    provider: "urn:pulumi:dev::proj::pulumi:providers:pulumi-nodejs::default::x",
    ...(fields.id || fields.oldInputs
      ? { oldState: { type: `${T}${type}`, id: fields.id, inputs: fields.oldInputs ?? {}, outputs: fields.oldOutputs ?? {} } }
      : {}),
    ...(op !== "delete"
      ? {
          newState: {
            type: `${T}${type}`,
            inputs: { __provider: "exports.handler = __f0;", ...fields.inputs },
            propertyDependencies: fields.deps ?? {},
          },
        }
      : {}),
    detailedDiff: null,
  };
}

function preview(steps: object[], extra: object = {}): string {
  return JSON.stringify({
    config: {},
    changeSummary: {},
    duration: 1,
    steps: [
      {
        op: "same",
        urn: "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev",
        oldState: { type: "pulumi:pulumi:Stack" },
        newState: { type: "pulumi:pulumi:Stack" },
      },
      ...steps,
    ],
    ...extra,
  });
}

const empty = (profile: string): ExposureModel => ({ profile, project: "default", groups: [], rules: [], servers: [], networks: [] });

/** Ports as `server/network: group names`. */
function ports(m: ExposureModel): string[] {
  const name = new Map(m.groups.map((g) => [g.id, g.name]));
  return m.servers.flatMap((s) =>
    s.ports.map(
      (p) =>
        `${s.name}/${p.networkName} ${p.fixedIp ?? "?"}: ${p.securityGroupIds
          .map((id) => name.get(id) ?? id)
          .sort()
          .join(",")}`,
    ),
  );
}

describe("parsePreview", () => {
  it("keeps this package's steps and counts the others; reads error diagnostics", () => {
    const p = parsePreview(
      preview(
        [
          step("create", "SecurityGroup", "web", { inputs: { name: "web" } }),
          { op: "create", urn: "urn:pulumi:dev::proj::aws:s3/bucket:Bucket::b", newState: { type: "aws:s3/bucket:Bucket", inputs: {} } },
        ],
        {
          diagnostics: [
            { severity: "error", message: "error: SG_INVALID_INPUT: x\n" },
            { severity: "warning", message: "w" },
          ],
        },
      ),
      "p.json",
    );
    expect(p.steps.map((s) => `${s.op} ${s.type} ${s.name}`)).toEqual(["create SecurityGroup web"]);
    expect(p.otherSteps).toBe(1);
    expect(p.errors).toEqual(["error: SG_INVALID_INPUT: x"]);
  });

  it("a file that is not a preview is SG_INVALID_INPUT naming the file, with the fix", () => {
    const err = (text: string) => {
      try {
        parsePreview(text, "p.json");
      } catch (e) {
        return e instanceof SecgroupsError ? `${e.code} ${e.details.property}: ${e.message}` : String(e);
      }
      return "no error";
    };
    expect(err("{")).toBe(
      "SG_INVALID_INPUT FILE: SG_INVALID_INPUT: the preview file is not JSON (Expected property name or '}' in JSON at position 1 (line 1 column 2)) (property FILE, got \"p.json\"); " +
        "allowed: the JSON that `pulumi preview --json` prints; fix: run `pulumi preview --json > preview.json` and pass that file",
    );
    expect(err('{"resources": []}')).toMatch(/^SG_INVALID_INPUT FILE: SG_INVALID_INPUT: the preview file has no steps array/);
  });
});

describe("applyPreview", () => {
  it("evroc, a first preview: the default groups come from the profile; unknown ids follow propertyDependencies; attaching drops default-allow-egress", () => {
    const evroc = loadProfile("evroc", ROOT);
    const p = parsePreview(
      preview([
        step("create", "SecurityGroup", "app", { inputs: { name: "app", stateful: true } }),
        step("create", "SecurityGroupRule", "app-https", {
          inputs: {
            securityGroupId: UNKNOWN,
            direction: "ingress",
            ethertype: "IPv4",
            protocol: "tcp",
            portRangeMin: 443,
            portRangeMax: 443,
            remoteIpPrefix: "0.0.0.0/0",
            description: "",
          },
          deps: { securityGroupId: [urn("SecurityGroup", "app")] },
        }),
        step("create", "Server", "vm-1", { inputs: { name: "vm-1", networks: ["public"] } }),
        step("create", "Server", "vm-2", { inputs: { name: "vm-2", networks: ["public"] } }),
        step("create", "ServerAttachment", "vm-1-app", {
          inputs: { serverId: UNKNOWN, securityGroupId: UNKNOWN },
          deps: { serverId: [urn("Server", "vm-1")], securityGroupId: [urn("SecurityGroup", "app")] },
        }),
        step("create", "ServerAttachment", "vm-2-ssh", {
          inputs: { serverId: UNKNOWN, securityGroupId: "default-allow-ssh" },
          deps: { serverId: [urn("Server", "vm-2")] },
        }),
        step("create", "ServerAttachment", "vm-2-mystery", {
          inputs: { serverId: UNKNOWN, securityGroupId: UNKNOWN },
          deps: { serverId: [urn("Server", "vm-2")] },
        }),
      ]),
      "p.json",
    );
    const planned = applyPreview(empty("evroc"), p, evroc);
    expect(planned.model.groups.map((g) => `${g.id} ${g.name}`)).toEqual([
      "default:default-allow-egress default-allow-egress",
      "default:default-allow-web-protocols default-allow-web-protocols",
      "default:default-allow-ssh default-allow-ssh",
      "new:app app",
    ]);
    expect(ports(planned.model)).toEqual(["vm-1/public ?: app", "vm-2/public ?: default-allow-ssh"]);
    expect(
      planned.model.rules.filter((r) => r.securityGroupId === "new:app").map((r) => `${r.id} ${r.protocol} ${r.portRangeMin} ${r.remoteIpPrefix}`),
    ).toEqual(["new:app-https tcp 443 0.0.0.0/0"]);
    expect(planned.changes.map((c) => `${c.op} ${c.type} ${c.name}: ${c.detail}`)).toEqual([
      "create SecurityGroup app: stateful",
      "create SecurityGroupRule app-https: ingress IPv4 tcp 443 from 0.0.0.0/0 in group app",
      "create Server vm-1: on public; groups at launch: default-allow-egress; fixed IPs known after apply",
      "create Server vm-2: on public; groups at launch: default-allow-egress; fixed IPs known after apply",
      "create ServerAttachment vm-1-app: app on vm-1 (every attachable network)",
      "create ServerAttachment vm-2-ssh: default-allow-ssh on vm-2 (every attachable network)",
      "create ServerAttachment vm-2-mystery: server or group known after apply",
    ]);
    expect(planned.knownAfterApply).toEqual([
      "ServerAttachment vm-2-mystery: securityGroupId is known only after apply and names no single resource of this preview",
      "ServerAttachment vm-2-mystery: the group is known only after apply",
    ]);
  });

  it("rackspace: no launch groups; deleting the last attachment leaves the port without groups; a swap changes the group in place", () => {
    const rackspace = loadProfile("rackspace", ROOT);
    const before: ExposureModel = {
      profile: "rackspace",
      project: "default",
      groups: [
        { id: "g1", name: "ssh", stateful: true },
        { id: "g2", name: "web", stateful: true },
        { id: "g3", name: "ops", stateful: true },
      ],
      rules: [],
      servers: [
        {
          id: "s1",
          name: "web-1",
          status: "ACTIVE",
          ports: [
            {
              id: "p1",
              networkId: "00000000-0000-0000-0000-000000000000",
              networkName: "PublicNet",
              fixedIp: "198.51.100.2",
              securityGroupIds: ["g1", "g2"],
            },
            {
              id: "p2",
              networkId: "11111111-1111-1111-1111-111111111111",
              networkName: "ServiceNet",
              fixedIp: "10.176.0.2",
              securityGroupIds: ["g2"],
            },
          ],
        },
      ],
      networks: [],
    };
    const p = parsePreview(
      preview([
        step("delete", "ServerAttachment", "web-1-ssh", {
          id: "a1",
          oldInputs: { serverId: "s1", securityGroupId: "g1" },
          oldOutputs: { securityGroupId: "g1", portIds: ["p1"] },
        }),
        step("update", "ServerAttachment", "web-1-web", {
          id: "a2",
          oldInputs: { serverId: "s1", securityGroupId: "g2" },
          oldOutputs: { securityGroupId: "g2", portIds: ["p1", "p2"] },
          inputs: { serverId: "s1", securityGroupId: "g3" },
        }),
        step("create", "Server", "db-1", { inputs: { name: "db-1", networks: ["ServiceNet"] } }),
        step("replace", "SecurityGroupRule", "r", {
          id: "old-rule",
          oldInputs: { securityGroupId: "g3" },
          inputs: { securityGroupId: "g3", direction: "ingress", ethertype: "IPv4", protocol: "any", remoteIpPrefix: "10.0.0.0/8" },
        }),
      ]),
      "p.json",
    );
    const planned = applyPreview(before, p, rackspace);
    expect(ports(planned.model)).toEqual(["web-1/PublicNet 198.51.100.2: ops", "web-1/ServiceNet 10.176.0.2: ops", "db-1/ServiceNet ?: "]);
    expect(planned.changes.map((c) => `${c.op} ${c.type} ${c.name}: ${c.detail}`)).toEqual([
      "delete ServerAttachment web-1-ssh: ssh off 1 port(s) of server web-1",
      "update ServerAttachment web-1-web: swaps web for ops",
      "create Server db-1: on ServiceNet; groups at launch: none; fixed IPs known after apply",
      "replace SecurityGroupRule r: ingress IPv4 any protocol from 10.0.0.0/8 in group ops",
    ]);
    expect(planned.model.rules.map((r) => `${r.id} ${r.protocol}`)).toEqual(["new:r null"]);
    // The backend's state is not touched.
    expect(before.servers[0]!.ports[0]!.securityGroupIds).toEqual(["g1", "g2"]);
  });
});

describe("applyPreview: several deletes, values unknown until apply, files edited by hand", () => {
  const openstack = loadProfile("openstack", ROOT);
  const rackspace = loadProfile("rackspace", ROOT);
  const before = (): ExposureModel => ({
    profile: "openstack",
    project: "default",
    groups: [{ id: "g1", name: "web", stateful: true }],
    rules: ["r1", "r2", "r3"].map((id) => ({
      id,
      securityGroupId: "g1",
      direction: "ingress" as const,
      ethertype: "IPv4" as const,
      protocol: "tcp",
      portRangeMin: 22,
      portRangeMax: 22,
      remoteIpPrefix: `10.0.${id.slice(1)}.0/24`,
      remoteGroupId: null,
      remoteSubnetId: null,
      description: "",
    })),
    servers: [
      {
        id: "s1",
        name: "web-1",
        status: "ACTIVE",
        ports: [{ id: "p1", networkId: "n1", networkName: "public", fixedIp: "203.0.113.2", securityGroupIds: ["g1"] }],
      },
    ],
    networks: [
      { id: "n1", name: "public", subnets: ["203.0.113.0/24"] },
      { id: "n2", name: "spare", subnets: ["10.5.0.0/24"] },
    ],
  });

  it("deletes every rule the preview deletes, not only the last", () => {
    const p = parsePreview(
      preview([
        step("delete", "SecurityGroupRule", "a", { id: "r1", oldInputs: { securityGroupId: "g1" } }),
        step("delete", "SecurityGroupRule", "b", { id: "r2", oldInputs: { securityGroupId: "g1" } }),
      ]),
      "p.json",
    );
    expect(
      applyPreview(before(), p, openstack)
        .model.rules.map((r) => r.id)
        .filter((id) => !id.startsWith("default:")),
    ).toEqual(["r3"]);
  });

  /** A step as a YAML or Python program's preview shows it: the provider plugin's type tokens. */
  const pluginStep = (...args: Parameters<typeof step>) =>
    JSON.parse(
      JSON.stringify(step(...args))
        .split(T)
        .join("secgroups:index:"),
    );
  const ssh = (n: string) => ({
    direction: "ingress",
    ethertype: "IPv4",
    protocol: "tcp",
    portRangeMin: 22,
    portRangeMax: 22,
    remoteIpPrefix: `10.0.${n}.0/24`,
    description: "",
  });
  const https = {
    direction: "ingress",
    ethertype: "IPv4",
    protocol: "tcp",
    portRangeMin: 443,
    portRangeMax: 443,
    remoteIpPrefix: "0.0.0.0/0",
    description: "",
  };

  it("the plugin's types and a new group's inline rules: each rule made in the new group", () => {
    const p = parsePreview(
      preview([pluginStep("create", "SecurityGroup", "api", { inputs: { name: "api", stateful: true, rules: [https, ssh("9")] } })]),
      "p.json",
    );
    expect(p.otherSteps).toBe(0);
    expect(p.steps.map((x) => `${x.op} ${x.type} ${x.name}`)).toEqual([
      "create SecurityGroup api",
      "create SecurityGroupRule api.rules[0]",
      "create SecurityGroupRule api.rules[1]",
    ]);
    const planned = applyPreview(before(), p, openstack);
    const made = planned.model.rules.filter((r) => r.securityGroupId === "new:api");
    expect(made.map((r) => `${r.id} ${r.protocol} ${r.portRangeMin} ${r.remoteIpPrefix}`)).toEqual([
      "new:api:default-egress-IPv4 null null null",
      "new:api:default-egress-IPv6 null null null",
      "new:api.rules[0] tcp 443 0.0.0.0/0",
      "new:api.rules[1] tcp 22 10.0.9.0/24",
    ]);
    expect(planned.knownAfterApply).toEqual([]);
  });

  it("an update of a group's inline rules deletes the ones no longer listed and makes the new ones, keeping the rest", () => {
    const p = parsePreview(
      preview([
        pluginStep("update", "SecurityGroup", "web", {
          id: "g1",
          oldInputs: { name: "web", rules: [ssh("1"), ssh("2")] },
          oldOutputs: { name: "web", rules: [ssh("1"), ssh("2")], ruleIds: ["r1", "r2"] },
          inputs: { name: "web", stateful: true, rules: [https, ssh("1")] },
        }),
      ]),
      "p.json",
    );
    expect(p.steps.map((x) => `${x.op} ${x.type} ${x.name}${x.oldId ? ` ${x.oldId}` : ""}`)).toEqual([
      "update SecurityGroup web g1",
      "delete SecurityGroupRule web.rule:r2 r2",
      "create SecurityGroupRule web.rules[0]",
    ]);
    const planned = applyPreview(before(), p, openstack);
    expect(
      planned.model.rules
        .filter((r) => !r.id.startsWith("default:"))
        .map((r) => `${r.id} ${r.securityGroupId} ${r.portRangeMin} ${r.remoteIpPrefix}`)
        .sort(),
    ).toEqual(["new:web.rules[0] g1 443 0.0.0.0/0", "r1 g1 22 10.0.1.0/24", "r3 g1 22 10.0.3.0/24"]);
  });

  it("inline rules known only after apply: the recorded ones stay, and the report says what it cannot know yet", () => {
    const p = parsePreview(
      preview([
        pluginStep("update", "SecurityGroup", "web", {
          id: "g1",
          oldInputs: { name: "web", rules: [ssh("1"), ssh("2")] },
          oldOutputs: { name: "web", rules: [ssh("1"), ssh("2")], ruleIds: ["r1", "r2"] },
          inputs: { name: "web", stateful: true, rules: UNKNOWN },
        }),
      ]),
      "p.json",
    );
    const planned = applyPreview(before(), p, openstack);
    expect(planned.model.rules.map((r) => r.id).filter((id) => !id.startsWith("default:"))).toEqual(["r1", "r2", "r3"]);
    expect(planned.knownAfterApply).toEqual([
      "SecurityGroupRule web.rules: direction, ethertype, protocol, portRangeMin, portRangeMax, remoteIpPrefix known only after apply",
    ]);
  });

  it("a rule whose traffic or remote is unknown at preview is listed as known after apply, never guessed", () => {
    const p = parsePreview(
      preview([
        step("create", "SecurityGroupRule", "cidr-later", {
          inputs: {
            securityGroupId: "g1",
            direction: "ingress",
            ethertype: "IPv4",
            protocol: "tcp",
            portRangeMin: 5432,
            portRangeMax: 5432,
            remoteIpPrefix: UNKNOWN,
          },
        }),
        step("create", "SecurityGroupRule", "port-later", {
          inputs: {
            securityGroupId: "g1",
            direction: "ingress",
            ethertype: "IPv4",
            protocol: "tcp",
            portRangeMin: UNKNOWN,
            portRangeMax: UNKNOWN,
            remoteIpPrefix: "0.0.0.0/0",
          },
        }),
        step("create", "SecurityGroupRule", "group-later", {
          inputs: { securityGroupId: "g1", direction: "ingress", ethertype: "IPv4", protocol: "tcp", remoteGroupId: UNKNOWN },
        }),
        step("create", "ServerAttachment", "on-later-net", { inputs: { serverId: "s1", securityGroupId: "web", network: UNKNOWN } }),
        step("create", "Server", "spare-1", { inputs: { name: "spare-1", networks: ["spare", "nowhere"] } }),
      ]),
      "p.json",
    );
    const planned = applyPreview(before(), p, openstack);
    expect(planned.model.rules.map((r) => r.id).filter((id) => !id.startsWith("default:"))).toEqual(["r1", "r2", "r3"]);
    expect(planned.knownAfterApply).toEqual([
      'Server spare-1: networks[1] "nowhere" is neither in the backend nor made by this preview',
      "SecurityGroupRule cidr-later: remoteIpPrefix known only after apply",
      "SecurityGroupRule port-later: portRangeMin, portRangeMax known only after apply",
      "SecurityGroupRule group-later: remoteGroupId is known only after apply and names no single resource of this preview",
      "ServerAttachment on-later-net: network is known only after apply, so which ports get web is too (not evaluated)",
    ]);
    expect(planned.changes.map((c) => c.detail)).toEqual([
      "what it allows is known only after apply (not evaluated)",
      "what it allows is known only after apply (not evaluated)",
      "what it allows is known only after apply (not evaluated)",
      "web on web-1 (network known after apply)",
      "on spare, (known after apply); groups at launch: default; fixed IPs known after apply",
    ]);
    // The network no port used before is known: the new server's port is on it.
    expect(planned.model.servers[1]!.ports.map((x) => `${x.networkId} ${x.networkName}`)).toEqual(["n2 spare", "unknown:1 (known after apply)"]);
  });

  it("a CIDR that check would not have recorded (an edited file) is SG_INVALID_INPUT naming the step, not an internal error", () => {
    const p = parsePreview(
      preview([
        step("create", "SecurityGroupRule", "edited", {
          inputs: { securityGroupId: "g1", direction: "ingress", ethertype: "IPv4", protocol: "tcp", remoteIpPrefix: "10.0.0.1/24" },
        }),
      ]),
      "p.json",
    );
    expect(() => applyPreview(before(), p, openstack)).toThrow(
      new SecgroupsError("SG_INVALID_INPUT", {
        property: "SecurityGroupRule edited: remoteIpPrefix",
        problem: "is not a network in canonical CIDR notation, as check records it",
        value: "10.0.0.1/24",
        allowed: "10.0.0.0/24",
        fix: "pass the unedited output of `pulumi preview --json`",
      }),
    );
  });

  it("launch groups go only on the ports of networks that take groups", () => {
    const custom = {
      ...rackspace,
      name: "custom",
      groupsAtLaunch: true,
      launchGroup: "base",
      defaultGroups: [{ name: "base", description: "", rules: [] }],
    };
    const p = parsePreview(
      preview([
        step("create", "Server", "vm", { inputs: { name: "vm", networks: ["PublicNet", "isolated"] } }),
        step("create", "Network", "isolated", { inputs: { name: "isolated", subnets: ["10.7.0.0/24"] } }),
      ]),
      "p.json",
    );
    const planned = applyPreview({ ...before(), groups: [], rules: [], servers: [], networks: [] }, p, custom);
    expect(ports(planned.model)).toEqual(["vm/PublicNet ?: base", "vm/isolated ?: "]);
  });
});
