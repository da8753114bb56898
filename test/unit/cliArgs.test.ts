import { describe, expect, it } from "vitest";
import { parseArgs } from "../../provider/cli/args";
import type { Command } from "../../provider/cli/commandSpec";
import { EXIT, UsageError, exitCodeOf } from "../../provider/cli/exit";
import { COMMANDS } from "../../provider/cli/registry";
import { SecgroupsError } from "../../provider/errors";

/** The UsageError parseArgs throws for `argv`, as message + usage line. */
function usageError(argv: string[]): { message: string; usage: string } {
  try {
    parseArgs(argv, COMMANDS);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    const e = err as UsageError;
    expect(e.code).toBe("SG_INVALID_INPUT");
    return { message: e.message, usage: e.usage };
  }
  throw new Error(`parseArgs accepted ${argv.join(" ")}`);
}

describe("parseArgs", () => {
  it("finds the command, its argument and the settings flags anywhere on the line, --flag=value or --flag value", () => {
    const inv = parseArgs(
      ["--backend=sqlite:/tmp/x.db", "group", "--format", "json", "show", "web", "--project", "team-a", "--max-width", "120"],
      COMMANDS,
    );
    expect(inv.kind).toBe("run");
    if (inv.kind !== "run") return;
    expect(inv.command.words).toEqual(["group", "show"]);
    expect(inv.args).toEqual({ "NAME|ID": "web" });
    expect(inv.options).toEqual({});
    expect(inv.config).toEqual({ "secgroups:backend": "sqlite:/tmp/x.db", "secgroups:profile": undefined, "secgroups:project": "team-a" });
    expect(inv.format).toBe("json");
    expect(inv.maxWidth).toBe(120);
  });

  it("takes a command's own option, and a name starting with a dash after --", () => {
    const rules = parseArgs(["rule", "list", "--group", "web"], COMMANDS);
    expect(rules.kind === "run" && rules.options).toEqual({ group: "web" });
    const dashed = parseArgs(["group", "show", "--", "-odd-name"], COMMANDS);
    expect(dashed.kind === "run" && dashed.args).toEqual({ "NAME|ID": "-odd-name" });
    const plain = parseArgs(["group", "list"], COMMANDS);
    expect(plain.kind === "run" && [plain.format, plain.maxWidth]).toEqual(["table", undefined]);
  });

  it("help and version", () => {
    expect(parseArgs(["--help"], COMMANDS)).toEqual({ kind: "help" });
    expect(parseArgs(["-h"], COMMANDS)).toEqual({ kind: "help" });
    expect(parseArgs(["help"], COMMANDS)).toEqual({ kind: "help" });
    const one = parseArgs(["help", "server", "show"], COMMANDS);
    expect(one.kind === "help" && one.command?.words).toEqual(["server", "show"]);
    const flag = parseArgs(["group", "show", "--help"], COMMANDS);
    expect(flag.kind === "help" && flag.command?.words).toEqual(["group", "show"]);
    expect(parseArgs(["--version"], COMMANDS)).toEqual({ kind: "version" });
  });

  it("reports each usage mistake with the property, the value and the usage line", () => {
    expect(usageError([])).toEqual({
      message:
        "SG_INVALID_INPUT: no command given (property command); allowed: group list, group show, rule list, server list, server show, exposure, can-reach, preview-report; fix: name a command, e.g. `secgroups group list`",
      usage: "usage: secgroups COMMAND [ARGS] [OPTIONS] (`secgroups --help` lists the commands)",
    });
    expect(usageError(["group"]).message).toBe(
      'SG_INVALID_INPUT: unknown command (property command, got "group"); allowed: group list, group show, rule list, server list, server show, exposure, can-reach, preview-report; fix: run `secgroups --help` for the commands and what they take',
    );
    expect(usageError(["help", "nope"]).message).toBe(
      'SG_INVALID_INPUT: unknown command (property command, got "nope"); allowed: group list, group show, rule list, server list, server show, exposure, can-reach, preview-report; fix: run `secgroups --help` for the commands and what they take',
    );
    expect(usageError(["group", "list", "--group", "web"])).toEqual({
      message:
        'SG_INVALID_INPUT: secgroups group list takes no such flag (property --group, got "--group"); allowed: --backend, --project, --profile, --stack, --verbose, --format, --max-width, --help, --version; fix: leave the flag out, or use it with the command that takes it',
      usage: "usage: secgroups group list [OPTIONS]",
    });
    expect(usageError(["group", "show", "a", "b"]).message).toBe(
      'SG_INVALID_INPUT: secgroups group show takes only NAME|ID (property arguments, got "b"); fix: leave the extra arguments out (quote a name that contains spaces)',
    );
    expect(usageError(["group", "list", "extra"]).message).toBe(
      'SG_INVALID_INPUT: secgroups group list takes no arguments (property arguments, got "extra"); fix: leave the extra arguments out (quote a name that contains spaces)',
    );
    expect(usageError(["rule", "list", "--group"])).toEqual({
      message: "SG_INVALID_INPUT: the flag needs a value (property --group); allowed: NAME|ID; fix: write --group NAME|ID",
      usage: "usage: secgroups rule list [--group NAME|ID] [OPTIONS]",
    });
    expect(usageError(["server", "list", "--max-width", "wide"]).message).toBe(
      'SG_INVALID_INPUT: not a whole number of columns (property --max-width, got "wide"); allowed: 0 (never wrap) or a positive whole number; fix: pass e.g. --max-width 120',
    );
    expect(usageError(["server", "list", "-v"]).message).toBe(
      'SG_INVALID_INPUT: unknown flag for secgroups server list (property -v, got "-v"); allowed: --backend, --project, --profile, --stack, --verbose, --format, --max-width, --help, --version; fix: run `secgroups --help` for the flags each command takes',
    );
  });

  it("finds commands only in the registry it is given", () => {
    const ping: Command = {
      words: ["ping"],
      summary: "answer",
      args: [],
      options: [{ name: "count", value: "N", description: "how often" }],
      run: async () => ({ json: null }),
    };
    const inv = parseArgs(["ping", "--count", "3"], [ping]);
    expect(inv.kind === "run" && [inv.command, inv.options]).toEqual([ping, { count: "3" }]);
    expect(() => parseArgs(["group", "list"], [ping])).toThrow(
      'SG_INVALID_INPUT: unknown command (property command, got "group list"); allowed: ping; fix: run `secgroups --help` for the commands and what they take',
    );
  });
});

describe("exit codes", () => {
  it("maps each kind of failure to its documented code", () => {
    const err = (code: ConstructorParameters<typeof SecgroupsError>[0]) => new SecgroupsError(code, { property: "", problem: "x" });
    expect(exitCodeOf(err("SG_NOT_FOUND"))).toBe(EXIT.notFound);
    expect(exitCodeOf(err("SG_AMBIGUOUS_NAME"))).toBe(1);
    expect(exitCodeOf(new UsageError({ property: "", problem: "x" }, "usage: secgroups"))).toBe(2);
    expect(exitCodeOf(err("SG_PROFILE_INVALID"))).toBe(2);
    expect(exitCodeOf(err("SG_BACKEND_INVALID"))).toBe(3);
    expect(exitCodeOf(err("SG_BACKEND_UNAVAILABLE"))).toBe(3);
    expect(exitCodeOf(err("SG_BACKEND_BUSY"))).toBe(3);
    expect(exitCodeOf(new Error("boom"))).toBe(4);
  });
});
