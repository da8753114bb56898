// A fleet sized by stack config `fleet:*`, every name starting with `fleet:prefix`:
// groups <prefix>-g0..g(G-1), each with R rules (tcp 1000+j from 10.<i>.0.0/16); with S > 0 servers
// also a private network <prefix>-net and servers <prefix>-s0..s(S-1), each with groups g0..g(A-1)
// attached. With `fleet:serverIds` (a JSON list of ids, e.g. servers the compute service made on
// a real Neutron) the servers exist already: they are read, and neither they nor a network are made.
// What the backend must hold afterwards is exactly this, which the tests check.
import * as pulumi from "@pulumi/pulumi";
import { Network, SecurityGroup, SecurityGroupRule, Server, ServerAttachment } from "pulumi-secgroups";

const cfg = new pulumi.Config("fleet");
const prefix = cfg.require("prefix");
const groupCount = cfg.requireNumber("groups");
const rulesPerGroup = cfg.getNumber("rulesPerGroup") ?? 0;
const serverCount = cfg.getNumber("servers") ?? 0;
const attachPerServer = cfg.getNumber("attachPerServer") ?? 0;
const existingIds = cfg.getObject<string[]>("serverIds");

const groups = Array.from({ length: groupCount }, (_, i) => new SecurityGroup(`${prefix}-g${i}`, { description: `fleet group ${i}` }));
const rules = groups.flatMap((g, i) =>
  Array.from(
    { length: rulesPerGroup },
    (_, j) =>
      new SecurityGroupRule(
        `${prefix}-g${i}-r${j}`,
        {
          securityGroupId: g.id,
          direction: "ingress",
          protocol: "tcp",
          portRangeMin: 1000 + j,
          portRangeMax: 1000 + j,
          remoteIpPrefix: `10.${i}.0.0/16`,
        },
        { parent: g },
      ),
  ),
);

const net = serverCount > 0 && !existingIds ? new Network(`${prefix}-net`, { subnets: ["10.99.0.0/24"] }) : undefined;
const servers = Array.from({ length: serverCount }, (_, k) =>
  existingIds ? Server.get(`${prefix}-s${k}`, existingIds[k]!) : new Server(`${prefix}-s${k}`, { networks: [net!.name] }),
);
const attachments = servers.flatMap((s, k) =>
  Array.from(
    { length: attachPerServer },
    (_, a) => new ServerAttachment(`${prefix}-s${k}-a${a}`, { serverId: s.id, securityGroupId: groups[a]!.id }),
  ),
);

export const groupIds = groups.map((g) => g.id);
export const ruleCount = rules.length;
export const serverIds = servers.map((s) => s.id);
export const attachmentCount = attachments.length;
