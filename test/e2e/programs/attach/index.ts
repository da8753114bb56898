// Groups g0..gN-1, a server (or an existing one by id) and attachments a0..aM-1 of group
// `swap[i] ?? i` to the server, all shaped by the stack config `test:*`.
import * as pulumi from "@pulumi/pulumi";
import { Network, SecurityGroup, Server, ServerAttachment } from "pulumi-secgroups";

const cfg = new pulumi.Config("test");
const groupCount = cfg.getNumber("groups") ?? 0;
const attachCount = cfg.getNumber("attach") ?? 0;
const swap = cfg.getObject<Record<string, number>>("swap") ?? {};
const attachNetwork = cfg.get("attachNetwork");
// A group of another stack, by id: every attachment then uses it.
const externalGroupId = cfg.get("externalGroupId");

const groups = Array.from({ length: groupCount }, (_, i) => new SecurityGroup(`g${i}`, {}));
// A private network; naming it through its output makes the server wait for it.
const privateNet = cfg.getBoolean("privateNetwork") ? new Network("private", { subnets: ["10.20.0.0/24"] }) : undefined;

let serverId: pulumi.Input<string> | undefined = cfg.get("serverId");
let server: Server | undefined;
if (serverId === undefined && cfg.getBoolean("server") !== false) {
  server = new Server("web-1", {
    networks: (cfg.getObject<string[]>("networks") ?? ["PublicNet", "ServiceNet"]).map((n) => (n === "private" && privateNet ? privateNet.name : n)),
    bootSeconds: cfg.getNumber("bootSeconds") ?? 0,
    waitForActive: cfg.getBoolean("waitForActive") ?? true,
    securityGroupIds: cfg.getObject<number[]>("launchGroups")?.map((i) => groups[i]!.id),
  });
  serverId = server.id;
}

const attachments =
  serverId === undefined
    ? []
    : Array.from(
        { length: attachCount },
        (_, i) =>
          new ServerAttachment(`a${i}`, {
            serverId: serverId!,
            securityGroupId: externalGroupId ?? groups[swap[String(i)] ?? i]!.id,
            ...(attachNetwork ? { network: attachNetwork === "private" && privateNet ? privateNet.name : attachNetwork } : {}),
          }),
      );

export const groupIds = groups.map((g) => g.id);
export const serverIdOut = serverId;
export const ports = server?.ports;
export const attachmentIds = attachments.map((a) => a.id);
