import { describe, expect, it } from "vitest";
import { resolveSettings } from "../../provider/settings";

describe("resolveSettings", () => {
  it("prefers Pulumi config over the environment over defaults", () => {
    const s = resolveSettings(
      { "secgroups:backend": "sqlite:/tmp/a.db", "secgroups:project": undefined },
      { SECGROUPS_BACKEND: "sqlite:/tmp/b.db", SECGROUPS_PROJECT: "team-a" },
      "/prog",
    );
    expect(s).toEqual({ backend: "sqlite:/tmp/a.db", profile: "openstack", project: "team-a", programDir: "/prog" });
  });

  it("defaults the backend to .secgroups/cloud.db in the program directory", () => {
    expect(resolveSettings({}, {}, "/prog").backend).toBe("sqlite:/prog/.secgroups/cloud.db");
  });
});
