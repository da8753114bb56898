/**
 * The Python venv of scripts/neutron-venv.sh (Neutron, Keystone, gunicorn and psycopg2 from PyPI,
 * in the project cache), and the repository's root it is found from.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** The package.json name that marks the repository's root. */
const PACKAGE_NAME = "pulumi-secgroups";

/**
 * The repository's root: the nearest directory at or above `from` whose package.json is named
 * pulumi-secgroups. From the sources that is the parent of tools/; compiled (the bench's build
 * under test-output/bench/build), a few levels further up.
 */
export function repoRoot(from: string = __dirname): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (packageName(path.join(dir, "package.json")) === PACKAGE_NAME) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json named ${PACKAGE_NAME} in ${from} or any directory above it`);
  }
}

/** The `name` of a package.json, or undefined when the file is missing or unreadable. */
function packageName(file: string): unknown {
  try {
    return (JSON.parse(fs.readFileSync(file, "utf8")) as { name?: unknown }).name;
  } catch {
    return undefined;
  }
}

/**
 * The python of the venv scripts/neutron-venv.sh makes, installing it when missing; the script's
 * progress messages (stderr) pass through, so a cold install's minute is not silent.
 */
export function neutronVenvPython(): Promise<string> {
  return new Promise((resolve, reject) => {
    const script = path.join(repoRoot(), "scripts", "neutron-venv.sh");
    const child = spawn("bash", [script], { stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.once("error", reject);
    child.once("close", (code) => {
      if (code === 0 && stdout.trim()) resolve(stdout.trim());
      else reject(new Error(`scripts/neutron-venv.sh failed (exit ${code}): see its messages above`));
    });
  });
}
