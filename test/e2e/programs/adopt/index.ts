// Brings a group, its HTTPS rule and its attachment to a server, all made outside Pulumi, under
// management with the `import` resource option. Config `adopt:*` names the objects and the values
// the program declares (so a test can make them differ from the backend).
import * as pulumi from "@pulumi/pulumi";
import { Peer, Port, SecurityGroup, ServerAttachment } from "pulumi-secgroups";

const cfg = new pulumi.Config("adopt");
const web = new SecurityGroup(
  "web",
  {
    name: "legacy-web",
    description: cfg.require("description"),
  },
  { import: cfg.require("groupId") },
);
const ruleId = cfg.get("ruleId");
const https = web.allowIngress("https", Peer.anyIpv4(), Port.HTTPS, cfg.require("ruleDescription"), ruleId ? { import: ruleId } : {});
const attachment = new ServerAttachment(
  "web-on-vm",
  {
    serverId: cfg.require("serverId"),
    securityGroupId: web.id,
    network: cfg.get("network"),
  },
  { import: cfg.require("attachmentId") },
);

export const groupId = web.id;
export const groupDescription = web.description;
export const unmanagedRules = web.unmanagedRules;
export const httpsRuleId = https.id;
export const attachmentId = attachment.id;
export const portIds = attachment.portIds;
