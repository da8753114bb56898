/**
 * Hand-made exposure models the exposure tests share: rules with numbered ids (r001, r002, …) and a
 * three-tier project (web, app and ops groups; web-1 on a public and a private network, app-1 on the
 * private one) to add rules to.
 */
import type { ExposureModel, ModelRule } from "../../../provider/domain/exposure";

/**
 * The last rule number used. threeTier's four rules are r001-r004 and a rule made for it (before
 * the call) continues after them: the count starts where every threeTier call leaves it, so rule ids
 * do not depend on which test of which file runs first.
 */
let ruleCount = 4;
/** A rule of `group` (ingress, IPv4, any protocol, all ports, no remote unless given). */
export function r(group: string, fields: Partial<ModelRule> = {}): ModelRule {
  ruleCount += 1;
  return {
    id: `r${String(ruleCount).padStart(3, "0")}`,
    securityGroupId: group,
    direction: "ingress",
    ethertype: "IPv4",
    protocol: null,
    portRangeMin: null,
    portRangeMax: null,
    remoteIpPrefix: null,
    remoteGroupId: null,
    remoteSubnetId: null,
    description: "",
    ...fields,
  };
}

export const tcp = (port: number, remote: Partial<ModelRule> = {}): Partial<ModelRule> => ({
  protocol: "tcp",
  portRangeMin: port,
  portRangeMax: port,
  ...remote,
});

/** web (public + private), app (private), three groups; web lets in 443 from anywhere, app 8080 from web's members. */
export function threeTier(extra: { rules?: ModelRule[]; stateless?: boolean } = {}): ExposureModel {
  ruleCount = 0;
  return {
    profile: "openstack",
    project: "default",
    groups: [
      { id: "g-web", name: "web", stateful: true },
      { id: "g-app", name: "app", stateful: !extra.stateless },
      { id: "g-ops", name: "ops", stateful: true },
    ],
    rules: [
      r("g-web", tcp(443, { remoteIpPrefix: "0.0.0.0/0" })),
      r("g-web", { direction: "egress" }),
      r("g-app", tcp(8080, { remoteGroupId: "g-web" })),
      r("g-app", { direction: "egress", ethertype: "IPv4", protocol: "tcp", portRangeMin: 5432, portRangeMax: 5432, remoteSubnetId: "n-db" }),
      ...(extra.rules ?? []),
    ],
    servers: [
      {
        id: "s-web",
        name: "web-1",
        status: "ACTIVE",
        ports: [
          { id: "p-web-pub", networkId: "n-pub", networkName: "public", fixedIp: "203.0.113.2", securityGroupIds: ["g-web"] },
          { id: "p-web-priv", networkId: "n-priv", networkName: "private", fixedIp: "10.0.0.2", securityGroupIds: ["g-web"] },
        ],
      },
      {
        id: "s-app",
        name: "app-1",
        status: "ACTIVE",
        ports: [{ id: "p-app", networkId: "n-priv", networkName: "private", fixedIp: "10.0.0.3", securityGroupIds: ["g-app"] }],
      },
    ],
    networks: [
      { id: "n-pub", name: "public", subnets: ["203.0.113.0/24"] },
      { id: "n-priv", name: "private", subnets: ["10.0.0.0/24"] },
      { id: "n-db", name: "db-net", subnets: ["10.9.0.0/24", "10.9.1.0/24"] },
    ],
  };
}
