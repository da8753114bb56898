/**
 * Docs that work as written: every shell block (```sh, ```bash) of README.md, docs/*.md and
 * examples/*\/README.md that a user is told to run is executed, in order, in a fresh clone of the
 * repository, with bash's -e and pipefail, so a documented command that fails names its file and
 * line. A block a user is not meant to run as it stands (placeholders, a server of one's own, the
 * test command itself) says so on the line before it:
 *
 *     <!-- docs-test: illustrative: WHY -->
 *
 * and is counted as skipped, never silently. The run's environment is a user's after the
 * bootstrap, plus PULUMI_SKIP_CONFIRMATIONS=true (what answering "yes" at Pulumi's prompts does).
 * Prints `docs: N blocks run, M skipped as illustrative`.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runProcess } from "./harness";

const ROOT = path.join(__dirname, "..", "..");
const ILLUSTRATIVE = /^<!-- docs-test: illustrative: .+ -->$/;

/** One shell block of a document. */
interface Block {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  text: string;
  illustrative: boolean;
}

/** The documents, in a stable order: README, docs, then the examples. */
function documents(): string[] {
  const docs = fs
    .readdirSync(path.join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `docs/${f}`);
  const examples = fs
    .readdirSync(path.join(ROOT, "examples"))
    .sort()
    .map((d) => `examples/${d}/README.md`)
    .filter((f) => fs.existsSync(path.join(ROOT, f)));
  return ["README.md", ...docs, ...examples];
}

/** The shell blocks of `file`. */
function blocksOf(file: string): Block[] {
  const lines = fs.readFileSync(path.join(ROOT, file), "utf8").split("\n");
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(sh|bash|shell)\s*$/.test(lines[i]!)) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    let before = start - 1;
    while (before >= 0 && lines[before]!.trim() === "") before--;
    out.push({ file, line: start + 1, text: body.join("\n"), illustrative: before >= 0 && ILLUSTRATIVE.test(lines[before]!.trim()) });
  }
  return out;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secgroups-docs-"));

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("docs that work as written", () => {
  it("every runnable shell block of the README, docs/ and the examples' READMEs succeeds in a fresh clone", async () => {
    const blocks = documents().flatMap(blocksOf);
    const runnable = blocks.filter((b) => !b.illustrative);
    console.log(`docs: ${runnable.length} blocks run, ${blocks.length - runnable.length} skipped as illustrative`);
    expect(runnable.length).toBeGreaterThanOrEqual(5);
    const clone = path.join(dir, "clone");
    const cloned = await runProcess("git", ["clone", "-q", ROOT, clone], { cwd: dir, env: process.env });
    expect(cloned.status, cloned.stderr).toBe(0);
    const env: NodeJS.ProcessEnv = { ...process.env, PULUMI_SKIP_CONFIRMATIONS: "true" };
    for (const k of ["SECGROUPS_BACKEND", "SECGROUPS_PROFILE", "SECGROUPS_PROJECT", "PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE"]) delete env[k];
    for (const b of runnable) {
      const r = await runProcess("bash", ["-e", "-o", "pipefail", "-c", b.text], { cwd: clone, env });
      expect(
        r.status,
        `${b.file}:${b.line} failed (exit ${r.status})\n${b.text}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`,
      ).toBe(0);
    }
  }, 1_800_000);
});
