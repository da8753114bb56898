/**
 * The code is formatted by prettier (.prettierrc.json: 150 columns, the width the code kept before
 * it was formatted; .prettierignore: generated, prose and data files): `prettier --check .` finds
 * nothing to change. The same configuration over a temporary file written the wrong way reports
 * exactly that file, so a check that stops looking fails here too. Prettier runs as an asynchronous
 * child: a synchronous one would stall vitest's RPC.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");
const PRETTIER = path.join(ROOT, "node_modules", "prettier", "bin", "prettier.cjs");
const CONFIG = path.join(ROOT, ".prettierrc.json");
/** prettier --check takes a few seconds over the repository on an idle machine; the test machine is shared. */
const TIMEOUT_MS = 180_000;

interface Check {
  code: number;
  /** The files prettier would change, as it names them (`[warn] path`), sorted. */
  unformatted: string[];
  output: string;
}

/** Runs `prettier --check` with the repository's configuration in `cwd`. */
function prettierCheck(cwd: string, args: readonly string[]): Promise<Check> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [PRETTIER, "--check", "--config", CONFIG, ...args],
      { cwd, env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" }, maxBuffer: 64 * 1024 * 1024, timeout: TIMEOUT_MS - 10_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        if (err && code === -1) {
          reject(new Error(`prettier did not run: ${err.message}\n${stdout}${stderr}`));
          return;
        }
        const output = `${stdout}${stderr}`;
        const unformatted = output
          .split("\n")
          .map((l) => /^\[warn\] (\S+)$/.exec(l.trim())?.[1])
          .filter((f): f is string => f !== undefined)
          .sort();
        resolve({ code, unformatted, output });
      },
    );
  });
}

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) fs.rmSync(dir, { recursive: true, force: true });
});

describe("formatting (prettier, .prettierrc.json)", () => {
  it(
    "prettier --check . finds every source file formatted",
    async () => {
      const r = await prettierCheck(ROOT, ["."]);
      expect(r.unformatted, r.output).toEqual([]);
      expect(r.code, r.output).toBe(0);
      expect(r.output).toContain("All matched files use Prettier code style!");
    },
    TIMEOUT_MS,
  );

  it(
    "reports a file written the wrong way, and only that one",
    async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secgroups-format-"));
      scratch.push(dir);
      fs.writeFileSync(path.join(dir, "good.ts"), "export const ports = [22, 443];\n");
      fs.writeFileSync(path.join(dir, "bad.ts"), "export const ports = [ 22,443 ]\n");
      const r = await prettierCheck(dir, ["good.ts", "bad.ts"]);
      expect(r.unformatted, r.output).toEqual(["bad.ts"]);
      expect(r.code, r.output).toBe(1);
    },
    TIMEOUT_MS,
  );
});
