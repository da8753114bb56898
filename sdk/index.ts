/** pulumi-secgroups: security groups, rules and attachments as Pulumi resources. */
export { SecurityGroup, type SecurityGroupArgs } from "./securityGroup";
export { SecurityGroupRule, type SecurityGroupRuleArgs } from "./securityGroupRule";
export { Port, type PortRule } from "./port";
export { Peer, type PeerRule } from "./peer";
export { Network, type NetworkArgs } from "./network";
export { Server, type ServerArgs, type ServerPortInfo } from "./server";
export { ServerAttachment, type ServerAttachmentArgs } from "./serverAttachment";
export type { InlineRule, UnmanagedRule } from "../provider/domain/schemaTypes";
