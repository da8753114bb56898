import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadProfile } from "../../provider/profileLoader";
import { maskUrl, openBackend } from "../../provider/backends";
import { SecgroupsError } from "../../provider/errors";

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "secgroups-profiles-"));
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs `fn`, which must throw a SecgroupsError, and returns that error. */
function thrown(fn: () => unknown): SecgroupsError {
  let caught: unknown;
  let returned = false;
  try {
    fn();
    returned = true;
  } catch (err) {
    caught = err;
  }
  expect(returned).toBe(false);
  expect(caught).toBeInstanceOf(SecgroupsError);
  return caught as SecgroupsError;
}

describe("loadProfile", () => {
  it("loads the built-in openstack profile: two egress default rules, group and rule quotas", () => {
    const p = loadProfile("openstack", dir);
    expect(p.name).toBe("openstack");
    expect(p.newGroupRules).toEqual([
      { direction: "egress", ethertype: "IPv4" },
      { direction: "egress", ethertype: "IPv6" },
    ]);
    expect(p.quotas).toEqual({ groups: 10, rules: 100 });
  });

  it("loads the built-in rackspace profile: no default rules, 20 rules per group", () => {
    const p = loadProfile("rackspace", dir);
    expect(p.name).toBe("rackspace");
    expect(p.newGroupRules).toEqual([]);
    expect(p.quotas).toEqual({ rulesPerGroup: 20 });
    expect(p.quotas.rulesPerGroup).toBe(20);
  });

  it("rejects an unknown name with SG_PROFILE_INVALID on secgroups:profile", () => {
    const err = thrown(() => loadProfile("aws", dir));
    expect(err.code).toBe("SG_PROFILE_INVALID");
    expect(err.details.property).toBe("secgroups:profile");
    expect(err.details.value).toBe("aws");
    expect(err.message.startsWith("SG_PROFILE_INVALID: ")).toBe(true);
    expect(err.message).toContain("openstack, meshcloud, rackspace, evroc");
  });

  it("loads a valid custom profile by a path relative to baseDir", () => {
    const custom = {
      name: "my-cloud",
      description: "a test cloud",
      newGroupRules: [{ direction: "ingress", ethertype: "IPv6" }],
      protocols: ["tcp", "udp"],
      protocolNumbers: false,
      portProtocols: ["tcp"],
      icmpTypeCode: false,
      remotes: ["cidr"],
      builtinNetworks: [{ name: "lan", id: "lan-1", subnets: ["192.0.2.0/24"] }],
      groupsAtLaunch: true,
      minGroupsPerServer: 0,
      defaultGroups: [],
      quotas: { groups: 3, rulesPerGroup: 7 },
    };
    fs.mkdirSync(path.join(dir, "profiles"));
    fs.writeFileSync(path.join(dir, "profiles", "mine.json"), JSON.stringify(custom));

    expect(loadProfile("profiles/mine.json", dir)).toEqual(custom);
    expect(loadProfile(path.join(dir, "profiles", "mine.json"), "/nonexistent")).toEqual(custom);
  });

  it("rejects an invalid custom profile and names every problem", () => {
    fs.writeFileSync(path.join(dir, "bad.json"), JSON.stringify({ name: "bad", newGroupRules: [], quotas: { groups: 0 }, extraField: true }));
    const err = thrown(() => loadProfile("bad.json", dir));
    expect(err.code).toBe("SG_PROFILE_INVALID");
    expect(err.details.property).toBe("secgroups:profile");
    expect(err.message).toContain("quotas.groups");
    expect(err.message).toContain("extraField");
    expect(err.message).toContain("protocols is required");
  });

  it("rejects a missing profile file with SG_PROFILE_INVALID", () => {
    const err = thrown(() => loadProfile("missing.json", dir));
    expect(err.code).toBe("SG_PROFILE_INVALID");
    expect(err.details.property).toBe("secgroups:profile");
    expect(err.message).toContain(path.join(dir, "missing.json"));
  });
});

describe("openBackend and maskUrl", () => {
  it("opens a postgres URL without I/O (the schema is migrated on first use), its location masked", async () => {
    const backend = openBackend("postgres://u:secretpw@h:5432/db", dir, "otherpw");
    expect(backend.kind).toBe("postgres");
    expect(backend.location).toBe("postgres://u:***@h:5432/db");
    await backend.close();
  });

  it("rejects a postgres URL without host or database with SG_BACKEND_INVALID and never shows the password", () => {
    for (const url of ["postgres://u:secretpw@h:5432", "postgresql://u:secretpw@/db", "postgres://u:secretpw@h:5432/"]) {
      const err = thrown(() => openBackend(url, dir));
      expect(err.code).toBe("SG_BACKEND_INVALID");
      expect(err.details.property).toBe("secgroups:backend");
      expect(err.message).toContain("the postgres backend URL needs a host and a database");
      expect(err.message).not.toContain("secretpw");
      expect(JSON.stringify(err.details)).not.toContain("secretpw");
    }
  });

  it("rejects an unknown scheme with SG_BACKEND_INVALID", () => {
    const err = thrown(() => openBackend("mysql://root:hunter2@db/x", dir));
    expect(err.code).toBe("SG_BACKEND_INVALID");
    expect(err.message).toContain("unknown backend kind");
    expect(err.message).not.toContain("hunter2");
  });

  it("rejects an sqlite URL without a file", () => {
    const err = thrown(() => openBackend("sqlite:", dir));
    expect(err.code).toBe("SG_BACKEND_INVALID");
    expect(err.details.property).toBe("secgroups:backend");
  });

  it("masks only the password of a URL", () => {
    expect(maskUrl("postgres://u:secretpw@h:5432/db")).toBe("postgres://u:***@h:5432/db");
    expect(maskUrl("postgresql://admin:p%40ss@db.example.com/secgroups")).toBe("postgresql://admin:***@db.example.com/secgroups");
    expect(maskUrl("postgres://h:5432/db")).toBe("postgres://h:5432/db");
    expect(maskUrl("sqlite:/tmp/cloud.db")).toBe("sqlite:/tmp/cloud.db");
  });
});

describe("maskUrl with awkward passwords", () => {
  it("masks everything of the password, wherever the URL parser would end it", () => {
    expect(maskUrl("postgres://app:p@ss@db:5432/sg")).toBe("postgres://app:***@db:5432/sg");
    expect(maskUrl("postgres://app:ab/cd@db/sg")).toBe("postgres://app:***@db/sg");
    expect(maskUrl("postgres://app:a#b?c@db/sg")).toBe("postgres://app:***@db/sg");
    expect(maskUrl("postgres://app@db/sg?password=hunter2&sslmode=require")).toBe("postgres://app@db/sg?password=***&sslmode=require");
    expect(maskUrl("postgres://db:5432/sg")).toBe("postgres://db:5432/sg");
  });
});
