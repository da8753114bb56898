/**
 * Docs that work as written, in a fresh clone of the repository.
 *
 * Shell blocks. Every shell block (```sh, ```bash, also indented in a list item) of README.md,
 * docs/*.md and examples/*\/README.md that a user is told to run is executed, in order, with bash's
 * -e and pipefail, so a documented command that fails names its file and line. The environment is
 * a user's after the bootstrap, plus PULUMI_SKIP_CONFIRMATIONS=true (what answering "yes" at
 * Pulumi's prompts does).
 *
 * Documented output. A sample session is a plain fenced block whose lines are `$ command` lines,
 * each followed by what it prints. After the shell blocks, every sample marked
 *
 *     <!-- docs-test: output: DIR after SETUP[; OPTION]... -->
 *
 * on the line before it is run: its commands in order, in one bash session (so `cd` carries over
 * and `$ echo $?` prints the previous command's exit code), in the clone's directory DIR, and each
 * command's stdout and stderr together are compared with the lines that follow it in the sample.
 *   SETUP   the state the sample needs, brought about once per DIR and SETUP (before the first
 *           sample that names it) and shared by the samples that name it, so they must leave it
 *           as they found it: `scripts/quickstart.sh` (`bash scripts/quickstart.sh` in the clone,
 *           for DIR examples/quickstart) or `pulumi up` (an example's "Run it" steps up to
 *           `pulumi up`, in DIR).
 *   env     in an example's directory, what its README exports: PULUMI_BACKEND_URL (the directory's
 *           .secgroups/pulumi-state) and PULUMI_CONFIG_PASSPHRASE=dev. `secgroups` is the package's
 *           command as a project that installed it has it in node_modules/.bin (docs/cli.md): a link
 *           to the clone's dist/provider/cli/main.js, on PATH.
 *   always  normalised on both sides: UUIDs become xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, ISO 8601
 *           UTC timestamps (with or without milliseconds) the same with each digit a `#`, and the
 *           clone's directory /path/to/pulumi-secgroups; trailing blank lines are dropped. Ids and
 *           times keep their length, so tables keep their widths.
 *   `lines in any order`      for output sorted by random ids: each command's lines compared as a
 *                             multiset, but a table's first column (the field names of `group show`,
 *                             on the first line of each value) in order (never implied).
 *   `addresses in CIDR vary`  IPv4 addresses in CIDR (fixed IPs the cloud hands out in an order
 *                             that varies; the doc says so) have the digits their prefix does not
 *                             fix replaced by `#`.
 *   A sample line that is `…`, or `…` and a remark in parentheses, stands for any number of lines
 *   (with `lines in any order`: the command may print lines the sample does not show).
 * A mismatch names the file and line of the command and shows a unified diff of sample and output.
 *
 * A block a user is not meant to run, or a sample that cannot be reproduced here (placeholders, a
 * server of one's own, trimmed output of a program that is not in the repository), says so on the
 * line before it and is counted as skipped, never silently:
 *
 *     <!-- docs-test: illustrative: WHY -->
 *
 * A plain block that starts with a `$ ` line carries one of the two markers, and every marker stands
 * right before a block. Prints `docs: N blocks run, M skipped as illustrative` and `docs: K
 * documented outputs compared, J skipped as illustrative`.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runProcess } from "./harness";

const ROOT = path.join(__dirname, "..", "..");
const MARKER = /^<!-- docs-test: (\w+): (.+) -->$/;
const SHELL = /^(sh|bash|shell)$/;
/** Where the clone's directory shows in output, as README calls a checkout. */
const CHECKOUT = "/path/to/pulumi-secgroups";
const SETUPS = ["scripts/quickstart.sh", "pulumi up"];

/** One fenced block of a document. */
interface Block {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  info: string;
  lines: string[];
  marker?: { kind: string; text: string; line: number };
}

/** A documented output: a sample session and where it runs. */
interface Sample {
  block: Block;
  dir: string;
  setup: string;
  anyOrder: boolean;
  vary: { base: number; prefix: number }[];
  commands: { line: number; command: string; expected: string[] }[];
}

/** The documents, in a stable order: README, docs, then the examples. */
function documents(): string[] {
  const docs = fs
    .readdirSync(path.join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `docs/${f}`);
  const examples = fs
    .readdirSync(path.join(ROOT, "examples"))
    .sort()
    .map((d) => `examples/${d}/README.md`)
    .filter((f) => fs.existsSync(path.join(ROOT, f)));
  return ["README.md", ...docs, ...examples];
}

