/**
 * The tests, the benchmark and the test programs type-check, with the sources they use, under the
 * project's compiler options (tsconfig.test.json extends tsconfig.json): vitest strips types without
 * checking them, so a test calling an API with the wrong arguments would otherwise still run.
 * The same command on a temporary file with a deliberate type error must fail, naming the error, so
 * that this test cannot pass because the command checks nothing.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const REPO = path.resolve(__dirname, "../..");
const TSC = path.join(REPO, "node_modules", "typescript", "bin", "tsc");
const CONFIG = path.join(REPO, "tsconfig.test.json");
/** A full check takes about 10 s on an idle machine; far longer on a loaded one. */
const TIMEOUT_MS = 170_000;

/** Runs tsc with `args` (async: a synchronous child would stall vitest's worker RPC); its exit code and its output. */
function tsc(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [TSC, ...args],
      { cwd: REPO, encoding: "utf8", timeout: TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const output = `${stdout}${stderr}`;
        if (err === null) resolve({ code: 0, output });
        else if (typeof err.code === "number") resolve({ code: err.code, output });
        else
          reject(
            new Error(
              `tsc ${args.join(" ")} did not finish (${err.killed ? `killed by ${err.signal} after ${TIMEOUT_MS} ms` : err.message}):\n${output}`,
            ),
          );
      },
    );
  });
}

describe("type-checking the tests", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it(
    "tsc -p tsconfig.test.json reports nothing and exits 0",
    async () => {
      const { code, output } = await tsc(["-p", CONFIG]);
      expect({ code, output }, output).toEqual({ code: 0, output: "" });
    },
    TIMEOUT_MS + 10_000,
  );

  it(
    "reports a deliberate type error, and an unused local, in a file compiled with the same options",
    async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secgroups-typecheck-"));
      dirs.push(dir);
      fs.writeFileSync(
        path.join(dir, "broken.ts"),
        ['export const port: number = "22";', "export function unused(): void {", "  const forgotten = 1;", "}", ""].join("\n"),
      );
      // Everything from tsconfig.test.json but what it compiles (this file only) and rootDir, which
      // says only where output would go and must hold every file compiled.
      fs.writeFileSync(
        path.join(dir, "tsconfig.json"),
        JSON.stringify({ extends: CONFIG, compilerOptions: { rootDir: "." }, include: ["broken.ts"] }),
      );

      const { code, output } = await tsc(["-p", path.join(dir, "tsconfig.json")]);
      expect(code, output).not.toBe(0);
      const errors = output
        .split("\n")
        .filter((l) => l.includes("error TS"))
        .map((l) => l.replace(/^.*broken\.ts/, "broken.ts"));
      expect(errors, output).toEqual([
        "broken.ts(1,14): error TS2322: Type 'string' is not assignable to type 'number'.",
        // noUnusedLocals comes from tsconfig.json through tsconfig.test.json: the options are the project's.
        "broken.ts(3,9): error TS6133: 'forgotten' is declared but its value is never read.",
      ]);
    },
    TIMEOUT_MS + 10_000,
  );
});
