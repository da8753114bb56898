/**
 * A private PostgreSQL server for the tests and the benchmark (bench/backend.ts): Debian's
 * `postgresql` binaries (installed with apt-get when missing and we are root), a fresh cluster in a
 * temporary directory, listening on a free loopback port, trust authentication for one superuser,
 * removed on stop. A missing PostgreSQL is a failure, never a skip.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ensureDebianPackage } from "./debian";
import { freePort } from "./ports";

/** A running private cluster. */
export interface PostgresServer {
  /** `postgres://secgroups@127.0.0.1:PORT/DB` (no password: trust on loopback). */
  url: string;
  port: number;
  database: string;
  /** Stops the server and removes its directory. */
  stop(): void;
  /** Stops the server hard (`pg_ctl -m immediate`: connections dropped, no shutdown checkpoint), keeping its data. */
  halt(): void;
  /** Starts a halted server again, on the same port with the same data. */
  resume(): void;
}

/** The directory holding initdb/pg_ctl: the newest /usr/lib/postgresql/N/bin, or PATH. */
export function findPostgresBin(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (fs.existsSync(root)) {
    const versions = fs
      .readdirSync(root)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
      const bin = path.join(root, v, "bin");
      if (fs.existsSync(path.join(bin, "initdb"))) return bin;
    }
  }
  const which = spawnSync("sh", ["-c", "command -v initdb"], { encoding: "utf8" });
  return which.status === 0 ? path.dirname(which.stdout.trim()) : undefined;
}

/** Finds PostgreSQL, installing Debian's package when missing (as root); throws when impossible. */
export function ensurePostgres(): string {
  return ensureDebianPackage("postgresql", "PostgreSQL", findPostgresBin);
}

/**
 * pg_ctl runs the server apart from the process that started it, so a test process killed outright
 * (SIGKILL, a CI job cancelled) would leave it running: a detached watchdog waits for `parent` to
 * end and then stops the server and removes its directory, unless stop() did so already.
 */
function stopWhenOrphaned(parent: number, dir: string, data: string, pgCtl: string[]): void {
  const quote = (a: string) => `'${a.replaceAll("'", "'\\''")}'`;
  const script =
    `while kill -0 ${parent} 2>/dev/null; do sleep 1; done; ` +
    `if [ -d ${quote(data)} ]; then ${pgCtl.map(quote).join(" ")} -D ${quote(data)} -m immediate -w stop >/dev/null 2>&1; rm -rf ${quote(dir)}; fi`;
  spawn("sh", ["-c", script], { detached: true, stdio: "ignore" }).unref();
}

/**
 * Starts a fresh private cluster with database `database`. Without `password`, loopback
 * connections are trusted; with it, user secgroups must log in over TCP with that password
 * (scram-sha-256), and `url` carries none.
 */
export async function startPostgres(database = "secgroups", opts: { password?: string } = {}): Promise<PostgresServer> {
  const bin = ensurePostgres();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secgroups-pg-"));
  const data = path.join(dir, "data");
  const port = await freePort();
  // initdb and postgres refuse to run as root: run them as the postgres system user then.
  const asOwner = (cmd: string, args: string[]) => {
    if (process.getuid?.() === 0) {
      fs.chownSync(
        dir,
        Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" })),
        Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" })),
      );
      return execFileSync("runuser", ["-u", "postgres", "--", path.join(bin, cmd), ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    }
    return execFileSync(path.join(bin, cmd), args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  };
  const auth = ["-A", "trust"];
  if (opts.password !== undefined) {
    const pwfile = path.join(dir, "pwfile");
    fs.writeFileSync(pwfile, opts.password + "\n", { mode: 0o644 });
    auth.splice(0, 2, "--auth-local=trust", "--auth-host=scram-sha-256", `--pwfile=${pwfile}`);
  }
  asOwner("initdb", ["-D", data, ...auth, "-U", "secgroups", "--no-sync", "-E", "UTF8"]);
  if (opts.password !== undefined) fs.rmSync(path.join(dir, "pwfile"));
  const start = () =>
    asOwner("pg_ctl", [
      "-D",
      data,
      "-l",
      path.join(dir, "server.log"),
      "-w",
      "-o",
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
      "start",
    ]);
  start();
  stopWhenOrphaned(
    process.pid,
    dir,
    data,
    process.getuid?.() === 0 ? ["runuser", "-u", "postgres", "--", path.join(bin, "pg_ctl")] : [path.join(bin, "pg_ctl")],
  );
  asOwner("createdb", ["-h", dir, "-p", String(port), "-U", "secgroups", database]);
  let stopped = false;
  return {
    url: `postgres://secgroups@127.0.0.1:${port}/${database}`,
    port,
    database,
    halt() {
      asOwner("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
    },
    resume() {
      start();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        // A halted server is already stopped: pg_ctl then fails, and the directory goes all the same.
        asOwner("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } catch {
        // Not running.
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
