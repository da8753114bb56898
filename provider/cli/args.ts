/**
 * Command-line parsing for `secgroups`: finds the command in the registry it is given (main.ts
 * passes registry.ts's), checks flags and arguments, and says what is wrong as a UsageError
 * (exit 2) with the usage line. Pure.
 */
import { SETTING_KEYS } from "../settings";
import { FORMATS, usageOf, type Command, type Format, type OptionSpec } from "./commandSpec";
import { UsageError } from "./exit";

/** Flags every command takes. */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  {
    name: "backend",
    value: "URL",
    description: `state backend: sqlite:PATH or postgres://USER@HOST:PORT/DB (env ${SETTING_KEYS.backend.env}; default sqlite:.secgroups/cloud.db in the current directory; PostgreSQL password from ${SETTING_KEYS.backendPassword.env})`,
  },
  { name: "project", value: "NAME", description: `project to read (env ${SETTING_KEYS.project.env}; default default)` },
  {
    name: "profile",
    value: "NAME|PATH",
    description: `cloud profile: openstack, meshcloud, rackspace, evroc or a JSON profile file (env ${SETTING_KEYS.profile.env}; default openstack)`,
  },
  {
    name: "stack",
    value: "NAME",
    description:
      "in a Pulumi program's directory: the stack whose config gives the settings not given as flags or in the environment (default: the selected stack)",
  },
  { name: "verbose", description: "say on stderr where each setting came from: a flag, the environment, the stack's config or the default" },
  {
    name: "format",
    value: "FORMAT",
    description: "output format: table or json; exposure also md and html; preview-report md (its default) or json (default table)",
  },
  {
    name: "max-width",
    value: "N",
    description: "wrap tables to at most N columns (default: the terminal's width; no wrapping when output is not a terminal; 0: never)",
  },
  { name: "help", description: "show help (also -h, or `secgroups help [COMMAND]`)" },
  { name: "version", description: "print the version" },
];

/** What the command line asks for. */
export type Invocation =
  | { kind: "help"; command?: Command }
  | { kind: "version" }
  | {
      kind: "run";
      command: Command;
      args: Record<string, string | undefined>;
      options: Record<string, string | undefined>;
      /** The three settings given as flags, by config key (`secgroups:backend`), for resolveSettings. */
      config: Record<string, string | undefined>;
      format: Format;
      /** undefined: pick by terminal. */
      maxWidth: number | undefined;
      /** `--stack`: the stack whose config to read (default: the selected one). */
      stack: string | undefined;
      /** `--verbose`: say where each setting came from. */
      verbose: boolean;
    };

/** The command of `commands` whose words start `words`, the longest first. */
function findCommand(commands: readonly Command[], words: readonly string[]): Command | undefined {
  return [...commands].sort((a, b) => b.words.length - a.words.length).find((c) => c.words.every((w, i) => words[i] === w));
}

/** The commands as `group list, group show, ...`. */
function commandNames(commands: readonly Command[]): string {
  return commands.map((c) => c.words.join(" ")).join(", ");
}

function unknownCommand(commands: readonly Command[], words: readonly string[]): UsageError {
  return new UsageError(
    {
      property: "command",
      problem: "unknown command",
      value: words.join(" "),
      allowed: commandNames(commands),
      fix: "run `secgroups --help` for the commands and what they take",
    },
    usageOf(),
  );
}

/**
 * Reads `argv` (without node and the script) as a line of one of `commands` (the registry).
 * Throws UsageError for anything it cannot use.
 */
