// One group and one rule whose inputs come from the JSON stack config `test:rule`, so a test can
// feed any (also invalid) combination of inputs and read what `pulumi preview` says. With
// `test:webRemote` true, the rule's remoteGroupId is a second group of the program (`web.id`: its
// value unknown at preview, its presence known).
import * as pulumi from "@pulumi/pulumi";
import { SecurityGroup, SecurityGroupRule, type SecurityGroupRuleArgs } from "pulumi-secgroups";

const cfg = new pulumi.Config("test");
const group = new SecurityGroup("target", {});
const rule = cfg.requireObject<Omit<SecurityGroupRuleArgs, "securityGroupId">>("rule");
const web = cfg.getBoolean("webRemote") ? new SecurityGroup("web", {}) : undefined;
new SecurityGroupRule("rule", { ...rule, securityGroupId: group.id, ...(web ? { remoteGroupId: web.id } : {}) });
