/**
 * The policy-pack path of our Node.js language host under the real engine: `pulumi preview
 * --policy-pack DIR` starts the pack through the host's RunPlugin (run-policy-pack behind the SDK's
 * policy proxy), which must hand the pack the stack's configuration. A minimal pack built on
 * @pulumi/policy flags an SSH rule open to 0.0.0.0/0 in the quickstart example, naming the profile
 * and stack it read; mandatory fails the preview, advisory (from --policy-pack-config) warns.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { TestStack, exampleSource, hasStackTrace, sqliteUrl, tempDir } from "./harness";

const PACK = `const pulumi = require("@pulumi/pulumi");
const { PolicyPack } = require("@pulumi/policy");

new PolicyPack("host-check", {
  policies: [
    {
      name: "no-ssh-from-anywhere",
      description: "No SSH from the whole internet.",
      enforcementLevel: "mandatory",
      validateResource: (args, reportViolation) => {
        const p = args.props;
        if (!/secgroups:SecurityGroupRule$/.test(args.type) || p.remoteIpPrefix !== "0.0.0.0/0") return;
        if (p.portRangeMin <= 22 && 22 <= p.portRangeMax) {
          const profile = new pulumi.Config("secgroups").get("profile") ?? "(none)";
          reportViolation("SSH from anywhere (profile " + profile + ", stack " + pulumi.getStack() + ", type " + args.type + ")");
        }
      },
    },
  ],
});
`;

describe("policy packs through our language host", () => {
  let stack: TestStack;
  let pack: string;
  beforeAll(async () => {
    stack = await TestStack.create("quickstart", "dev", {}, undefined, exampleSource("quickstart"));
    await stack.setConfig("secgroups:backend", sqliteUrl(stack.dir));
    await stack.setConfig("secgroups:profile", "openstack");
    // Under the repository (test-output/), so @pulumi/policy resolves from its node_modules.
    pack = path.join(tempDir("policy-pack"), "pack");
    fs.mkdirSync(pack);
    fs.writeFileSync(path.join(pack, "PulumiPolicy.yaml"), "runtime:\n  name: nodejs\n  options:\n    typescript: false\n");
    fs.writeFileSync(path.join(pack, "package.json"), JSON.stringify({ name: "host-check", version: "0.0.1", main: "index.js" }));
    fs.writeFileSync(path.join(pack, "index.js"), PACK);
  });

  it("a mandatory violation fails the preview and names the policy, and the pack saw the stack's config", async () => {
    const r = await stack.preview(["--policy-pack", pack]);
    const text = r.stdout + r.stderr;
    expect(r.code, text).not.toBe(0);
    expect(text).toContain("no-ssh-from-anywhere");
    expect(text).toContain("mandatory");
    expect(text).toContain("SSH from anywhere (profile openstack, stack dev, type pulumi-nodejs:dynamic/secgroups:SecurityGroupRule)");
    expect(hasStackTrace(text)).toBe(false);
  });

  it("set to advisory by the pack's config, it warns and the preview passes", async () => {
    const config = path.join(path.dirname(pack), "policy-config.json");
    fs.writeFileSync(config, JSON.stringify({ "no-ssh-from-anywhere": "advisory" }));
    const r = await stack.preview(["--policy-pack", pack, "--policy-pack-config", config]);
    const text = r.stdout + r.stderr;
    expect(r.code, text).toBe(0);
    expect(text).toContain("advisory");
    expect(text).toContain("SSH from anywhere (profile openstack, stack dev, type pulumi-nodejs:dynamic/secgroups:SecurityGroupRule)");
  });
});