/** The fenced blocks of `file` (also those indented in a list item), each with the marker on the line before it; `problems` gets markers that stand before no block. */
function blocksOf(file: string, problems: string[]): Block[] {
  const lines = fs.readFileSync(path.join(ROOT, file), "utf8").split("\n");
  const out: Block[] = [];
  const used = new Set<number>();
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```([\w-]*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]!); i++)
      body.push(lines[i]!.slice(Math.min(indent, /^\s*/.exec(lines[i]!)![0].length)));
    let before = start - 1;
    while (before >= 0 && lines[before]!.trim() === "") before--;
    const m = before >= 0 ? MARKER.exec(lines[before]!.trim()) : null;
    if (m) used.add(before);
    out.push({ file, line: start + 1, info: open[2]!, lines: body, ...(m ? { marker: { kind: m[1]!, text: m[2]!, line: before + 1 } } : {}) });
  }
  lines.forEach((l, n) => {
    if (l.trim().startsWith("<!-- docs-test:") && !used.has(n))
      problems.push(`${file}:${n + 1}: a docs-test marker must stand on the line before a fenced block: ${l.trim()}`);
  });
  return out;
}

/** The sample of a block marked `output:`, or a problem naming its line. */
function sampleOf(b: Block): Sample | string {
  const where = `${b.file}:${b.marker!.line}`;
  const m = /^(\S+) after ([^;]+?)((?:; [^;]+)*)$/.exec(b.marker!.text);
  if (!m) return `${where}: expected "output: DIR after SETUP[; OPTION]...", got "${b.marker!.text}"`;
  const [, dir, setup, rest] = m;
  if (!SETUPS.includes(setup!)) return `${where}: unknown setup "${setup}" (known: ${SETUPS.join(", ")})`;
  if (!fs.existsSync(path.join(ROOT, dir!))) return `${where}: no directory ${dir}`;
  if (setup === "scripts/quickstart.sh" && dir !== "examples/quickstart")
    return `${where}: scripts/quickstart.sh sets up examples/quickstart, not ${dir}`;
  if (setup === "pulumi up" && !fs.existsSync(path.join(ROOT, dir!, "Pulumi.yaml"))) return `${where}: ${dir} holds no Pulumi program to bring up`;
  const sample: Sample = { block: b, dir: dir!, setup: setup!, anyOrder: false, vary: [], commands: [] };
  for (const option of rest!.split("; ").slice(1)) {
    const cidr = /^addresses in (\d+\.\d+\.\d+\.\d+)\/(\d+) vary$/.exec(option);
    if (option === "lines in any order") sample.anyOrder = true;
    else if (cidr && ipv4(cidr[1]!) !== undefined && Number(cidr[2]) <= 32) sample.vary.push({ base: ipv4(cidr[1]!)!, prefix: Number(cidr[2]) });
    else return `${where}: unknown option "${option}" (known: lines in any order; addresses in CIDR vary)`;
  }
  b.lines.forEach((l, i) => {
    if (l.startsWith("$ ")) sample.commands.push({ line: b.line + 1 + i, command: l.slice(2), expected: [] });
    else if (sample.commands.length) sample.commands[sample.commands.length - 1]!.expected.push(l);
    else if (l.trim() !== "") sample.commands.push({ line: b.line + 1 + i, command: "", expected: [] });
  });
  if (!sample.commands.length || sample.commands.some((c) => c.command === ""))
    return `${b.file}:${b.line}: a sample starts with a \`$ command\` line`;
  return sample;
}

