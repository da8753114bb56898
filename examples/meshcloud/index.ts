// Seed 003 (Meshcloud, "Security") as a Pulumi program, with the profile `meshcloud` (Pulumi.yaml
// sets secgroups:profile):
//   - "Assigning multiple security groups to an instance is possible but it has to have at least one
//     assigned to it." -> the instance launches with allow-ssh and gets allow-ping after launch;
//     `pulumi config set launchWithoutGroups true` makes `pulumi preview` fail with SG_MIN_GROUPS.
//   - "Protocol: Specifying either TCP for SSH, ICMP for pings, or UDP." and "Destination Port ...
//     (not supported by ICMP, enter values defining the codes and types of ICMP traffic instead)"
//     -> the ping rule is ICMP type 8 (echo request), code 0, in portRangeMin/portRangeMax as Neutron.
import * as pulumi from "@pulumi/pulumi";
import { Peer, Port, SecurityGroup, Server, ServerAttachment } from "pulumi-secgroups";

const config = new pulumi.Config();

const ssh = new SecurityGroup("allow-ssh", { description: "SSH from anywhere" });
const sshTcp22 = ssh.allowIngress("allow-ssh-tcp-22", Peer.anyIpv4(), Port.SSH);

const ping = new SecurityGroup("allow-ping", { description: "ICMP echo request (ping) from anywhere" });
// Port.icmp(type, code); Port.PING is the same rule.
const echoRequest = ping.allowIngress("allow-ping-echo-request", Peer.anyIpv4(), Port.icmp(8, 0));

// At launch: allow-ssh (leaving securityGroupIds out would give the project's `default` group).
const instance = new Server("instance-1", {
  networks: ["public"],
  securityGroupIds: config.getBoolean("launchWithoutGroups") ? [] : [ssh.id],
  bootSeconds: 1,
});
// After launch: allow-ping. Detaching it later is fine, allow-ssh stays; the launch-time group
// is the instance's last one and stays as long as the instance does.
const pingAttachment = new ServerAttachment("instance-1-allow-ping", { serverId: instance.id, securityGroupId: ping.id });

export const server = { id: instance.id, name: instance.name, status: instance.status };
export const groups = [ssh.name, ping.name];
export const pingRule = {
  protocol: echoRequest.protocol,
  icmpType: echoRequest.portRangeMin,
  icmpCode: echoRequest.portRangeMax,
  remoteIpPrefix: echoRequest.remoteIpPrefix,
};
export const sshRule = { protocol: sshTcp22.protocol, portRangeMin: sshTcp22.portRangeMin, portRangeMax: sshTcp22.portRangeMax };
export const pingAttachmentPorts = pingAttachment.portIds.apply((ids) => ids.length);
