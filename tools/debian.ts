/** Debian packages the tests and the benchmark need (PostgreSQL, Chromium): found, or installed with apt-get when we are root. */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";

/**
 * What `find` returns, installing Debian's `pkg` first when it returns nothing and we are root
 * with apt-get; throws "… could not be installed" otherwise: the tests never skip a missing tool.
 */
export function ensureDebianPackage<T>(pkg: string, label: string, find: () => T | undefined): T {
  let found = find();
  if (found === undefined && process.getuid?.() === 0 && fs.existsSync("/usr/bin/apt-get")) {
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
    execFileSync("apt-get", ["install", "-y", "-qq", pkg], { stdio: "inherit", env });
    found = find();
  }
  if (found === undefined)
    throw new Error(`${label} is not installed and could not be installed: run \`apt-get install ${pkg}\` (tests never skip it)`);
  return found;
}
