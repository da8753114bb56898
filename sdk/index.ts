/** pulumi-secgroups: security groups, rules and attachments as Pulumi resources. */
export { SecurityGroup, type SecurityGroupArgs } from "./securityGroup";
export { SecurityGroupRule, type SecurityGroupRuleArgs } from "./securityGroupRule";
export { Port, type PortRule } from "./port";
export { Peer, type PeerRule } from "./peer";
