// One SecurityGroup whose inputs come from the stack config `test:*`, so a test changes the
// program's inputs with `pulumi config set` between runs.
import * as pulumi from "@pulumi/pulumi";
import { SecurityGroup } from "pulumi-secgroups";

const cfg = new pulumi.Config("test");
const group = new SecurityGroup("web", {
  name: cfg.get("groupName"),
  description: cfg.get("description"),
  project: cfg.get("project"),
  tags: cfg.getObject<string[]>("tags"),
});

export const id = group.id;
export const name = group.name;
export const description = group.description;
export const project = group.project;
export const stateful = group.stateful;
export const tags = group.tags;
export const revisionNumber = group.revisionNumber;
export const createdAt = group.createdAt;
export const updatedAt = group.updatedAt;
export const defaultRuleIds = group.defaultRuleIds;