export function parseArgs(argv: readonly string[], commands: readonly Command[]): Invocation {
  const known = new Map<string, OptionSpec>();
  for (const o of [...GLOBAL_OPTIONS, ...commands.flatMap((c) => c.options)]) known.set(o.name, o);
  const words: string[] = [];
  const given = new Map<string, string>();
  const unknown: string[] = [];
  const missingValue: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === "--") {
      words.push(...argv.slice(i + 1));
      break;
    }
    if (token === "-h") {
      given.set("help", "");
      continue;
    }
    if (!token.startsWith("-") || token === "-") {
      words.push(token);
      continue;
    }
    const eq = token.indexOf("=");
    const name = token.startsWith("--") ? token.slice(2, eq < 0 ? undefined : eq) : "";
    const spec = known.get(name);
    if (!spec) {
      unknown.push(eq < 0 ? token : token.slice(0, eq));
      continue;
    }
    if (!spec.value) {
      given.set(name, "");
    } else if (eq >= 0) {
      given.set(name, token.slice(eq + 1));
    } else if (i + 1 < argv.length) {
      given.set(name, argv[++i]!);
    } else {
      missingValue.push(name);
    }
  }

  const helpWord = words[0] === "help";
  const commandWords = helpWord ? words.slice(1) : words;
  const command = findCommand(commands, commandWords);
  const usage = usageOf(command);
  if (unknown.length) {
    throw new UsageError(
      {
        property: unknown[0]!,
        problem: `unknown flag${command ? ` for secgroups ${command.words.join(" ")}` : ""}`,
        value: unknown.join(" "),
        allowed: [...GLOBAL_OPTIONS, ...(command?.options ?? [])].map((o) => `--${o.name}`).join(", "),
        fix: "run `secgroups --help` for the flags each command takes",
      },
      usage,
    );
  }
  if (missingValue.length) {
    const spec = known.get(missingValue[0]!)!;
    throw new UsageError(
      {
        property: `--${spec.name}`,
        problem: "the flag needs a value",
        allowed: spec.value!,
        fix: `write --${spec.name} ${spec.value}`,
      },
      usage,
    );
  }
  if (given.has("version")) return { kind: "version" };
  if (helpWord || given.has("help")) {
    if (!command && commandWords.length) throw unknownCommand(commands, commandWords);
    return command ? { kind: "help", command } : { kind: "help" };
  }
  if (!command) {
    if (!words.length) {
      throw new UsageError(
        {
          property: "command",
          problem: "no command given",
          allowed: commandNames(commands),
          fix: "name a command, e.g. `secgroups group list`",
        },
        usage,
      );
    }
    throw unknownCommand(commands, words);
  }

  const allowed = new Set([...GLOBAL_OPTIONS, ...command.options].map((o) => o.name));
  const foreign = [...given.keys()].filter((name) => !allowed.has(name));
  if (foreign.length) {
    throw new UsageError(
      {
        property: `--${foreign[0]}`,
        problem: `secgroups ${command.words.join(" ")} takes no such flag`,
        value: `--${foreign[0]}`,
        allowed: [...allowed].map((n) => `--${n}`).join(", "),
        fix: "leave the flag out, or use it with the command that takes it",
      },
      usage,
    );
  }
  const positionals = words.slice(command.words.length);
  const args: Record<string, string | undefined> = {};
  command.args.forEach((a, i) => {
    args[a.name] = positionals[i];
  });
  const missing = command.args.find((a) => a.required && args[a.name] === undefined);
  if (missing) {
    throw new UsageError(
      {
        property: missing.name,
        problem: `secgroups ${command.words.join(" ")} needs ${missing.name}`,
        fix: `write e.g. secgroups ${command.words.join(" ")} web`,
      },
      usage,
    );
  }
  if (positionals.length > command.args.length) {
    throw new UsageError(
      {
        property: "arguments",
        problem: `secgroups ${command.words.join(" ")} takes ${command.args.length ? `only ${command.args.map((a) => a.name).join(" ")}` : "no arguments"}`,
        value: positionals.slice(command.args.length).join(" "),
        fix: "leave the extra arguments out (quote a name that contains spaces)",
      },
      usage,
    );
  }

  const formats = command.formats ?? ["table", "json"];
  const format = given.get("format") ?? formats[0]!;
  if (!(formats as readonly string[]).includes(format)) {
    throw new UsageError(
      {
        property: "--format",
        problem: (FORMATS as readonly string[]).includes(format)
          ? `secgroups ${command.words.join(" ")} cannot print this format`
          : "unknown output format",
        value: format,
        allowed: formats.join(", "),
        fix: `pass --format ${formats.join(" or --format ")}`,
      },
      usage,
    );
  }
  const width = given.get("max-width");
  if (width !== undefined && !/^\d{1,6}$/.test(width)) {
    throw new UsageError(
      {
        property: "--max-width",
        problem: "not a whole number of columns",
        value: width,
        allowed: "0 (never wrap) or a positive whole number",
        fix: "pass e.g. --max-width 120",
      },
      usage,
    );
  }
  const absent = command.options.find((o) => o.required && !given.has(o.name));
  if (absent) {
    throw new UsageError(
      {
        property: `--${absent.name}`,
        problem: `secgroups ${command.words.join(" ")} needs --${absent.name}`,
        allowed: `${absent.value}: ${absent.description}`,
        fix: `add --${absent.name} ${absent.value}`,
      },
      usage,
    );
  }
  const options: Record<string, string | undefined> = {};
  for (const o of command.options) options[o.name] = given.get(o.name);
  const config: Record<string, string | undefined> = {};
  for (const key of ["backend", "profile", "project"] as const) config[SETTING_KEYS[key].config] = given.get(key);
  return {
    kind: "run",
    command,
    args,
    options,
    config,
    format: format as Format,
    maxWidth: width === undefined ? undefined : Number(width),
    stack: given.get("stack"),
    verbose: given.has("verbose"),
  };
}
