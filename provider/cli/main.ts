#!/usr/bin/env node
/**
 * `secgroups`: reads a pulumi-secgroups state backend and prints its security groups, rules and
 * servers as the openstack CLI would. Settings as the provider's: flag first, `SECGROUPS_*`
 * environment second, default third. Read-only: it never creates a backend. Errors are one line
 * `CODE: problem (property P, got V); allowed: A; fix: F`, never a stack trace; exit codes in exit.ts.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { openBackend, sqliteFileOf } from "../backends";
import type { StateBackend } from "../backends/types";
import { loadProfile } from "../profileLoader";
import { SecgroupsError, messageOf } from "../errors";
import { SETTING_KEYS, resolveSettings, type RawConfig, type Settings } from "../settings";
import { GLOBAL_OPTIONS, parseArgs } from "./args";
import { usageOf, type Command, type CommandOutput, type Format, type OptionSpec } from "./commandSpec";
import { EXIT, UsageError, exitCodeOf, type ExitCode } from "./exit";
import { displayBackend, terminalLines } from "./display";
import { COMMANDS } from "./registry";
import { readStackSettings, type SettingSources } from "./stackConfig";

/** What the CLI reads and writes; the process's own when run as a program. */
export interface CliIo {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  /** Relative paths (backend, profile) resolve against it; the default backend lives under it. */
  cwd: string;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Columns of the terminal stdout goes to; undefined when it is not a terminal (no wrapping). */
  terminalWidth: number | undefined;
}

/** The package's version, from the package.json above this file (in the sources or in dist/). */
function version(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "pulumi-secgroups") return pkg.version ?? "unknown";
    }
    if (path.dirname(dir) === dir) return "unknown";
  }
}

function optionLines(options: readonly OptionSpec[]): string[] {
  const label = (o: OptionSpec) => `--${o.name}${o.value ? ` ${o.value}` : ""}`;
  const width = Math.max(...options.map((o) => label(o).length));
  return options.map((o) => `  ${label(o).padEnd(width)}  ${o.description}`);
}

const EXIT_CODES_HELP = [
  "exit codes:",
  `  ${EXIT.ok}  success`,
  `  ${EXIT.notFound}  not found: no group or server of the project has that name or id, or several servers have that name;`,
  `     or the answer is no: can-reach found the flow blocked, preview-report --fail-on found a new finding that bad`,
  `  ${EXIT.usage}  usage: unknown command or flag, missing or extra argument, bad --format or --max-width, invalid --profile`,
  `  ${EXIT.backend}  backend invalid, missing, unreachable or busy (SG_BACKEND_INVALID, SG_BACKEND_UNAVAILABLE, SG_BACKEND_BUSY)`,
  `  ${EXIT.internal}  internal error (please report it)`,
];

/** The end of every help text: the flags every command takes, and the exit codes. */
function commonHelp(): string[] {
  return ["", "options of every command:", ...optionLines(GLOBAL_OPTIONS), "", ...EXIT_CODES_HELP];
}

/** Widest synopsis that keeps its summary on the same line in `secgroups --help`. */
const SYNOPSIS_WIDTH = 42;

/** `secgroups --help`, or one command's help. */
export function helpText(command?: Command): string {
  if (command) {
    return [
      usageOf(command),
      "",
      `${command.summary}.`,
      ...(command.options.length ? ["", "options:", ...optionLines(command.options)] : []),
      ...commonHelp(),
    ].join("\n");
  }
  const names = COMMANDS.map((c) =>
    usageOf(c)
      .replace(/^usage: secgroups /, "")
      .replace(/ \[OPTIONS\]$/, ""),
  );
  // Long synopses (can-reach) get their summary on the next line, so the column stays narrow.
  const width = Math.max(...names.map((n) => n.length).filter((n) => n <= SYNOPSIS_WIDTH));
  const line = (name: string, summary: string) =>
    name.length <= width ? [`  ${name.padEnd(width)}  ${summary}`] : [`  ${name}`, `  ${"".padEnd(width)}  ${summary}`];
  return [
    "secgroups: read the security groups, rules and servers of a pulumi-secgroups backend, and what they expose",
    "",
    usageOf(),
    "",
    "commands:",
    ...COMMANDS.flatMap((c, i) => line(names[i]!, c.summary)),
    ...line("help [COMMAND]", "this help, or one command's"),
    ...commonHelp(),
  ].join("\n");
}

/**
 * Opens the backend for reading. An `sqlite:` file that does not exist is SG_BACKEND_UNAVAILABLE:
 * opening would create an empty backend, and a reader must not create one.
 */
function openForReading(settings: Settings): StateBackend {
  const file = sqliteFileOf(settings.backend, settings.programDir);
  if (file && !fs.existsSync(file)) {
    throw new SecgroupsError("SG_BACKEND_UNAVAILABLE", {
      property: "--backend",
      problem: `no backend exists at ${file} (secgroups reads a backend, it never creates one)`,
      value: settings.backend,
      fix: "run `pulumi up` first (it creates the backend in the program's directory), or pass --backend (or set SECGROUPS_BACKEND) to an existing backend, e.g. --backend sqlite:path/to/program/.secgroups/cloud.db",
    });
  }
  return openBackend(settings.backend, settings.programDir, settings.backendPassword);
}

