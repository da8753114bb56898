// Seed 001: `openstack security group create allow-ssh-from-anywhere --description Beispiel`,
// as a Pulumi program. The backend (the "cloud") is the embedded SQLite file
// .secgroups/cloud.db next to this program unless secgroups:backend says otherwise.
import { SecurityGroup } from "pulumi-secgroups";

const group = new SecurityGroup("allow-ssh-from-anywhere", {
  description: "Beispiel",
});

export const id = group.id;
export const name = group.name;
export const description = group.description;
export const project = group.project;
export const revisionNumber = group.revisionNumber;
export const defaultRuleIds = group.defaultRuleIds;
