/**
 * Names are untrusted text. Property tests: a project whose group, rule, network and server names,
 * descriptions and tags are drawn from hostile alphabets (markup, pipes, backticks, mentions, links,
 * control characters and ANSI/OSC sequences, bidi overrides, very long strings) is shown by every
 * command that prints user text — `group list|show`, `rule list`, `server list|show`, `exposure`
 * (table, md, html), `can-reach`, `preview-report`, and the errors — without any change to the
 * output's structure: no raw control or bidi character reaches a terminal, terminal tables keep
 * their rows and columns, Markdown rendered by a CommonMark (GFM) renderer has only the elements
 * the command itself writes and the same rows and cells, HTML has no element from a name.
 * Against a real SQLite backend, through the CLI's own entry point.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import MarkdownIt from "markdown-it";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBackend } from "../../provider/backends";
import type { StateBackend } from "../../provider/backends/types";
import { main } from "../../provider/cli/main";
import { attachmentPolicy, projectSetup } from "../../provider/domain/profiles";
import { loadProfile } from "../../provider/profileLoader";
import { markdownText, visibleText } from "../../provider/text";
import { rule } from "../support/backend";

const REPO = path.resolve(__dirname, "../..");
const OPENSTACK = loadProfile("openstack", REPO);

/** What must never reach a terminal: C0 (but the line breaks we draw), DEL, C1, bidi and zero-width controls, separators. */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/u;

/** Pieces hostile names are made of: markup, Markdown, table pipes, mentions, links, references, controls, ANSI/OSC, bidi. */
const PIECES = [
  "<script>alert('n')</script>",
  "<b>vm</b>",
  "</td><script>x</script>",
  "<img src=x onerror=alert(1)>",
  "<x-evil>",
  "|",
  "||",
  "`",
  "``",
  "```",
  "*",
  "**bold**",
  "_it_",
  "~~del~~",
  "[link](https://evil.example)",
  "![img](https://evil.example/i.png)",
  "<https://evil.example>",
  "https://evil.example/a",
  "www.evil.example",
  "@alice",
  "@org/team",
  "#12",
  "\\",
  "&amp;",
  "&#x202E;",
  "&lt;b&gt;",
  "\u001b[2J",
  "\u001b[31m",
  "\u001b]8;;https://evil.example\u0007",
  "\u009b31m",
  "\u007f",
  "\r",
  "\n",
  "\t",
  "\u0007",
  "\u202e",
  "\u2066",
  "\u200b",
  "\ufeff",
  "\u2028",
  "# heading",
  "- item",
  "1. item",
  "> quote",
  "---",
  "web",
  "é",
  "😀",
  " ",
];
const hostile = (max: number) => fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: max }).map((p) => p.join(""));

/** The names of one project. */
interface Names {
  group: string;
  description: string;
  tag: string;
  peer: string;
  rule: string;
  network: string;
  server: string;
}

const names: fc.Arbitrary<Names> = fc
  .record({
    group: hostile(8),
    description: hostile(12),
    tag: hostile(4),
    peer: hostile(6),
    rule: hostile(10),
    network: hostile(6),
    server: hostile(8),
  })
  .map((n) => ({
    // Names the backend keeps unique and within Neutron's 255 characters.
    group: `g${n.group}`.slice(0, 255),
    description: n.description.slice(0, 255),
    tag: n.tag.slice(0, 60),
    peer: `p${n.peer}`.slice(0, 255),
    rule: n.rule.slice(0, 255),
    network: `n${n.network}`.slice(0, 255),
    server: `s${n.server}`.slice(0, 255),
  }));