function ipv4(s: string): number | undefined {
  const parts = s.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

/** `text` as compared: ids, timestamps, the clone's path and the varying addresses replaced. */
function normalise(text: string, sample: Sample, clone: string): string {
  let t = text.split(clone).join(CHECKOUT);
  t = t.replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
  t = t.replace(/\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, (s) => s.replace(/\d/g, "#"));
  if (sample.vary.length) {
    t = t.replace(/(?<![\d.])\d{1,3}(\.\d{1,3}){3}(?![\d])/g, (s) => {
      const a = ipv4(s);
      const v = a === undefined ? undefined : sample.vary.find((c) => c.prefix === 0 || a >>> (32 - c.prefix) === c.base >>> (32 - c.prefix));
      if (!v) return s;
      const fixed = Math.floor(v.prefix / 8);
      return s
        .split(".")
        .map((o, i) => (i < fixed ? o : o.replace(/\d/g, "#")))
        .join(".");
    });
  }
  return t;
}

const isElision = (l: string) => /^\s*…(\s+\(.*\))?\s*$/.test(l);

function trimEnd(lines: string[]): string[] {
  const out = [...lines];
  while (out.length && out[out.length - 1]!.trim() === "") out.pop();
  return out;
}

/** A table row's first cell (a field name such as `rules`, on the first line of its value only), and the line with that cell blanked. */
function splitLabel(l: string): { label?: string; rest: string } {
  const m = /^\|([^|]*)\|/.exec(l);
  if (!m) return { rest: l };
  const label = m[1]!.trim();
  return { ...(label ? { label } : {}), rest: `|${" ".repeat(m[1]!.length)}|${l.slice(m[0].length)}` };
}

/**
 * Whether the output lines `a` are what the sample lines `e` show (both normalised). In any order:
 * the lines as a multiset, except that a table's first cells (its field names) keep their order,
 * since the first line of a value carries its field's name whichever entry comes first.
 */
function matches(e: string[], a: string[], anyOrder: boolean): boolean {
  if (anyOrder) {
    const labels = (xs: string[]) => xs.flatMap((x) => (isElision(x) ? [x] : ((splitLabel(x).label ?? []) as string[])));
    if (!matches(labels(e), labels(a), false)) return false;
    const rest = new Map<string, number>();
    for (const l of a) rest.set(splitLabel(l).rest, (rest.get(splitLabel(l).rest) ?? 0) + 1);
    for (const l of e.filter((x) => !isElision(x)).map((x) => splitLabel(x).rest)) {
      const n = rest.get(l) ?? 0;
      if (!n) return false;
      rest.set(l, n - 1);
    }
    return e.some(isElision) || [...rest.values()].every((n) => n === 0);
  }
  const memo = new Map<number, boolean>();
  const from = (i: number, j: number): boolean => {
    const key = i * (a.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let r: boolean;
    if (i === e.length) r = j === a.length;
    else if (isElision(e[i]!)) r = from(i + 1, j) || (j < a.length && from(i, j + 1));
    else r = j < a.length && e[i] === a[j] && from(i + 1, j + 1);
    memo.set(key, r);
    return r;
  };
  return from(0, 0);
}

/** A unified diff (3 lines of context) of the sample's lines and the output's, compared by their normalised text, shown as written. */
function unifiedDiff(e: { raw: string; norm: string }[], a: { raw: string; norm: string }[]): string {
  const n = e.length;
  const m = a.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--) lcs[i]![j] = e[i]!.norm === a[j]!.norm ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const ops: { tag: " " | "-" | "+"; text: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && e[i]!.norm === a[j]!.norm) (ops.push({ tag: " ", text: e[i++]!.raw }), j++);
    else if (j < m && (i === n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) ops.push({ tag: "+", text: a[j++]!.raw });
    else ops.push({ tag: "-", text: e[i++]!.raw });
  }
  const keep = ops.map((_, k) => ops.slice(Math.max(0, k - 3), k + 4).some((o) => o.tag !== " "));
  const out: string[] = [];
  ops.forEach((o, k) => {
    if (keep[k]) out.push(`${o.tag}${o.text}`);
    else if (k === 0 || keep[k - 1]) out.push("@@ …");
  });
  return out.join("\n");
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secgroups-docs-"));

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("docs that work as written", () => {
  it("every runnable shell block of the README, docs/ and the examples' READMEs succeeds in a fresh clone, and every marked sample prints what the docs show", async () => {
    const problems: string[] = [];
    const blocks = documents().flatMap((f) => blocksOf(f, problems));
    const shell = blocks.filter((b) => SHELL.test(b.info));
    const runnable = shell.filter((b) => b.marker?.kind !== "illustrative");
    const samples: Sample[] = [];
    let illustrativeSamples = 0;
    for (const b of blocks) {
      const kind = b.marker?.kind;
      if (kind !== undefined && kind !== "illustrative" && kind !== "output")
        problems.push(`${b.file}:${b.marker!.line}: unknown docs-test marker "${kind}"`);
      else if (SHELL.test(b.info)) {
        if (kind === "output")
          problems.push(
            `${b.file}:${b.marker!.line}: an output marker stands before a shell block; a sample is a plain block of \`$ command\` lines and output`,
          );
      } else if (kind === "illustrative") illustrativeSamples++;
      else if (kind === "output") {
        const s = sampleOf(b);
        if (typeof s === "string") problems.push(s);
        else samples.push(s);
      } else if (b.lines.find((l) => l.trim() !== "")?.startsWith("$ ")) {
        problems.push(
          `${b.file}:${b.line}: a sample session needs <!-- docs-test: output: … --> or <!-- docs-test: illustrative: … --> on the line before it`,
        );
      }
    }
    expect(problems, problems.join("\n")).toStrictEqual([]);
    console.log(`docs: ${runnable.length} blocks run, ${shell.length - runnable.length} skipped as illustrative`);
    expect(runnable.length).toBeGreaterThanOrEqual(5);

    const clone = path.join(dir, "clone");
    const cloned = await runProcess("git", ["clone", "-q", ROOT, clone], { cwd: dir, env: process.env });
    expect(cloned.status, cloned.stderr).toBe(0);
    const env: NodeJS.ProcessEnv = { ...process.env, PULUMI_SKIP_CONFIRMATIONS: "true" };
    for (const k of ["SECGROUPS_BACKEND", "SECGROUPS_PROFILE", "SECGROUPS_PROJECT", "PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE"]) delete env[k];
    for (const b of runnable) {
      const r = await runProcess("bash", ["-e", "-o", "pipefail", "-c", b.lines.join("\n")], { cwd: clone, env });
      expect(
        r.status,
        `${b.file}:${b.line} failed (exit ${r.status})\n${b.lines.join("\n")}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`,
      ).toBe(0);
    }

    // `secgroups` as a project that installed the package has it: node_modules/.bin/secgroups, a link to the built CLI.
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    fs.symlinkSync(path.join(clone, "dist", "provider", "cli", "main.js"), path.join(bin, "secgroups"));
    const envIn = (d: string): NodeJS.ProcessEnv => {
      const abs = path.join(clone, d);
      const pulumi = fs.existsSync(path.join(abs, "Pulumi.yaml"))
        ? { PULUMI_BACKEND_URL: `file://${abs}/.secgroups/pulumi-state`, PULUMI_CONFIG_PASSPHRASE: "dev" }
        : {};
      return { ...env, ...pulumi, PATH: `${bin}${path.delimiter}${env.PATH}` };
    };
    const done = new Set<string>();
    const mismatches: string[] = [];
    for (const s of samples) {
      const key = `${s.dir}\u0000${s.setup}`;
      if (!done.has(key)) {
        const script =
          s.setup === "scripts/quickstart.sh"
            ? "bash scripts/quickstart.sh"
            : `cd ${JSON.stringify(s.dir)} && (umask 077 && mkdir -p .secgroups/pulumi-state) && pulumi stack select --create dev && pulumi up --yes`;
        const r = await runProcess("bash", ["-e", "-o", "pipefail", "-c", script], { cwd: clone, env: envIn(s.dir) });
        expect(
          r.status,
          `${s.dir} after ${s.setup} (for ${s.block.file}:${s.block.line}) failed\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`,
        ).toBe(0);
        done.add(key);
      }
      // One session: each command, then a separator with its exit code, which the next command sees as $?.
      const script = [
        "exec </dev/null 2>&1",
        ...s.commands.map((c) => `${c.command}\n__docs_status=$?; printf '\\036%d\\036' "$__docs_status"; (exit "$__docs_status")`),
      ].join("\n");
      const r = await runProcess("bash", ["-c", script], { cwd: path.join(clone, s.dir), env: envIn(s.dir) });
      const parts = r.stdout.split(/\x1e\d+\x1e/);
      s.commands.forEach((c, k) => {
        const where = `${s.block.file}:${c.line}: \`$ ${c.command}\` (in ${s.dir} after ${s.setup})`;
        if (k >= parts.length - 1) {
          mismatches.push(`${where}: the session ended before it (exit ${r.status})\n${r.stdout.slice(-2000)}${r.stderr.slice(-2000)}`);
          return;
        }
        const actual = trimEnd(parts[k]!.replace(/\n$/, "").split("\n"));
        const expected = trimEnd(c.expected);
        const e = expected.map((l) => ({ raw: l, norm: normalise(l, s, clone) }));
        const a = actual.map((l) => ({ raw: l, norm: normalise(l, s, clone) }));
        if (
          matches(
            e.map((x) => x.norm),
            a.map((x) => x.norm),
            s.anyOrder,
          )
        )
          return;
        const sorted = (xs: typeof e) => (s.anyOrder ? [...xs].sort((x, y) => (x.norm < y.norm ? -1 : x.norm > y.norm ? 1 : 0)) : xs);
        mismatches.push(
          `${where} printed something else${s.anyOrder ? " (lines in any order: sorted)" : ""}${expected.some(isElision) ? " (a … line stands for any lines)" : ""}\n` +
            `--- ${s.block.file}:${c.line + 1} (the sample)\n+++ what it printed\n${unifiedDiff(sorted(e), sorted(a))}`,
        );
      });
    }
    console.log(`docs: ${samples.length} documented outputs compared, ${illustrativeSamples} skipped as illustrative`);
    expect(mismatches, mismatches.join("\n\n")).toStrictEqual([]);
  }, 1_800_000);
});
