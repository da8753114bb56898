/**
 * Helpers the tests of the openstack backend on a real Neutron (tools/neutron.ts, noauth) share:
 * projects, groups, the rackspace attachment policy, Neutron's quotas raised for 50 groups, and
 * ports made as the compute service makes them.
 */
import { randomUUID } from "node:crypto";
import * as path from "node:path";
import { expect } from "vitest";
import type { DefaultRuleSpec, NewGroup } from "../../provider/backends/types";
import { attachmentPolicy } from "../../provider/domain/profiles";
import { loadProfile } from "../../provider/profileLoader";

/** How long startNeutron may take (the venv may have to be made first; the machine is shared). */
export const START_TIMEOUT_MS = 600_000;

/** neutron.conf lines for startNeutron's extraNeutronConf: Neutron's default quota (10 groups, 100 rules a project) is too small for 50 groups. */
export const RAISED_QUOTAS = "[quotas]\nquota_security_group = 100\nquota_security_group_rule = 1000\n";

export const EGRESS_ANY: DefaultRuleSpec[] = [
  { direction: "egress", ethertype: "IPv4" },
  { direction: "egress", ethertype: "IPv6" },
];

/** The rackspace profile's attachment policy: five groups a port, on PublicNet and ServiceNet. */
export const RACKSPACE = attachmentPolicy(loadProfile("rackspace", path.resolve(__dirname, "../..")));

/** A project of its own per test (Keystone writes ids as 32 hex digits). */
export function newProject(): string {
  return randomUUID().replaceAll("-", "");
}

export function newGroup(project: string, name: string, extra: Partial<NewGroup> = {}): NewGroup {
  return { project, name, description: `group ${name}`, stateful: true, tags: [], defaultRules: EGRESS_ANY, ...extra };
}

/** A port on `networkId` as the compute service makes one for server `deviceId` (no groups yet), made directly on the Neutron at `neutronUrl`; its id. */
export async function computePort(neutronUrl: string, project: string, networkId: string, deviceId: string): Promise<string> {
  const res = await fetch(`${neutronUrl}/v2.0/ports`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      port: { network_id: networkId, project_id: project, device_owner: "compute:nova", device_id: deviceId, security_groups: [] },
    }),
  });
  const body = (await res.json()) as { port: { id: string } };
  expect(res.status, JSON.stringify(body)).toBe(201);
  return body.port.id;
}