let dir: string;
let run = 0;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "secgroups-untrusted-"));
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh SQLite backend holding a project made of `n`: ids of what it made. */
async function project(n: Names): Promise<{ url: string; groupId: string; serverId: string }> {
  const url = `sqlite:${path.join(dir, `cloud-${++run}.db`)}`;
  const backend: StateBackend = openBackend(url, dir);
  try {
    await backend.ensureProject("default", projectSetup(OPENSTACK));
    await backend.createNetwork("default", n.network, ["10.20.0.0/24"]);
    const group = (
      await backend.createGroup({
        project: "default",
        name: n.group,
        description: n.description,
        stateful: true,
        tags: [n.tag],
        defaultRules: OPENSTACK.newGroupRules,
      })
    ).group;
    const peer = (
      await backend.createGroup({ project: "default", name: n.peer, description: n.description, stateful: true, tags: [], defaultRules: [] })
    ).group;
    await backend.createRule(
      { ...rule(group.id, { protocol: "tcp", portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: "0.0.0.0/0" }), description: n.rule },
      { profile: "openstack" },
    );
    await backend.createRule(
      { ...rule(group.id, { protocol: "tcp", portRangeMin: 5432, portRangeMax: 5432, remoteGroupId: peer.id }), description: n.rule },
      { profile: "openstack" },
    );
    const server = await backend.createServer(
      { project: "default", name: n.server, networks: ["public", n.network], securityGroupIds: [group.id, peer.id], bootSeconds: 0 },
      attachmentPolicy(OPENSTACK),
    );
    return { url, groupId: group.id, serverId: server.id };
  } finally {
    await backend.close();
  }
}

/** Runs the CLI in-process; stdout and stderr as printed. */
async function cli(url: string, argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await main({
    argv: [...argv, "--backend", url],
    env: { SECGROUPS_PROFILE: "openstack" },
    cwd: dir,
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    terminalWidth: undefined,
  });
  return { code, stdout, stderr };
}

/** The tables of a terminal output (runs of lines starting with `+` or `|`). */
function terminalTables(text: string): string[][] {
  const tables: string[][] = [];
  let current: string[] | undefined;
  for (const line of text.split("\n")) {
    if (/^[+|]/.test(line)) (current ??= (tables.push([]), tables[tables.length - 1]!)).push(line);
    else current = undefined;
  }
  return tables;
}

/** A terminal table keeps its shape: three borders, every line as wide as the border, `rows` data lines. */
function expectTerminalTable(table: string[], rows: number, context: string): void {
  const border = table[0]!;
  expect(
    table.filter((l) => l === border),
    context,
  ).toHaveLength(3);
  for (const line of table) expect(line.length, `${context}\n${line}`).toBe(border.length);
  expect(
    table.filter((l) => l.startsWith("|")),
    context,
  ).toHaveLength(rows + 1);
}

const md = new MarkdownIt({ html: true, linkify: true });

/** The elements a rendered Markdown output holds, by tag name (an HTML renderer's view). */
function elements(html: string): string[] {
  return [...html.matchAll(/<([a-zA-Z][\w-]*)/g)].map((m) => m[1]!.toLowerCase());
}

/** The elements preview-report and exposure --format md write themselves. */
const OUR_ELEMENTS = new Set(["h2", "h3", "p", "table", "thead", "tbody", "tr", "th", "td", "strong", "em", "ul", "li"]);

/** Rendered Markdown: only our elements, every table row with as many cells as its header, no mention or link. */
function expectInertMarkdown(source: string, context: string): string {
  const html = md.render(source);
  const foreign = elements(html).filter((e) => !OUR_ELEMENTS.has(e));
  expect(foreign, `${context}\n${html}`).toStrictEqual([]);
  for (const table of html.split("<table>").slice(1)) {
    const rows = table.slice(0, table.indexOf("</table>")).split("<tr>").slice(1);
    const cells = rows.map((r) => (r.match(/<t[hd][ >]/g) ?? []).length);
    expect(new Set(cells).size, `${context}\n${table}`).toBe(1);
  }
  const text = html.replace(/<[^>]*>/g, "");
  expect(text, context).not.toMatch(/(^|[^\w])@[\w-]/u);
  // The zero-width spaces that break mentions and links are ours; nothing else invisible may be there.
  expect(text.replace(/\u200b/g, ""), context).not.toMatch(RAW_CONTROL);
  return html;
}

describe("markdownText", () => {
  it("renders as exactly the visible text, one inline run", () => {
    fc.assert(
      fc.property(hostile(10), (name) => {
        const html = md.renderInline(markdownText(name));
        expect(elements(html)).toStrictEqual([]);
        const text = html
          .replace(/&lt;/g, "<")
          .replace(/&gt;/g, ">")
          .replace(/&quot;/g, '"')
          .replace(/&amp;/g, "&")
          .replace(/\u200b/g, "");
        expect(text).toBe(visibleText(name));
      }),
      { numRuns: 300 },
    );
  });
});

