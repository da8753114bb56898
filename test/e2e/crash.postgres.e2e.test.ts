/** Crash safety (see crash.ts) on one private PostgreSQL server shared by its runs (CRASH_RUNS: 3 in the test command, 10 in scripts/soak.sh). */
import { afterAll, beforeAll, describe } from "vitest";
import { startPostgres, type PostgresServer } from "../../tools/postgres";
import { crashRuns } from "./crash";
import { openTestBackend } from "./fleet";

let pg: PostgresServer;

beforeAll(async () => {
  pg = await startPostgres("crash");
});

afterAll(() => {
  pg?.stop();
});

describe("crash safety on PostgreSQL", () => {
  crashRuns(
    "PostgreSQL",
    () => pg.url,
    () => openTestBackend(pg.url),
  );
});
