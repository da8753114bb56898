/** pulumi-secgroups: security groups, rules and attachments as Pulumi resources. */
export { SecurityGroup, type SecurityGroupArgs } from "./securityGroup";
