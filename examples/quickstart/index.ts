// Seeds 001 and 000 as a Pulumi program:
//   openstack security group create allow-ssh-from-anywhere --description Beispiel
//   openstack security group rule create allow-ssh-from-anywhere --protocol tcp --dst-port 22:22 --remote-ip 0.0.0.0/0
// then a server, and the group applied to it once it is running ("Applying a security group on a
// running instance", seed 000).
// The backend (the "cloud") is the embedded SQLite file .secgroups/cloud.db next to this program
// unless secgroups:backend says otherwise.
import * as pulumi from "@pulumi/pulumi";
import { Peer, Port, SecurityGroup, Server, ServerAttachment } from "pulumi-secgroups";

// On a real cloud (secgroups:backend openstack) servers are the compute service's: name the ones
// it made, `pulumi config set --path existingServers.vm-1 SERVER_ID`, and they are read, not made.
const existingServers = new pulumi.Config().getObject<Record<string, string>>("existingServers") ?? {};

const group = new SecurityGroup("allow-ssh-from-anywhere", {
  description: "Beispiel",
});
const ssh = group.allowIngress("ssh", Peer.anyIpv4(), Port.SSH);

// Launched without security groups, the server gets the project's `default` group; the
// attachment adds allow-ssh-from-anywhere to its port on `public` once it is ACTIVE.
const vm = existingServers["vm-1"] ? Server.get("vm-1", existingServers["vm-1"]) : new Server("vm-1", { networks: ["public"], bootSeconds: 1 });
const attachment = new ServerAttachment("vm-1-allow-ssh-from-anywhere", {
  serverId: vm.id,
  securityGroupId: group.id,
});

export const id = group.id;
export const name = group.name;
export const description = group.description;
export const project = group.project;
export const defaultRuleIds = group.defaultRuleIds;
export const sshRule = {
  id: ssh.id,
  direction: ssh.direction,
  protocol: ssh.protocol,
  portRangeMin: ssh.portRangeMin,
  portRangeMax: ssh.portRangeMax,
  remoteIpPrefix: ssh.remoteIpPrefix,
};
export const server = {
  id: vm.id,
  name: vm.name,
  status: vm.status,
  fixedIp: vm.ports.apply((ports) => ports[0]?.fixedIp),
};
export const attachmentPortIds = attachment.portIds;
