/**
 * A WSGI service (Neutron's or Keystone's API) under gunicorn, one sync worker on a loopback
 * port, and the readiness poll that waits for its first 200.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { logReport } from "./logs";
import { spawnService, type Live } from "./processes";

/** A module gunicorn imports: it sets sys.argv to Neutron's or Keystone's command line, then loads the WSGI app. */
export function writeLauncher(dir: string, name: string, prog: string, configFile: string, wsgiModule: string): void {
  fs.writeFileSync(
    path.join(dir, `${name}.py`),
    [
      `"""gunicorn's entry point for ${prog}: ${wsgiModule} parses sys.argv as its own command line when imported."""`,
      "import sys",
      "",
      `sys.argv = [${JSON.stringify(prog)}, "--config-file", ${JSON.stringify(configFile)}]`,
      "",
      `from ${wsgiModule} import application  # noqa: E402`,
      "",
    ].join("\n"),
  );
}

/**
 * Serves `module`:application (a launcher written by writeLauncher into `dir`) on 127.0.0.1:`port`,
 * its output appended to `logFile`; with `accessLog`, one line per request written there too.
 */
export function startGunicorn(python: string, dir: string, module: string, port: number, logFile: string, accessLog?: string): Live {
  const gunicorn = path.join(path.dirname(python), "gunicorn");
  return spawnService(
    python,
    gunicorn,
    [
      "--workers=1",
      "--worker-class=sync",
      `--bind=127.0.0.1:${port}`,
      `--pythonpath=${dir}`,
      // gunicorn 27 otherwise opens a control socket under the home directory.
      "--no-control-socket",
      "--timeout=300",
      "--graceful-timeout=3",
      "--error-logfile=-",
      ...(accessLog ? [`--access-logfile=${accessLog}`] : []),
      `${module}:application`,
    ],
    { logFile, cwd: dir },
  );
}

/**
 * Polls `url` until `ok(status)`; fails when the process exits first or after `timeoutMs`, with
 * the tail of its log.
 */
export async function waitUntilServing(
  what: string,
  live: Live,
  url: string,
  logFile: string,
  timeoutMs: number,
  headers: () => Promise<Record<string, string>> = async () => ({}),
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void live.exited.then((code) => (exitCode = code === null ? -1 : code));
  let last = "no answer yet";
  for (;;) {
    if (exitCode !== undefined) throw new Error(`${what} exited (code ${exitCode}) before serving ${url}; ${logReport(logFile)}`);
    try {
      const res = await fetch(url, { headers: await headers(), signal: AbortSignal.timeout(10_000) });
      if (res.status === 200) {
        await res.arrayBuffer();
        return;
      }
      last = `HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`;
    } catch (e) {
      last = (e as Error).message;
    }
    if (performance.now() > deadline)
      throw new Error(`${what} did not answer 200 on ${url} within ${timeoutMs / 1000} s (last: ${last}); ${logReport(logFile)}`);
    await sleep(200);
  }
}
