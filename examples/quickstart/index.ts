// Seed 001 as a Pulumi program:
//   openstack security group create allow-ssh-from-anywhere --description Beispiel
//   openstack security group rule create allow-ssh-from-anywhere --protocol tcp --dst-port 22:22 --remote-ip 0.0.0.0/0
// The backend (the "cloud") is the embedded SQLite file .secgroups/cloud.db next to this program
// unless secgroups:backend says otherwise.
import { Peer, Port, SecurityGroup } from "pulumi-secgroups";

const group = new SecurityGroup("allow-ssh-from-anywhere", {
  description: "Beispiel",
});
const ssh = group.allowIngress("ssh", Peer.anyIpv4(), Port.SSH);

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
