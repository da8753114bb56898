// Seed 004 (evroc, "Security Groups") as a Pulumi program, with the profile `evroc` (Pulumi.yaml
// sets secgroups:profile):
//   - "Each project includes three preconfigured security groups": default-allow-egress,
//     default-allow-web-protocols, default-allow-ssh. The cloud makes them with the project; the
//     program does not declare them (a SecurityGroup with one of those names is refused).
//   - "VMs are automatically added to [default-allow-egress] unless you specify different security
//     groups" and "Once you assign custom security groups to a VM, the default security group no
//     longer applies." -> vm-2 keeps default-allow-egress; vm-1 loses it when app-tier-sg attaches.
//   - "Subnet reference: Allow traffic to or from all addresses in a specific subnet." -> Peer.subnet.
//   - "To allow these protocols [IP in IP, SCTP], use the protocol type "All"" -> Port.allTraffic().
//   - "Traffic between VMs in the same security group isn't allowed by default. Add explicit rules"
//     -> the app-tier-sg rule whose remote is app-tier-sg itself.
import { Network, Peer, Port, SecurityGroup, Server, ServerAttachment } from "pulumi-secgroups";

// evroc's backend subnet; a Network with one subnet CIDR, whose id the subnet remote names.
const backend = new Network("backend-subnet", { subnets: ["10.20.0.0/24"] });

// New groups on evroc start empty: default deny.
const appTier = new SecurityGroup("app-tier-sg", { description: "Application tier" });
// Protocol "All" (IP-in-IP for Calico, SCTP, ...) from every address of the backend subnet.
const overlay = appTier.allowIngress(
  "app-tier-all-from-backend-subnet",
  Peer.subnet(backend.id),
  Port.allTraffic(),
  "overlay traffic (IP in IP) from the backend subnet",
);
// TCP 8080 between members of the group (no implicit intra-group traffic).
const members = appTier.allowIngress("app-tier-8080-from-members", Peer.group(appTier), Port.tcp(8080));

// vm-1: on the public network and the backend subnet; launched without groups, so it starts in
// default-allow-egress, which app-tier-sg then replaces on both ports.
const vm1 = new Server("vm-1", { networks: ["public", backend.id], bootSeconds: 1 });
const vm1AppTier = new ServerAttachment("vm-1-app-tier-sg", { serverId: vm1.id, securityGroupId: appTier.id });
// "default-allow-ssh ... must be joined explicitly": vm-1 joins it on its public port. The cloud
// picks the default groups' ids, so the attachment names the group by its name.
const vm1Ssh = new ServerAttachment("vm-1-default-allow-ssh", { serverId: vm1.id, securityGroupId: "default-allow-ssh", network: "public" });
// vm-2: launched without groups and left so: it stays in default-allow-egress.
const vm2 = new Server("vm-2", { networks: [backend.id], bootSeconds: 1 });

export const subnetId = backend.id;
export const subnets = backend.subnets;
export const appTierGroup = { id: appTier.id, name: appTier.name };
export const overlayRule = {
  protocol: overlay.protocol,
  portRangeMin: overlay.portRangeMin,
  portRangeMax: overlay.portRangeMax,
  remoteSubnetId: overlay.remoteSubnetId,
  ethertype: overlay.ethertype,
};
export const membersRule = {
  protocol: members.protocol,
  portRangeMin: members.portRangeMin,
  portRangeMax: members.portRangeMax,
  remoteGroupId: members.remoteGroupId,
};
export const servers = {
  "vm-1": { id: vm1.id, status: vm1.status, ports: vm1.ports.apply((p) => p.length) },
  "vm-2": { id: vm2.id, status: vm2.status, ports: vm2.ports.apply((p) => p.length) },
};
/** Ports app-tier-sg was attached to on vm-1: both (public and the backend subnet). */
export const vm1AppTierPorts = vm1AppTier.portIds.apply((ids) => ids.length);
/** The default group vm-1 joined by name, and on how many ports (its public one). */
export const vm1DefaultSsh = { group: vm1Ssh.securityGroupId, ports: vm1Ssh.portIds.apply((ids) => ids.length) };
