/** Crash safety (see crash.ts) on one SQLite file shared by its runs (CRASH_RUNS: 3 in the test command, 10 in scripts/soak.sh). */
import * as path from "node:path";
import { describe } from "vitest";
import { crashRuns } from "./crash";
import { openTestBackend } from "./fleet";
import { tempDir } from "./harness";

const file = path.join(tempDir("crash-sqlite"), "cloud.db");

describe("crash safety on SQLite", () => {
  crashRuns(
    "SQLite",
    () => `sqlite:${file}`,
    () => openTestBackend(`sqlite:${file}`),
  );
});
