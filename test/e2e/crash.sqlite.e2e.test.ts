/** Crash safety (see crash.ts) on one SQLite file shared by the ten runs. */
import * as path from "node:path";
import { describe } from "vitest";
import { openBackend } from "../../provider/backends";
import { crashRuns } from "./crash";
import { tempDir } from "./harness";

const file = path.join(tempDir("crash-sqlite"), "cloud.db");

describe("crash safety on SQLite", () => {
  crashRuns("SQLite", () => `sqlite:${file}`, () => openBackend(`sqlite:${file}`, process.cwd()));
});
