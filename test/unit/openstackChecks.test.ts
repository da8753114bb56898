/** What the provider refuses at preview on the openstack backend, before any request to the cloud. */
import { afterEach, describe, expect, it } from "vitest";
import { implementation } from "../../provider";

const saved = process.env.SECGROUPS_BACKEND;
afterEach(() => {
  if (saved === undefined) delete process.env.SECGROUPS_BACKEND;
  else process.env.SECGROUPS_BACKEND = saved;
});

describe("a Server on the openstack backend", () => {
  it.each(["openstack", "openstack://mycloud"])("is refused at preview (%s): servers belong to the compute service", async (backend) => {
    process.env.SECGROUPS_BACKEND = backend;
    const result = await implementation("Server").check!({}, { name: "web-1", networks: ["public"], project: "proj" });
    expect(result.failures).toStrictEqual([
      {
        property: "name",
        reason:
          "SG_BACKEND_INVALID: a Server cannot be created on the openstack backend: servers belong to the cloud's compute service (Nova), not to Neutron " +
          `(got ${JSON.stringify(backend)}); fix: create the server with the cloud's own tools (or its Pulumi provider) and pass its id to ServerAttachment.serverId`,
      },
    ]);
  });

  it("is accepted on the embedded backend", async () => {
    process.env.SECGROUPS_BACKEND = "sqlite:/tmp/never-opened.db";
    const result = await implementation("Server").check!({}, { name: "web-1", networks: ["public"], project: "proj" });
    expect(result.failures ?? []).toStrictEqual([]);
  });
});
