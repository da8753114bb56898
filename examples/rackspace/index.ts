// Seed 002 (Rackspace Cloud Networks, "Using security groups") as a Pulumi program, with the
// profile `rackspace` (Pulumi.yaml sets secgroups:profile):
//   - "You can apply neutron security groups to cloud server virtual interfaces (ports) only after
//     the server is up and running. You cannot apply them at boot time." -> the Server has no
//     securityGroupIds; every group comes with a ServerAttachment, which waits for ACTIVE.
//   - "You can apply security groups only to PublicNet and ServiceNet at this time."
//   - "You can have a maximum of five security groups attached per network per server." -> five on
//     PublicNet; `pulumi config set sixthGroup true` makes `pulumi preview` fail with
//     SG_LIMIT_GROUPS_PER_PORT before anything changes.
//   - "Outbound security groups are available, but not in the Cloud Control Panel. You must use the
//     API" -> the `outbound` group's egress rule.
// Rackspace groups start empty (no default egress rules) and take CIDR remotes only.
import * as pulumi from "@pulumi/pulumi";
import { Peer, Port, SecurityGroup, Server, ServerAttachment } from "pulumi-secgroups";

const config = new pulumi.Config();
const adminCidr = config.get("adminCidr") ?? "192.0.2.0/24";
// On a real cloud (secgroups:backend openstack) servers are the compute service's: name the ones
// it made, `pulumi config set --path existingServers.web-1 SERVER_ID`, and they are read, not made.
const existingServers = config.getObject<Record<string, string>>("existingServers") ?? {};

// The server: a port on each of Rackspace's two networks. bootSeconds simulates the boot.
const web = existingServers["web-1"]
  ? Server.get("web-1", existingServers["web-1"])
  : new Server("web-1", { networks: ["PublicNet", "ServiceNet"], bootSeconds: 1 });

// Five groups for the PublicNet port, one concern each.
const publicNet: Array<{ name: string; description: string; rules: (g: SecurityGroup) => void }> = [
  {
    name: "ssh-from-admin",
    description: "SSH from the admin network",
    rules: (g) => g.allowIngress("ssh-from-admin-tcp-22", Peer.ipv4(adminCidr), Port.SSH),
  },
  { name: "http", description: "HTTP from anywhere", rules: (g) => g.allowIngress("http-tcp-80", Peer.anyIpv4(), Port.HTTP) },
  { name: "https", description: "HTTPS from anywhere", rules: (g) => g.allowIngress("https-tcp-443", Peer.anyIpv4(), Port.HTTPS) },
  { name: "ping", description: "ICMP echo request from anywhere", rules: (g) => g.allowIngress("ping-icmp-8-0", Peer.anyIpv4(), Port.PING) },
  {
    name: "outbound",
    description: "All outbound IPv4 traffic (API only at Rackspace)",
    rules: (g) => g.allowEgress("outbound-any", Peer.anyIpv4(), Port.allTraffic()),
  },
];
if (config.getBoolean("sixthGroup")) {
  publicNet.push({
    name: "alt-http",
    description: "HTTP on 8080 from anywhere",
    rules: (g) => g.allowIngress("alt-http-tcp-8080", Peer.anyIpv4(), Port.tcp(8080)),
  });
}

const attached = publicNet.map((spec) => {
  const group = new SecurityGroup(spec.name, { description: spec.description });
  spec.rules(group);
  const attachment = new ServerAttachment(`web-1-${spec.name}`, { serverId: web.id, securityGroupId: group.id, network: "PublicNet" });
  return { group, attachment };
});

// One group on ServiceNet, Rackspace's internal network (10.176.0.0/12).
const internal = new SecurityGroup("servicenet-internal", { description: "TCP from ServiceNet" });
internal.allowIngress("servicenet-internal-tcp", Peer.ipv4("10.176.0.0/12"), Port.allTcp());
const internalAttachment = new ServerAttachment("web-1-servicenet-internal", {
  serverId: web.id,
  securityGroupId: internal.id,
  network: "ServiceNet",
});

export const server = {
  id: web.id,
  name: web.name,
  status: web.status,
  ports: web.ports.apply((ports) => ports.map((p) => ({ networkId: p.networkId, fixedIp: p.fixedIp }))),
};
/** Names of the groups attached on PublicNet, in program order. */
export const publicNetGroups = attached.map((a) => a.group.name);
/** Ports each PublicNet attachment touched (one each: the server's PublicNet port). */
export const publicNetAttachmentPorts = attached.map((a) => a.attachment.portIds.apply((ids) => ids.length));
export const serviceNetGroups = [internal.name];
export const serviceNetAttachmentPorts = internalAttachment.portIds.apply((ids) => ids.length);
