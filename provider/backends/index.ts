/** Opens a state backend by URL (node:sqlite and pg are loaded only by the backend that uses them). */
import * as path from "node:path";
import { SecgroupsError } from "../errors";
import { maskUrl } from "./mask";
import { PostgresBackend } from "./postgres";
import { SqliteBackend } from "./sqlite";
import { OpenstackBackend } from "./openstack/backend";
import { openstackAuth } from "./openstack/config";
import type { StateBackend } from "./types";

export { maskUrl };

const ALLOWED =
  "sqlite:PATH (absolute, or relative to the program directory), postgres://USER@HOST:PORT/DATABASE, or openstack / openstack://CLOUD (a real Neutron)";

/**
 * The file an `sqlite:` backend URL names, resolved against `baseDir`; undefined for other URLs,
 * "" for an sqlite URL without a path.
 */
export function sqliteFileOf(url: string, baseDir: string): string | undefined {
  if (!url.startsWith("sqlite:")) return undefined;
  let file = url.slice("sqlite:".length);
  if (file.startsWith("//")) file = file.slice(2);
  return file ? path.resolve(baseDir, file) : "";
}

/**
 * Opens the backend `url`; a relative sqlite path is resolved against `baseDir`. `password` is the
 * PostgreSQL password (secgroups:backendPassword or PGPASSWORD); it overrides one in the URL.
 * No I/O beyond creating the SQLite file: the schema is migrated on first use.
 */
export function openBackend(url: string, baseDir: string, password?: string): StateBackend {
  const file = sqliteFileOf(url, baseDir);
  if (file !== undefined) {
    if (!file) {
      throw new SecgroupsError("SG_BACKEND_INVALID", {
        property: "secgroups:backend",
        problem: "the sqlite backend URL names no file",
        value: url,
        allowed: ALLOWED,
        fix: "set secgroups:backend to e.g. sqlite:.secgroups/cloud.db",
      });
    }
    return new SqliteBackend(file);
  }
  const openstack = openstackAuth(url, baseDir, process.env, password);
  if (openstack) return new OpenstackBackend(openstack);
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === "postgres" || scheme === "postgresql") {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !parsed.hostname || parsed.pathname.length <= 1) {
      throw new SecgroupsError("SG_BACKEND_INVALID", {
        property: "secgroups:backend",
        problem: "the postgres backend URL needs a host and a database",
        value: maskUrl(url),
        allowed: "postgres://USER@HOST:PORT/DATABASE",
        fix: "set secgroups:backend to e.g. postgres://secgroups@db.example.com:5432/secgroups and the password as the secret secgroups:backendPassword",
      });
    }
    return new PostgresBackend(url, password);
  }
  throw new SecgroupsError("SG_BACKEND_INVALID", {
    property: "secgroups:backend",
    problem: "unknown backend kind",
    value: maskUrl(url),
    allowed: ALLOWED,
    fix: "use an sqlite:, postgres:// or openstack backend",
  });
}
