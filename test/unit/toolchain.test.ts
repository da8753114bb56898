import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.join(__dirname, "..", "..");
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
const lock = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8"));

describe("toolchain pins", () => {
  it("pins @pulumi/pulumi to 3.276.0, TypeScript to 5.9 and requires Node >= 22", () => {
    expect(pkg.dependencies["@pulumi/pulumi"]).toBe("3.276.0");
    expect(pkg.devDependencies.typescript).toMatch(/^5\.9\.\d+$/);
    expect(pkg.engines.node).toBe(">=22");
  });

  it("locks every direct dependency at exactly the version package.json names", () => {
    const direct = { ...pkg.dependencies, ...pkg.devDependencies } as Record<string, string>;
    for (const [name, version] of Object.entries(direct)) {
      expect(lock.packages[`node_modules/${name}`]?.version, name).toBe(version);
    }
  });

  it("builds the CLI wrapper module at one Pulumi release, pkg and sdk alike", () => {
    const gomod = fs.readFileSync(path.join(root, "tools", "pulumi-cli", "go.mod"), "utf8");
    const pkgVersion = /github\.com\/pulumi\/pulumi\/pkg\/v3 (v[\d.]+)/.exec(gomod)?.[1];
    const sdkVersion = /github\.com\/pulumi\/pulumi\/sdk\/v3 (v[\d.]+)/.exec(gomod)?.[1];
    expect(pkgVersion).toBe("v3.276.0");
    expect(sdkVersion).toBe(pkgVersion);
  });
});

describe("sourcing the bootstrap", () => {
  const script = path.join(root, "scripts", "bootstrap.sh");

  it("a failure returns 1 to the sourcing shell, which goes on with its own options", () => {
    const r = spawnSync("bash", ["-c", `source ${JSON.stringify(script)}; echo "rc=$? options=$-"`], {
      encoding: "utf8",
      env: { ...process.env, SECGROUPS_CACHE: "/proc/no-such-cache" },
    });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe("rc=1 options=hBc");
    expect(r.stderr).toContain("[bootstrap] failed; nothing was changed in this shell");
  });

  it("success exports the toolchain without changing the shell's options or directory", () => {
    const r = spawnSync("bash", ["-c", `cd /tmp && source ${JSON.stringify(script)}; echo "rc=$? options=$- pwd=$PWD"; command -v pulumi`], {
      encoding: "utf8",
    });
    const [status, pulumi] = r.stdout.trim().split("\n");
    expect(status).toBe("rc=0 options=hBc pwd=/tmp");
    expect(pulumi).toMatch(/\/pulumi$/);
  }, 120_000);
});
