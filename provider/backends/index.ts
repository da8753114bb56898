/** Opens a state backend by URL; each backend module is loaded lazily, only when it is used. */
import * as path from "node:path";
import { SecgroupsError } from "../errors";
import type { StateBackend } from "./types";

/** Masks the password in a URL so that it can go into messages and logs. */
export function maskUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@]*@/i, "$1:***@");
}

/** Opens the backend `url`; a relative sqlite path is resolved against `baseDir`. */
export function openBackend(url: string, baseDir: string): StateBackend {
  if (url.startsWith("sqlite:")) {
    let file = url.slice("sqlite:".length);
    if (file.startsWith("//")) file = file.slice(2);
    if (!file) {
      throw new SecgroupsError("SG_BACKEND_INVALID", {
        property: "secgroups:backend",
        problem: "the sqlite backend URL names no file",
        value: url,
        allowed: "sqlite:PATH (absolute, or relative to the program directory)",
        fix: "set secgroups:backend to e.g. sqlite:.secgroups/cloud.db",
      });
    }
    const { SqliteBackend } = require("./sqlite") as typeof import("./sqlite");
    return new SqliteBackend(path.resolve(baseDir, file));
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  throw new SecgroupsError("SG_BACKEND_INVALID", {
    property: "secgroups:backend",
    problem: scheme === "postgres" || scheme === "postgresql"
      ? "the postgres backend is not available in this version"
      : "unknown backend kind",
    value: maskUrl(url),
    allowed: "sqlite:PATH",
    fix: "use an sqlite: backend URL",
  });
}
