// A classic three-tier application on the default profile (openstack): each tier's group lets in
// only the tier in front of it, by group rather than by address, so servers can come and go
// without rule changes.
//   web: 80 and 443 from anywhere
//   app: 8080 from members of web
//   db:  5432 from members of app
//   admin-ssh: 22 from the admin/bastion network (config adminCidr), on every server
import * as pulumi from "@pulumi/pulumi";
import { Network, Peer, Port, SecurityGroup, Server, ServerAttachment } from "pulumi-secgroups";

const config = new pulumi.Config();
const adminCidr = config.require("adminCidr");
// On a real cloud (secgroups:backend openstack) servers are the compute service's: name the ones
// it made, `pulumi config set --path existingServers.web-1 SERVER_ID`, and they are read, not made.
const existingServers = config.getObject<Record<string, string>>("existingServers") ?? {};

const web = new SecurityGroup("web", { description: "Web tier: HTTP and HTTPS from anywhere" });
web.allowIngress("web-http", Peer.anyIpv4(), Port.HTTP);
web.allowIngress("web-https", Peer.anyIpv4(), Port.HTTPS);

const app = new SecurityGroup("app", { description: "App tier: 8080 from the web tier" });
app.allowIngress("app-8080-from-web", Peer.group(web), Port.tcp(8080));

const db = new SecurityGroup("db", { description: "DB tier: PostgreSQL from the app tier" });
db.allowIngress("db-5432-from-app", Peer.group(app), Port.tcp(5432));

const adminSsh = new SecurityGroup("admin-ssh", { description: "SSH from the admin network" });
adminSsh.allowIngress("admin-ssh-22", Peer.ipv4(adminCidr), Port.SSH);

// The private network app and db live on; web is on it too, and on `public`.
const appNet = new Network("app-net", { subnets: ["10.10.0.0/24"] });

// One server per tier. Each gets its tier's group and admin-ssh after launch, on every network
// it is on (no `network` on the attachment).
const tiers = [
  { server: "web-1", tier: "web", group: web, networks: ["public", appNet.id] },
  { server: "app-1", tier: "app", group: app, networks: [appNet.id] },
  { server: "db-1", tier: "db", group: db, networks: [appNet.id] },
];
const servers = tiers.map((t) => {
  const existing = existingServers[t.server];
  const server = existing ? Server.get(t.server, existing) : new Server(t.server, { networks: t.networks, bootSeconds: 1 });
  const attachments = [
    new ServerAttachment(`${t.server}-${t.tier}`, { serverId: server.id, securityGroupId: t.group.id }),
    new ServerAttachment(`${t.server}-admin-ssh`, { serverId: server.id, securityGroupId: adminSsh.id }),
  ];
  return { server, attachments };
});

export const groups = {
  web: { id: web.id, name: web.name },
  app: { id: app.id, name: app.name },
  db: { id: db.id, name: db.name },
  adminSsh: { id: adminSsh.id, name: adminSsh.name },
};
export const network = { id: appNet.id, subnets: appNet.subnets };
export const serverStatus = Object.fromEntries(servers.map((s, i) => [tiers[i]!.server, s.server.status]));
/** Per server: how many ports each of its two attachments (tier group, admin-ssh) reached. */
export const attachmentPorts = Object.fromEntries(
  servers.map((s, i) => [tiers[i]!.server, s.attachments.map((a) => a.portIds.apply((ids) => ids.length))]),
);
