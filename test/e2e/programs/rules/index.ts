// Seed 001: allow-ssh-from-anywhere with `rule create --protocol tcp --dst-port 22:22 --remote-ip 0.0.0.0/0`,
// plus a rule in the spelling that drifts forever in terraform-provider-openstack (#955, #2023):
// protocol 6, ports 1-65535, a bare IP. Canonicalised in check, it must preview clean the second time.
import * as pulumi from "@pulumi/pulumi";
import { Peer, Port, SecurityGroup, SecurityGroupRule } from "pulumi-secgroups";

const cfg = new pulumi.Config("test");
const group = new SecurityGroup("allow-ssh-from-anywhere", { description: "Beispiel" });
const ssh = group.allowIngress("ssh", Peer.anyIpv4(), Port.SSH);

const drifty = cfg.getBoolean("drifty") ?? true;
const rules = [ssh];
if (drifty) {
  rules.push(
    new SecurityGroupRule("all-tcp-from-host", {
      securityGroupId: group.id,
      protocol: 6,
      portRangeMin: 1,
      portRangeMax: 65535,
      remoteIpPrefix: "1.2.3.4",
      description: cfg.get("ruleDescription") ?? "admin host",
    }),
  );
}

export const groupId = group.id;
export const revisionNumber = group.revisionNumber;
export const ruleIds = rules.map((r) => r.id);
export const sshRule = { protocol: ssh.protocol, min: ssh.portRangeMin, max: ssh.portRangeMax, remote: ssh.remoteIpPrefix, ethertype: ssh.ethertype };
