// One group and the rules of `bench:rules` (JSON: [{ name, protocol, ports: [min, max], prefix }]),
// each written exactly as given: the perpetual-diff check of bench/peer.ts applies the same rules
// with the peer (bench/tofu.ts USER_WRITTEN_RULES), then counts what a second preview would change.
import * as pulumi from "@pulumi/pulumi";
import { SecurityGroup, SecurityGroupRule } from "pulumi-secgroups";

interface Written {
  name: string;
  protocol: string;
  ports: [number, number];
  prefix: string;
}

const rules = new pulumi.Config("bench").requireObject<Written[]>("rules");
const group = new SecurityGroup("web", { name: "user-written", description: "rules as users write them" });
for (const r of rules)
  new SecurityGroupRule(r.name, {
    securityGroupId: group.id,
    direction: "ingress",
    ethertype: "IPv4",
    protocol: r.protocol,
    portRangeMin: r.ports[0],
    portRangeMax: r.ports[1],
    remoteIpPrefix: r.prefix,
  });
