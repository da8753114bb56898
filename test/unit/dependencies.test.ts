/**
 * The guard rails of .dependency-cruiser.cjs hold: dependency-cruiser, run over provider/, sdk/,
 * bench/ and test/ with that config, reports no violation. The same config over a small tree that
 * breaks every rule once (a domain module importing a backend at run time and sdk/ for a type,
 * a run-time import cycle, bench importing the CLI and test support, and a cycle through a
 * type-only import, which is allowed) reports exactly those, so a rule that stops matching fails
 * here too. depcruise runs as an asynchronous child: a synchronous one would stall vitest's RPC.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");
const DEPCRUISE = path.join(ROOT, "node_modules", "dependency-cruiser", "bin", "dependency-cruiser.mjs");
const CONFIG = path.join(ROOT, ".dependency-cruiser.cjs");
/** What the rules are about: the package, the SDK, the benchmark and the tests. */
const SCOPE = ["provider", "sdk", "bench", "test"];
/** depcruise takes about 2 s over the repository on an idle machine; the test machine is shared. */
const TIMEOUT_MS = 180_000;

interface Cruise {
  /** depcruise's exit code: the number of violations of severity error. */
  code: number;
  /** Each violation as `rule: from → to`, a cycle as `rule: a → b → a`, sorted. */
  violations: string[];
  /** The summary line, `x 5 dependency violations (5 errors, 0 warnings). …` or `✔ no dependency violations found (…)`. */
  summary: string;
  output: string;
}

/** Runs depcruise with the repository's config over `dirs` of `cwd` (the rules' paths are relative to it). */
function depcruise(cwd: string, dirs: readonly string[]): Promise<Cruise> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [DEPCRUISE, "--config", CONFIG, "--output-type", "err", ...dirs],
      { cwd, env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" }, maxBuffer: 64 * 1024 * 1024, timeout: TIMEOUT_MS - 10_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        if (err && code === -1) {
          reject(new Error(`depcruise did not run: ${err.message}\n${stdout}${stderr}`));
          return;
        }
        // The err reporter prints each violation as `  error RULE: FROM → TO`; a cycle continues
        // on the following, deeper-indented lines (`      b.ts →`, `      a.ts`).
        const violations: string[] = [];
        for (const line of stdout.split("\n")) {
          const head = /^ {2}(?:error|warn|info) (\S+): (.*)$/.exec(line);
          if (head) violations.push(`${head[1]}: ${head[2]!.trim()}`);
          else if (/^ {6}\S/.test(line) && violations.length) violations[violations.length - 1] += ` ${line.trim()}`;
        }
        const summary = stdout.split("\n").find((l) => /dependency violations|no dependency violations/.test(l)) ?? "";
        resolve({ code, violations: violations.sort(), summary: summary.trim(), output: `${stdout}${stderr}` });
      },
    );
  });
}

/** A tree that breaks each rule of the config, in a fresh temporary directory outside the repository. */
function brokenTree(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secgroups-depcruise-"));
  const files: Record<string, string> = {
    "tsconfig.json": JSON.stringify({ compilerOptions: { module: "commonjs", strict: true } }),
    // domain-imports-no-outer-layer, twice: a run-time import of a backend, a type-only one of sdk/.
    "provider/domain/x.ts": 'import { y } from "../backends/y";\nimport type { T } from "../../sdk/generated/types";\nexport const x: T = y;\n',
    "provider/backends/y.ts": "export const y = 1;\n",
    "sdk/generated/types.ts": "export type T = number;\n",
    // no-runtime-cycle: a → b → a, both imports at run time.
    "provider/cli/a.ts": 'import { b } from "./b";\nexport const a = (): unknown => b;\n',
    "provider/cli/b.ts": 'import { a } from "./a";\nexport const b = (): unknown => a;\n',
    // Allowed: c → d is type-only, so the cycle c → d → c does not exist at run time.
    "provider/cli/c.ts": 'import type { D } from "./d";\nexport interface C { d?: D }\nexport const c = 1;\n',
    "provider/cli/d.ts": 'import { c } from "./c";\nexport interface D { n: number }\nexport const d = c;\n',
    // bench-imports-no-cli-or-test, twice.
    "bench/z.ts": 'import { a } from "../provider/cli/a";\nimport { t } from "../test/support/t";\nexport const z = [a, t];\n',
    "test/support/t.ts": "export const t = 1;\n",
  };
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

const made: string[] = [];
afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

describe("dependency rules (.dependency-cruiser.cjs)", () => {
  it("the repository breaks none of them", { timeout: TIMEOUT_MS }, async () => {
    const run = await depcruise(ROOT, SCOPE);
    // On failure the diff names every violating import; `output` is depcruise's own report.
    expect({ code: run.code, violations: run.violations }, run.output).toEqual({ code: 0, violations: [] });
    expect(run.summary).toMatch(/^✔ no dependency violations found \(\d+ modules, \d+ dependencies cruised\)$/);
  });

  it("a tree that breaks each rule is reported with exactly those violations", { timeout: TIMEOUT_MS }, async () => {
    const dir = brokenTree();
    made.push(dir);
    const run = await depcruise(dir, SCOPE);
    expect(run.violations, run.output).toEqual([
      "bench-imports-no-cli-or-test: bench/z.ts → provider/cli/a.ts",
      "bench-imports-no-cli-or-test: bench/z.ts → test/support/t.ts",
      "domain-imports-no-outer-layer: provider/domain/x.ts → provider/backends/y.ts",
      "domain-imports-no-outer-layer: provider/domain/x.ts → sdk/generated/types.ts",
      "no-runtime-cycle: provider/cli/a.ts → provider/cli/b.ts → provider/cli/a.ts",
    ]);
    expect(run.code).toBe(5);
    expect(run.summary).toMatch(/^x 5 dependency violations \(5 errors, 0 warnings\)\./);
    // Every rule of the config is among those the broken tree trips, so none goes untested.
    const config = require(CONFIG) as { forbidden: Array<{ name: string }> };
    expect(config.forbidden.map((r) => r.name).sort()).toEqual([...new Set(run.violations.map((v) => v.split(":")[0]))].sort());
  });
});
