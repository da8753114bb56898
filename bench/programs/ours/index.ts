// N resources of this provider (stack config `bench:n`), in the mix of a realistic project:
// 15 % groups, 10 % servers (booted at once, on the built-in network), 15 % attachments made after
// boot, the rest rules (tcp ports from a /16 per group). The stack config names a roomy profile so
// that quotas never bite. Counts: below (mixOf in bench/openstack.ts repeats them); the benchmark
// reports the split it finds in the state.
// With `bench:serverIds` (comma-separated ids, one per server of the mix) the servers are not
// created but read with Server.get: servers that exist already, as on the openstack backend, where
// the compute service makes them (bench/openstack.ts makes them on both backends it compares).
import * as pulumi from "@pulumi/pulumi";
import { SecurityGroup, SecurityGroupRule, Server, ServerAttachment } from "pulumi-secgroups";

const config = new pulumi.Config("bench");
const n = config.requireNumber("n");
const serverIds = config.get("serverIds")?.split(",");
const groupCount = Math.max(1, Math.round(n * 0.15));
const serverCount = Math.max(1, Math.round(n * 0.1));
const attachmentCount = Math.min(Math.round(n * 0.15), groupCount * serverCount);
const ruleCount = n - groupCount - serverCount - attachmentCount;

const groups = Array.from({ length: groupCount }, (_, i) => new SecurityGroup(`g${i}`, { description: `bench group ${i}`, tags: ["bench"] }));
for (let j = 0; j < ruleCount; j++) {
  const i = j % groupCount;
  const port = 1000 + Math.floor(j / groupCount);
  new SecurityGroupRule(`g${i}-r${j}`, {
    securityGroupId: groups[i]!.id,
    protocol: "tcp",
    portRangeMin: port,
    portRangeMax: port,
    remoteIpPrefix: `10.${i % 256}.0.0/16`,
    description: `bench rule ${j}`,
  });
}
if (serverIds && serverIds.length !== serverCount)
  throw new Error(`bench:serverIds names ${serverIds.length} servers; the mix of ${n} has ${serverCount}`);
const servers = Array.from({ length: serverCount }, (_, k) =>
  serverIds ? Server.get(`s${k}`, serverIds[k]!) : new Server(`s${k}`, { networks: ["public"], bootSeconds: 0 }),
);
for (let a = 0; a < attachmentCount; a++) {
  const k = a % serverCount;
  const g = Math.floor(a / serverCount);
  new ServerAttachment(`s${k}-a${g}`, { serverId: servers[k]!.id, securityGroupId: groups[g]!.id });
}

export const counts = { groups: groupCount, rules: ruleCount, servers: serverCount, attachments: attachmentCount };