describe("every command shows hostile names as inert text", () => {
  it("group list|show, rule list, server list|show: terminal tables keep their shape, no control character", async () => {
    await fc.assert(
      fc.asyncProperty(names, async (n) => {
        const p = await project(n);
        const context = JSON.stringify(n);
        const outputs = {
          groupList: await cli(p.url, ["group", "list"]),
          groupShow: await cli(p.url, ["group", "show", p.groupId]),
          ruleList: await cli(p.url, ["rule", "list"]),
          serverList: await cli(p.url, ["server", "list"]),
          serverShow: await cli(p.url, ["server", "show", p.serverId]),
        };
        for (const [what, o] of Object.entries(outputs)) {
          expect(o.code, `${what} ${o.stderr}`).toBe(0);
          expect(o.stdout, `${what} ${context}`).not.toMatch(RAW_CONTROL);
          expect(terminalTables(o.stdout), what).toHaveLength(1);
        }
        // default, the group and the peer; rules: the default group's 4, the group's 2 default and 2 of ours; one server.
        expectTerminalTable(terminalTables(outputs.groupList.stdout)[0]!, 3, context);
        expectTerminalTable(terminalTables(outputs.ruleList.stdout)[0]!, 8, context);
        expectTerminalTable(terminalTables(outputs.serverList.stdout)[0]!, 1, context);
        // Show tables: the fields in order, each rule or port one line.
        const fields = (t: string[]) =>
          t
            .filter((l) => l.startsWith("|"))
            .map((l) => l.split("|")[1]!.trim())
            .filter((f) => f !== "");
        expect(fields(terminalTables(outputs.groupShow.stdout)[0]!)).toStrictEqual([
          "Field",
          "created_at",
          "description",
          "id",
          "name",
          "project_id",
          "revision_number",
          "rules",
          "stateful",
          "tags",
          "updated_at",
        ]);
        expectTerminalTable(terminalTables(outputs.groupShow.stdout)[0]!, 10 + 3, context);
        expect(fields(terminalTables(outputs.serverShow.stdout)[0]!)).toStrictEqual([
          "Field",
          "addresses",
          "created",
          "id",
          "name",
          "ports",
          "project_id",
          "security_groups",
          "status",
          "updated",
        ]);
        expectTerminalTable(terminalTables(outputs.serverShow.stdout)[0]!, 9 + 1 + 1, context);
        // The JSON keeps the names exactly as stored.
        const json = JSON.parse((await cli(p.url, ["group", "show", p.groupId, "--format", "json"])).stdout);
        expect([json.name, json.description, json.tags]).toStrictEqual([n.group, n.description, [n.tag]]);
      }),
      { numRuns: 25 },
    );
  }, 300_000);

  it("exposure (table, md, html) and can-reach", async () => {
    await fc.assert(
      fc.asyncProperty(names, async (n) => {
        const p = await project(n);
        const context = JSON.stringify(n);
        const table = await cli(p.url, ["exposure"]);
        expect(table.code, table.stderr).toBe(0);
        expect(table.stdout, context).not.toMatch(RAW_CONTROL);
        const tables = terminalTables(table.stdout);
        // Access: one row per piece of each of the server's two ports; findings: one row each.
        expect(tables.length, context).toBe(2);
        for (const t of tables) for (const line of t) expect(line.length, `${context}\n${line}`).toBe(t[0]!.length);
        const access = JSON.parse((await cli(p.url, ["exposure", "--format", "json"])).stdout);
        const pieces = access.ports.reduce(
          (s: number, a: { ingress: unknown[]; egress: unknown[] }) => s + Math.max(1, a.ingress.length + a.egress.length),
          0,
        );
        expectTerminalTable(tables[0]!, pieces, context);
        expectTerminalTable(tables[1]!, access.findings.length, context);

        const mdOut = await cli(p.url, ["exposure", "--format", "md"]);
        expect(mdOut.code).toBe(0);
        const html = expectInertMarkdown(mdOut.stdout, context);
        expect((html.match(/<table>/g) ?? []).length).toBe(2);
        expect((html.match(/<tr>/g) ?? []).length).toBe(2 + pieces + access.findings.length);

        const page = await cli(p.url, ["exposure", "--format", "html"]);
        expect(page.code).toBe(0);
        expect(page.stdout).not.toMatch(/<(x-evil|b>|img|script>alert|script>x)/);
        expect(page.stdout).not.toMatch(RAW_CONTROL);
        expect((page.stdout.match(/<tr data-server=/g) ?? []).length).toBe(access.ports.length);

        const reach = await cli(p.url, ["can-reach", "--from", "203.0.113.9", "--to", p.serverId, "--protocol", "tcp", "--port", "22"]);
        expect(reach.code, reach.stderr).toBe(0);
        expect(reach.stdout, context).not.toMatch(RAW_CONTROL);
        // The verdict line, then one line per port and hop: no name starts a line of its own.
        for (const line of reach.stdout.trimEnd().split("\n").slice(1)) expect(line, `${context}\n${reach.stdout}`).toMatch(/^ {2}/);
      }),
      { numRuns: 20 },
    );
  }, 300_000);

  it("preview-report: a PR comment with hostile names renders as inert text", async () => {
    await fc.assert(
      fc.asyncProperty(names, async (n) => {
        const p = await project(n);
        const T = "pulumi-nodejs:dynamic/secgroups:";
        const urn = (type: string, name: string) => `urn:pulumi:dev::proj::${T}${type}::${name}`;
        const preview = {
          config: {},
          changeSummary: {},
          duration: 1,
          diagnostics: [{ severity: "error", message: `error: SG_INVALID_INPUT: ${n.rule}\n` }],
          steps: [
            {
              op: "create",
              urn: urn("SecurityGroup", n.group),
              newState: {
                type: `${T}SecurityGroup`,
                inputs: { name: `x${n.group}`.slice(0, 255), description: n.description, tags: [n.tag] },
                propertyDependencies: {},
              },
            },
            {
              op: "create",
              urn: urn("SecurityGroupRule", n.rule),
              newState: {
                type: `${T}SecurityGroupRule`,
                inputs: {
                  securityGroupId: p.groupId,
                  direction: "ingress",
                  ethertype: "IPv4",
                  protocol: "tcp",
                  portRangeMin: 3389,
                  portRangeMax: 3389,
                  remoteIpPrefix: "0.0.0.0/0",
                  description: n.rule,
                },
                propertyDependencies: {},
              },
            },
          ],
        };
        const file = path.join(dir, `preview-${run}.json`);
        fs.writeFileSync(file, JSON.stringify(preview));
        const out = await cli(p.url, ["preview-report", file]);
        expect(out.code, out.stderr).toBe(0);
        const html = expectInertMarkdown(out.stdout, JSON.stringify(n));
        // Changes: the two steps; new findings: the RDP rule open to the internet.
        const changes = html.slice(html.indexOf("Changes</h3>"), html.indexOf("Opened and closed"));
        expect((changes.match(/<tr>/g) ?? []).length).toBe(3);
      }),
      { numRuns: 20 },
    );
  }, 300_000);

  it("the PR-comment fixture: the names of the issue render as their own text, cell for cell", async () => {
    const n: Names = {
      group: "<script>alert('n')</script>",
      description: "[all clear](https://evil.example) @alice",
      tag: "t",
      peer: "peer|x",
      rule: "</td><script>steal()</script>",
      network: "net",
      server: "<b>vm</b>",
    };
    const p = await project(n);
    const out = await cli(p.url, ["exposure", "--format", "md"]);
    const html = expectInertMarkdown(out.stdout, "fixture");
    // The server's heading and the group's cells read exactly as the names are written.
    expect(html).toContain("<h3>&lt;b&gt;vm&lt;/b&gt;</h3>");
    expect(html).toContain("<td>&lt;script&gt;alert('n')&lt;/script&gt;</td>");
    expect(html).not.toMatch(/<(script|b|a|img)[ >]/);
    // The peer group's pipe stays inside its cell.
    expect(html).toContain("group peer|x");
  }, 60_000);

  it("errors echo a hostile value escaped and bounded", async () => {
    await fc.assert(
      fc.asyncProperty(hostile(40), async (name) => {
        const p = await project({ group: "g", description: "", tag: "t", peer: "p", rule: "", network: "n", server: "s" });
        const out = await cli(p.url, ["group", "show", `missing${name}`]);
        expect(out.code).toBe(1);
        expect(out.stdout).toBe("");
        expect(out.stderr).toMatch(/^SG_NOT_FOUND: /);
        expect(out.stderr.trimEnd().split("\n")).toHaveLength(1);
        expect(out.stderr).not.toMatch(RAW_CONTROL);
        expect(out.stderr.length).toBeLessThan(1_000);
      }),
      { numRuns: 20 },
    );
  }, 300_000);
});
