import { describe, expect, it } from "vitest";
import { checkSecurityGroup, diffSecurityGroup } from "../../provider/resources/securityGroup";
import { UNKNOWN } from "../../provider/domain/unknown";
import { checkDefaultProject } from "../../provider/schema";

describe("checkSecurityGroup", () => {
  it("fills in every default", () => {
    expect(checkSecurityGroup({ name: "a" }, "default")).toEqual({
      inputs: { name: "a", description: "", stateful: true, tags: [], deleteDefaultRules: false, project: "default" },
      failures: [],
    });
  });

  it("keeps given values, sorts tags and drops __provider", () => {
    const result = checkSecurityGroup(
      {
        __provider: "serialized-provider",
        name: "web",
        description: "d",
        stateful: false,
        tags: ["zeta", "alpha", "Mid"],
        deleteDefaultRules: true,
        project: "team-a",
      },
      "default",
    );
    expect(result.failures).toEqual([]);
    expect(result.inputs).toEqual({
      name: "web",
      description: "d",
      stateful: false,
      tags: ["Mid", "alpha", "zeta"],
      deleteDefaultRules: true,
      project: "team-a",
    });
    expect("__provider" in result.inputs).toBe(false);
  });

  it("does not reorder the caller's tags array in place", () => {
    const tags = ["b", "a"];
    const result = checkSecurityGroup({ name: "x", tags }, "default");
    expect(result.inputs.tags).toEqual(["a", "b"]);
    expect(tags).toEqual(["b", "a"]);
  });

  it("reports every failure at once, with exact property names", () => {
    const result = checkSecurityGroup({ __provider: "p", name: "", description: 5, tags: ["x", "x"], stateful: "yes", bogus: 1 }, "default");
    const properties = [...new Set(result.failures.map((f) => f.property))].sort();
    expect(properties).toEqual(["bogus", "description", "name", "stateful", "tags"]);
    expect(result.failures).toHaveLength(5);
    for (const f of result.failures) expect(f.reason.startsWith("SG_INVALID_INPUT")).toBe(true);
    expect(result.failures.find((f) => f.property === "bogus")!.reason).toContain("unknown property bogus");
    // Failed inputs are returned as given, minus __provider.
    expect(result.inputs).toEqual({ name: "", description: 5, tags: ["x", "x"], stateful: "yes", bogus: 1 });
  });

  it("names the element of tags that is wrong", () => {
    const result = checkSecurityGroup({ name: "a", tags: ["ok", ""] }, "default");
    expect(result.failures.map((f) => f.property)).toEqual(["tags[1]"]);
    expect(result.failures[0]!.reason.startsWith("SG_INVALID_INPUT")).toBe(true);
  });

  it("requires a name", () => {
    const result = checkSecurityGroup({ description: "no name" }, "default");
    expect(result.failures.map((f) => f.property)).toEqual(["name"]);
    expect(result.failures[0]!.reason.startsWith("SG_INVALID_INPUT")).toBe(true);
  });

  it("rejects a project that does not match the pattern", () => {
    const result = checkSecurityGroup({ name: "a", project: "bad project!" }, "default");
    expect(result.failures.map((f) => f.property)).toEqual(["project"]);
    expect(result.failures[0]!.reason.startsWith("SG_INVALID_INPUT")).toBe(true);
    expect(result.failures[0]!.reason).toContain('"bad project!"');
  });

  it("accepts a project that matches the pattern", () => {
    const result = checkSecurityGroup({ name: "a", project: "Team_1.prod-x" }, "default");
    expect(result.failures).toEqual([]);
    expect(result.inputs.project).toBe("Team_1.prod-x");
  });

  describe("unknown (preview) values", () => {
    it("passes an unknown name through without a failure", () => {
      const result = checkSecurityGroup({ name: UNKNOWN }, "default");
      expect(result.failures).toEqual([]);
      expect(result.inputs).toEqual({
        name: UNKNOWN,
        description: "",
        stateful: true,
        tags: [],
        deleteDefaultRules: false,
        project: "default",
      });
    });

    it("passes unknown tags, stateful, description, deleteDefaultRules and project through", () => {
      const result = checkSecurityGroup(
        { name: "a", tags: UNKNOWN, stateful: UNKNOWN, description: UNKNOWN, deleteDefaultRules: UNKNOWN, project: UNKNOWN },
        "default",
      );
      expect(result.failures).toEqual([]);
      expect(result.inputs).toEqual({
        name: "a",
        description: UNKNOWN,
        stateful: UNKNOWN,
        tags: UNKNOWN,
        deleteDefaultRules: UNKNOWN,
        project: UNKNOWN,
      });
    });

    it("passes a tags array with an unknown element through unchanged", () => {
      const tags = ["web", UNKNOWN];
      const result = checkSecurityGroup({ name: "a", tags }, "default");
      expect(result.failures).toEqual([]);
      expect(result.inputs.tags).toEqual(["web", UNKNOWN]);
    });

    it("still reports known fields that are wrong next to unknown ones", () => {
      const result = checkSecurityGroup({ name: UNKNOWN, stateful: "yes", tags: [UNKNOWN] }, "default");
      expect(result.failures.map((f) => f.property)).toEqual(["stateful"]);
    });
  });
});

