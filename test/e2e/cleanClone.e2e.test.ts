/**
 * The README's main command on a fresh clone, as a new user (or CI) has one: `bash
 * scripts/quickstart.sh` installs what is missing, builds, brings the quickstart up, and leaves the
 * clone exactly as it was (`git status --porcelain` empty: no rewritten lock, no stray file). The
 * test command's own run is checked the same way by scripts/test.sh (status before and after).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runProcess } from "./harness";

const root = path.join(__dirname, "..", "..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secgroups-clone-"));

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("a fresh clone", () => {
  it("runs the quickstart and stays clean", async () => {
    const clone = path.join(dir, "clone");
    execFileSync("git", ["clone", "-q", root, clone]);
    // The cache (Node, the Pulumi CLI) is shared; the clone's node_modules, build and stack are its own.
    const { PULUMI_CONFIG_PASSPHRASE: _passphrase, ...env } = process.env;
    const quickstart = await runProcess("bash", ["scripts/quickstart.sh"], { cwd: clone, env });
    expect(quickstart.status, quickstart.stdout + quickstart.stderr).toBe(0);
    expect(
      JSON.parse(
        quickstart.stdout.slice(quickstart.stdout.indexOf("Stack outputs:") + "Stack outputs:".length, quickstart.stdout.indexOf("\nIn the backend")),
      ).name,
    ).toBe("allow-ssh-from-anywhere");
    const status = execFileSync("git", ["status", "--porcelain"], { cwd: clone, encoding: "utf8" });
    expect(status).toBe("");
    // examples/quickstart/README.md's steps by hand work on the stack the script made: same passphrase, the stack selected, nothing to change.
    const example = path.join(clone, "examples", "quickstart");
    const byHand = { ...process.env, PULUMI_BACKEND_URL: `file://${example}/.secgroups/pulumi-state`, PULUMI_CONFIG_PASSPHRASE: "dev" };
    for (const args of [
      ["stack", "select", "--create", "dev"],
      ["preview", "--expect-no-changes", "--non-interactive"],
    ]) {
      const r = await runProcess("pulumi", args, { cwd: example, env: byHand });
      expect(r.status, `pulumi ${args.join(" ")}\n${r.stdout}${r.stderr}`).toBe(0);
    }
    // The state directory holds the stack's secrets: owner only.
    expect(fs.statSync(path.join(example, ".secgroups")).mode & 0o777).toBe(0o700);
  }, 660_000);
});
