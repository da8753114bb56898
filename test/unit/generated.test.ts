import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "../..");
const BEGIN = "<!-- BEGIN GENERATED REFERENCE (scripts/generate.js from schema.json; do not edit) -->";
const END = "<!-- END GENERATED REFERENCE -->";

/** Runs the generator in check mode; returns its exit code and what it printed. */
function runCheck(): { status: number; output: string } {
  try {
    const stdout = execFileSync(process.execPath, [path.join(root, "scripts/generate.js"), "--check"], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    return { status: 0, output: stdout };
  } catch (e) {
    const err = e as { status?: number | null; stdout?: string; stderr?: string };
    return { status: err.status ?? -1, output: `${err.stdout ?? ""}${err.stderr ?? ""}` };
  }
}

describe("files generated from schema.json", () => {
  it("are up to date (node scripts/generate.js --check exits 0)", () => {
    const { status, output } = runCheck();
    expect(output).not.toContain("stale:");
    expect(status).toBe(0);
  });

  it("provider/domain/schemaTypes.ts has SecurityGroupRuleInputs with a required securityGroupId", () => {
    const types = readFileSync(path.join(root, "provider/domain/schemaTypes.ts"), "utf8");
    expect(types).toContain("export interface SecurityGroupRuleInputs {");
    const start = types.indexOf("export interface SecurityGroupRuleInputs {");
    const body = types.slice(start, types.indexOf("\n}\n", start));
    const members = body.split("\n").map((l) => l.trim());
    expect(members).toContain("securityGroupId: string;");
    expect(members).not.toContain("securityGroupId?: string;");
    expect(members).toContain("protocol?: string | number;");
  });

  it("README.md's generated reference documents SecurityGroupRule", () => {
    const readme = readFileSync(path.join(root, "README.md"), "utf8");
    const begin = readme.indexOf(BEGIN);
    const end = readme.indexOf(END);
    expect(begin).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(begin);
    const section = readme.slice(begin, end);
    const lines = section.split("\n");
    expect(lines).toContain("### SecurityGroupRule");
    const row = lines.find((l) => l.startsWith("| `securityGroupId`"));
    expect(row).toBeDefined();
    expect(row).toMatch(/^\| `securityGroupId` \| string \(required\) \| /);
  });
});