/** The error as a CLI user reads it: `--backend` where the provider says `secgroups:backend`. */
function forCli(err: unknown): unknown {
  if (!(err instanceof SecgroupsError) || err instanceof UsageError) return err;
  const setting = /^secgroups:(backend|profile|project)$/.exec(err.details.property)?.[1];
  if (!setting) return err;
  const fix = err.details.fix
    ?.replace(/set secgroups:(backend|profile|project) to/g, "pass --$1 as")
    .replace(/secgroups:(backend|profile|project)\b/g, "--$1");
  return new SecgroupsError(err.code, { ...err.details, property: `--${setting}`, ...(fix !== undefined ? { fix } : {}) });
}

/** The output in `format` (parseArgs allowed only the formats the command prints). */
function render(output: CommandOutput, format: Format, maxWidth: number): string {
  switch (format) {
    case "json":
      return JSON.stringify(output.json, null, 2);
    case "table": {
      if (!output.table) throw new Error("the command has no table output");
      return terminalLines(output.table(maxWidth));
    }
    case "md":
    case "html": {
      const draw = output[format];
      if (!draw) throw new Error(`the command has no ${format} output`);
      return draw.call(output);
    }
    default: {
      const never: never = format;
      throw new Error(`unhandled format ${String(never)}`);
    }
  }
}

/**
 * The settings, flag first, environment second, the stack's config third (in a Pulumi program's
 * directory: `--stack`, else the selected stack), default last; and where each came from.
 */
function settingsOf(
  flags: RawConfig,
  env: NodeJS.ProcessEnv,
  cwd: string,
  stack: string | undefined,
): { settings: Settings; sources: SettingSources; stackProblem?: string } {
  const keys = ["backend", "profile", "project", "backendPassword"] as const;
  const given = (v: string | undefined) => v !== undefined && v !== "";
  const fromFlag = (k: (typeof keys)[number]) => given(flags[SETTING_KEYS[k].config]);
  const fromEnv = (k: (typeof keys)[number]) => given(env[SETTING_KEYS[k].env]);
  const wanted = keys.filter((k) => !fromFlag(k) && !fromEnv(k)).map((k) => SETTING_KEYS[k].config);
  const fromStack = readStackSettings(cwd, env, stack, wanted);
  const merged: NodeJS.ProcessEnv = { ...env };
  for (const k of keys) {
    const v = fromStack.config[SETTING_KEYS[k].config];
    if (!fromEnv(k) && v !== undefined) merged[SETTING_KEYS[k].env] = v;
  }
  // The stack's password secret, as the provider gets it: its config (an openstack backend reads
  // no PGPASSWORD, so it would not see it as the environment).
  const stackPassword = fromStack.config[SETTING_KEYS.backendPassword.config];
  const withStackPassword =
    stackPassword !== undefined && !fromFlag("backendPassword") ? { ...flags, [SETTING_KEYS.backendPassword.config]: stackPassword } : flags;
  const settings = resolveSettings(withStackPassword, merged, cwd);
  const source = (k: "backend" | "profile" | "project") =>
    fromFlag(k)
      ? `--${k}`
      : fromEnv(k)
        ? `environment ${SETTING_KEYS[k].env}`
        : fromStack.config[SETTING_KEYS[k].config] !== undefined
          ? `stack ${fromStack.stack}'s config`
          : "default";
  return {
    settings,
    sources: { backend: source("backend"), profile: source("profile"), project: source("project") },
    ...(fromStack.problem ? { stackProblem: fromStack.problem } : {}),
  };
}

/** Runs the command line `io.argv` and returns its exit code; never throws. */
export async function main(io: CliIo): Promise<ExitCode> {
  let backend: StateBackend | undefined;
  let code: ExitCode = EXIT.ok;
  try {
    const invocation = parseArgs(io.argv, COMMANDS);
    switch (invocation.kind) {
      case "version":
        io.stdout(`${version()}\n`);
        return EXIT.ok;
      case "help":
        io.stdout(`${helpText(invocation.command)}\n`);
        return EXIT.ok;
      case "run":
        break;
      default: {
        const never: never = invocation;
        throw new Error(`unhandled invocation ${JSON.stringify(never)}`);
      }
    }
    const { settings, sources, stackProblem } = settingsOf(invocation.config, io.env, io.cwd, invocation.stack);
    if (invocation.verbose) {
      for (const k of ["backend", "profile", "project"] as const) io.stderr(`secgroups: ${k} ${settings[k]} (${sources[k]})\n`);
      if (stackProblem) io.stderr(`secgroups: ${stackProblem}\n`);
    }
    const profile = loadProfile(settings.profile, settings.programDir);
    const output = await invocation.command.run({
      settings,
      sources,
      profile,
      args: invocation.args,
      options: invocation.options,
      // Human-readable formats read every name shown visibly (see display.ts); JSON reads them as stored.
      backend: async () => {
        backend ??= openForReading(settings);
        return invocation.format === "json" ? backend : displayBackend(backend);
      },
    });
    io.stdout(`${render(output, invocation.format, invocation.maxWidth ?? io.terminalWidth ?? 0)}\n`);
    code = output.exitCode ?? EXIT.ok;
  } catch (caught) {
    const err = forCli(caught);
    code = exitCodeOf(err);
    const text = err instanceof SecgroupsError ? err.message : `internal error: ${messageOf(err)}`;
    io.stderr(`${terminalLines(text)}\n${err instanceof UsageError ? `${err.usage}\n` : ""}`);
  } finally {
    await backend?.close().catch(() => undefined);
  }
  return code;
}

if (require.main === module) {
  // A reader that goes away (`secgroups group list | head -1`) is not an error.
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
  });
  void main({
    argv: process.argv.slice(2),
    env: process.env,
    cwd: process.cwd(),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    terminalWidth: process.stdout.isTTY ? process.stdout.columns : undefined,
  }).then((code) => {
    process.exitCode = code;
  });
}
