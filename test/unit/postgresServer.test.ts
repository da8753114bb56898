import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "pg";
import { startPostgres, type PostgresServer } from "../../tools/postgres";

describe("the private PostgreSQL server the backend tests run against", () => {
  let server: PostgresServer;

  beforeAll(async () => {
    server = await startPostgres("secgroups_smoke");
  });

  afterAll(() => {
    server?.stop();
  });

  it("accepts connections on loopback and runs a transaction with a row lock", async () => {
    const client = new Client({ connectionString: server.url });
    await client.connect();
    try {
      await client.query("CREATE TABLE ports (id text PRIMARY KEY, groups int NOT NULL)");
      await client.query("BEGIN");
      await client.query("INSERT INTO ports VALUES ($1, $2)", ["p1", 0]);
      const locked = await client.query("SELECT groups FROM ports WHERE id = $1 FOR UPDATE", ["p1"]);
      await client.query("UPDATE ports SET groups = groups + 1 WHERE id = $1", ["p1"]);
      await client.query("COMMIT");
      expect(locked.rows).toEqual([{ groups: 0 }]);
      expect((await client.query("SELECT groups FROM ports WHERE id = 'p1'")).rows).toEqual([{ groups: 1 }]);
      expect((await client.query("SELECT current_database() AS db")).rows[0].db).toBe("secgroups_smoke");
    } finally {
      await client.end();
    }
  });
});