describe("reserved default-group names and the default project", () => {
  it("refuses a group named like one of the profile's default groups, at check", () => {
    const r = checkSecurityGroup({ name: "default" }, "default", ["default"]);
    expect(r.failures.map((f) => f.property)).toEqual(["name"]);
    expect(r.failures[0]!.reason.startsWith('SG_NAME_TAKEN: "default" is the name of a default group')).toBe(true);
  });

  it("refuses an invalid default project from the settings, but not when the resource names its own", () => {
    expect(checkDefaultProject("a b", undefined).map((f) => f.property)).toEqual(["project"]);
    expect(checkDefaultProject("a b", "team")).toEqual([]);
    expect(checkDefaultProject("team-a", undefined)).toEqual([]);
  });
});

describe("diffSecurityGroup", () => {
  const olds = {
    name: "web",
    description: "d",
    stateful: true,
    tags: ["a", "b"],
    deleteDefaultRules: false,
    project: "default",
    revisionNumber: 2,
    createdAt: "2024-01-01T00:00:00.000Z",
    updatedAt: "2024-01-01T00:00:00.000Z",
    defaultRuleIds: ["r1", "r2"],
  };
  const same = { name: "web", description: "d", stateful: true, tags: ["a", "b"], deleteDefaultRules: false, project: "default" };

  it("reports no change for identical inputs (outputs-only fields are ignored)", () => {
    expect(diffSecurityGroup(olds, same)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
  });

  it("updates in place when the description changes", () => {
    expect(diffSecurityGroup(olds, { ...same, description: "new" })).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
  });

  it("updates in place when name, stateful, tags or deleteDefaultRules change", () => {
    for (const patch of [{ name: "web2" }, { stateful: false }, { tags: ["a"] }, { deleteDefaultRules: true }]) {
      expect(diffSecurityGroup(olds, { ...same, ...patch })).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    }
  });

  it("replaces when the project changes", () => {
    expect(diffSecurityGroup(olds, { ...same, project: "other" })).toEqual({ changes: true, replaces: ["project"], deleteBeforeReplace: false });
  });

  it("counts an unknown name as a change, in place", () => {
    expect(diffSecurityGroup(olds, { ...same, name: UNKNOWN })).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
  });

  it("counts an unknown project as a replacement", () => {
    expect(diffSecurityGroup(olds, { ...same, project: UNKNOWN })).toEqual({ changes: true, replaces: ["project"], deleteBeforeReplace: false });
  });
});

describe("NUL characters", () => {
  it("are refused at check for every string input, naming the property (no backend can store them)", () => {
    const { failures } = checkSecurityGroup({ name: "we\u0000b", description: "ok", tags: ["a", "b\u0000"] }, "proj");
    expect(failures.map((f) => f.property)).toStrictEqual(["name", "tags[1]"]);
    expect(failures[0]!.reason).toBe(
      'SG_INVALID_INPUT: name contains a NUL character (U+0000) (property name, got "we\\u0000b"); allowed: any text without NUL; fix: remove the NUL character',
    );
  });
});
