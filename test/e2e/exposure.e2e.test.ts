/**
 * Exposure of examples/three-tier under the real Pulumi engine and the built `secgroups` CLI:
 * `can-reach` for eight flows, each answer checked against the rules (the allowing rule named, or
 * the closest miss); `exposure` findings; the HTML report rendered in headless Chromium (DOM
 * and a screenshot); `preview-report` on a real `pulumi preview --json` of a change that adds
 * tcp 22 from 0.0.0.0/0, with `--fail-on high` failing.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestStack, exampleSource, hasStackTrace, sqliteUrl } from "./harness";
import { readPng, renderPage } from "../support/chromium";

const REPO = path.resolve(__dirname, "../..");
const CLI = path.join(REPO, "dist/provider/cli/main.js");

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The built CLI against the stack's backend. */
function secgroups(stack: TestStack, backendUrl: string, args: string[]): Run {
  const r = spawnSync(process.execPath, [CLI, ...args, "--backend", backendUrl], {
    cwd: path.join(stack.dir, "program"),
    env: { PATH: process.env.PATH ?? "" },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Ids {
  /** Rule ids by the example's resource name, read from the stack's state. */
  rules: Record<string, string>;
  /** `default` group's IPv4 ingress rule (from members): not in the stack, read from the backend. */
  defaultIngressV4: string;
  /** Fixed IPs by `server/network`. */
  ips: Record<string, string>;
}

describe("exposure of examples/three-tier (real engine, SQLite backend)", () => {
  let stack: TestStack;
  let url: string;
  const ids = {} as Ids;
  let out: string;

  beforeAll(async () => {
    stack = await TestStack.create("three-tier", "dev", {}, undefined, exampleSource("three-tier"));
    url = sqliteUrl(stack.dir);
    out = path.join(stack.dir, "report");
    fs.mkdirSync(out, { recursive: true });
    await stack.setConfig("secgroups:backend", url);
    const r = await stack.up();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const { deployment } = await stack.export();
    ids.rules = Object.fromEntries(
      (deployment.resources ?? [])
        .filter((x) => String(x.type).endsWith(":SecurityGroupRule"))
        .map((x) => [String(x.urn).split("::").pop(), String(x.id)]),
    );
    const rules = JSON.parse(secgroups(stack, url, ["rule", "list", "--group", "default", "--format", "json"]).stdout) as Array<
      Record<string, unknown>
    >;
    ids.defaultIngressV4 = String(rules.find((x) => x.direction === "ingress" && x.ethertype === "IPv4")!.id);
    const servers = JSON.parse(secgroups(stack, url, ["server", "list", "--format", "json"]).stdout) as Array<{
      name: string;
      ports: Array<{ networkName: string; fixedIp: string }>;
    }>;
    ids.ips = Object.fromEntries(servers.flatMap((s) => s.ports.map((p) => [`${s.name}/${p.networkName}`, p.fixedIp])));
  });

  afterAll(async () => {
    const r = await stack?.destroy();
    expect(r?.code).toBe(0);
  });

  /** can-reach as JSON: the verdict, the exit code, and per destination port the rules of the request's ingress hop (or its closest misses). */
  function reach(from: string, to: string, protocol: string, port?: number) {
    const r = secgroups(stack, url, [
      "can-reach",
      "--from",
      from,
      "--to",
      to,
      "--protocol",
      protocol,
      ...(port !== undefined ? ["--port", String(port)] : []),
      "--format",
      "json",
    ]);
    expect(r.stderr).toBe("");
    const json = JSON.parse(r.stdout) as {
      verdict: string;
      ports: Array<{
        network: string;
        verdict: string;
        hops: Array<{ leg: string; direction: string; allowed: boolean; rules: Array<{ rule: string }>; closest?: Array<{ rule: string }> }>;
      }>;
    };
    return {
      status: r.status,
      verdict: json.verdict,
      ports: Object.fromEntries(
        json.ports.map((p) => {
          const ingress = p.hops.find((h) => h.leg === "request" && h.direction === "ingress")!;
          return [
            p.network,
            { verdict: p.verdict, rules: ingress.rules.map((x) => x.rule).sort(), closest: (ingress.closest ?? []).map((x) => x.rule).sort() },
          ];
        }),
      ),
    };
  }

  it("can-reach: the internet reaches web-1 on 443 by rule web-https, on both its ports; exit 0", () => {
    expect(reach("203.0.113.50", "web-1", "tcp", 443)).toEqual({
      status: 0,
      verdict: "allowed",
      ports: {
        public: { verdict: "allowed", rules: [ids.rules["web-https"]], closest: [] },
        "app-net": { verdict: "allowed", rules: [ids.rules["web-https"]], closest: [] },
      },
    });
  });

  it("can-reach: SSH from outside the admin network is blocked, naming admin-ssh-22 as the rule that allows it only from 192.0.2.0/24; exit 1", () => {
    const r = reach("198.51.100.7", "web-1", "tcp", 22);
    expect(r).toEqual({
      status: 1,
      verdict: "blocked",
      ports: {
        public: { verdict: "blocked", rules: [], closest: [ids.rules["admin-ssh-22"], ids.defaultIngressV4].sort() },
        "app-net": { verdict: "blocked", rules: [], closest: [ids.rules["admin-ssh-22"], ids.defaultIngressV4].sort() },
      },
    });
    const text = secgroups(stack, url, [
      "can-reach",
      "--from",
      "198.51.100.7",
      "--to",
      "web-1",
      "--protocol",
      "tcp",
      "--port",
      "22",
      "--network",
      "public",
    ]);
    expect(text.status).toBe(1);
    expect(text.stdout.split("\n")[0]).toBe("blocked: tcp 22 from 198.51.100.7 to web-1");
    expect(text.stdout).toContain(`closest: rule ${ids.rules["admin-ssh-22"]} of group admin-ssh allows it only from 192.0.2.0/24`);
    expect(text.stdout).toContain("fix: add an ingress rule tcp 22 from 198.51.100.7 to one of the groups of web-1 (public");
    expect(hasStackTrace(text.stdout + text.stderr)).toBe(false);
  });

  it("can-reach: SSH from the admin network reaches db-1 by admin-ssh-22", () => {
    expect(reach("192.0.2.10", "db-1", "tcp", 22)).toEqual({
      status: 0,
      verdict: "allowed",
      ports: { "app-net": { verdict: "allowed", rules: [ids.rules["admin-ssh-22"]], closest: [] } },
    });
  });

  it("can-reach: app-1 reaches db-1 on 5432 by db-5432-from-app (and the default group's members rule); the internet does not", () => {
    expect(reach(ids.ips["app-1/app-net"]!, "db-1", "tcp", 5432)).toEqual({
      status: 0,
      verdict: "allowed",
      ports: { "app-net": { verdict: "allowed", rules: [ids.rules["db-5432-from-app"], ids.defaultIngressV4].sort(), closest: [] } },
    });
    expect(reach("198.51.100.7", "db-1", "tcp", 5432)).toEqual({
      status: 1,
      verdict: "blocked",
      ports: { "app-net": { verdict: "blocked", rules: [], closest: [ids.rules["db-5432-from-app"], ids.defaultIngressV4].sort() } },
    });
  });

  it("can-reach: web-1 reaches app-1 on 8080 by app-8080-from-web; the internet does not", () => {
    expect(reach(ids.ips["web-1/app-net"]!, "app-1", "tcp", 8080)).toEqual({
      status: 0,
      verdict: "allowed",
      ports: { "app-net": { verdict: "allowed", rules: [ids.rules["app-8080-from-web"], ids.defaultIngressV4].sort(), closest: [] } },
    });
    expect(reach("203.0.113.50", "app-1", "tcp", 8080).verdict).toBe("blocked");
  });

  it("can-reach: web-1 reaches db-1 on udp 53 only through the default group's members rule", () => {
    expect(reach(ids.ips["web-1/app-net"]!, "db-1", "udp", 53)).toEqual({
      status: 0,
      verdict: "allowed",
      ports: { "app-net": { verdict: "allowed", rules: [ids.defaultIngressV4], closest: [] } },
    });
  });

  it("exposure: the chains through remote groups to web-1, the internet-facing server", () => {
    const r = secgroups(stack, url, ["exposure", "--format", "json"]);
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout) as {
      ports: Array<{ server: string; network: string; groups: string[] }>;
      findings: Array<{ code: string; severity: string; serverName?: string; groupName?: string; traffic?: string }>;
    };
    expect(json.ports.map((p) => `${p.server}/${p.network}: ${p.groups.join(",")}`)).toEqual([
      "app-1/app-net: admin-ssh,app,default",
      "db-1/app-net: admin-ssh,db,default",
      "web-1/app-net: admin-ssh,default,web",
      "web-1/public: admin-ssh,default,web",
    ]);
    expect(json.findings.map((f) => `${f.severity} ${f.code} ${f.serverName} ${f.groupName} ${f.traffic}`)).toEqual([
      "high group-chain-to-internet app-1 default any protocol",
      "high group-chain-to-internet db-1 default any protocol",
      "high group-chain-to-internet db-1 db tcp 5432",
      "medium group-chain-to-internet app-1 app tcp 8080",
    ]);
    const one = secgroups(stack, url, ["exposure", "--server", "web-1", "--format", "md"]);
    expect(one.status).toBe(0);
    expect(one.stdout.split("\n").slice(0, 3)).toEqual(["## Exposure of project default (profile openstack)", "", "Findings: none."]);
    expect(one.stdout).toContain(
      `| web-1 | public | ${ids.ips["web-1/public"]} | ingress | IPv4 tcp 443 | 0.0.0.0/0 | web | ${ids.rules["web-https"]} |`,
    );
  });

  it("exposure --format html renders in headless Chromium: the servers × traffic matrix with the expected cells, findings, a screenshot", () => {
    const r = secgroups(stack, url, ["exposure", "--format", "html"]);
    expect(r.status).toBe(0);
    const file = path.join(out, "exposure.html");
    fs.writeFileSync(file, r.stdout);
    expect(r.stdout).not.toMatch(/(src|href)="(https?:)?\/\//); // self-contained
    const page = renderPage(file, out, { width: 1400, height: 900, name: "exposure" });
    expect(page.dom).toContain('data-rendered="true"');
    expect(page.dom).toContain('<p id="cell-counts">cells: internet 4, members 16, networks 4</p>');
    const cellTag = (server: string, network: string, traffic: string) => {
      const row = new RegExp(`<tr data-server="${server}" data-network="${network}">(.*?)</tr>`, "s").exec(page.dom)?.[1] ?? "";
      return new RegExp(`<td class="reach-(\\w+)" data-reach="\\w+" data-traffic="${traffic}"[^>]*data-rect="(\\d+),(\\d+),(\\d+),(\\d+)"`).exec(row);
    };
    const cell = (server: string, network: string, traffic: string) => cellTag(server, network, traffic)?.[1];
    expect([cell("web-1", "public", "tcp 443"), cell("web-1", "public", "tcp 80"), cell("web-1", "app-net", "tcp 80")]).toEqual([
      "internet",
      "internet",
      "internet",
    ]);
    expect([cell("db-1", "app-net", "tcp 5432"), cell("app-1", "app-net", "tcp 8080"), cell("db-1", "app-net", "any protocol")]).toEqual([
      "members",
      "members",
      "members",
    ]);
    expect([cell("app-1", "app-net", "tcp 22"), cell("web-1", "public", "tcp 22")]).toEqual(["networks", "networks"]);
    expect((page.dom.match(/<li class="finding severity-/g) ?? []).length).toBe(4);
    const png = readPng(page.screenshot);
    expect([png.width, png.height]).toEqual([1400, 900]);
    // Each cell is drawn in its colour where the browser laid it out: a pixel of its padding (no text there).
    const drawn = (server: string, network: string, traffic: string) => {
      const m = cellTag(server, network, traffic)!;
      return png.pixel(Number(m[2]) + 3, Number(m[3]) + 2).slice(0, 3);
    };
    expect(drawn("web-1", "public", "tcp 443")).toEqual([220, 38, 38]);
    expect(drawn("db-1", "app-net", "tcp 5432")).toEqual([96, 165, 250]);
    expect(drawn("app-1", "app-net", "tcp 22")).toEqual([250, 204, 21]);
  });

  it("preview-report on a real preview that adds tcp 22 from 0.0.0.0/0: the newly exposed ports, high findings, --fail-on high exits 1", async () => {
    const program = path.join(stack.dir, "program", "index.ts");
    const original = fs.readFileSync(program, "utf8");
    const added = original.replace(
      /^adminSsh\.allowIngress\("admin-ssh-22".*$/m,
      (line) => `${line}\nadminSsh.allowIngress("ssh-anywhere", Peer.anyIpv4(), Port.SSH);`,
    );
    expect(added).not.toBe(original);
    fs.writeFileSync(program, added);
    try {
      const preview = await stack.must(["preview", "--json", "--config-file", stack.configFile]);
      const file = path.join(out, "add-ssh.preview.json");
      fs.writeFileSync(file, preview.stdout);
      const failing = secgroups(stack, url, ["preview-report", file, "--fail-on", "high"]);
      expect(failing.stderr).toBe("");
      expect(failing.status).toBe(1);
      fs.writeFileSync(path.join(out, "add-ssh.report.md"), failing.stdout);
      const md = failing.stdout.split("\n");
      expect(md[0]).toBe("## Security groups: what this change opens and closes");
      expect(md[2]).toBe(
        "1 change to security groups, rules, servers and attachments; new findings: 6 high; resolved: none. **--fail-on high: fails** (6 new findings at high or worse).",
      );
      expect(md).toContain("| + create | SecurityGroupRule | ssh-anywhere | ingress IPv4 tcp 22 from 0.0.0.0/0 in group admin-ssh |");
      // Opened: 22 from everywhere but the admin network and the addresses the default group already let in.
      const others = Object.values(ids.ips);
      expect(others).toHaveLength(4);
      for (const port of ["app-1 (app-net", "db-1 (app-net", "web-1 (app-net", "web-1 (public"]) {
        const at = md.findIndex((l) => l.startsWith(`**${port}`));
        expect(at, port).toBeGreaterThan(0);
        expect(md[at + 2]).toMatch(
          /^- \*\*opens\*\* ingress IPv4 tcp 22 from 0\.0\.0\.0\/0 except .*192\.0\.2\.0\/24.* \(rule new:ssh-anywhere of group admin-ssh\)$/,
        );
        expect(md[at + 3]).toBe("");
      }
      const json = JSON.parse(secgroups(stack, url, ["preview-report", file, "--format", "json"]).stdout) as {
        newFindings: Array<{ code: string; serverName: string; networkName: string; ruleId: string }>;
        ports: unknown[];
      };
      expect(json.ports).toHaveLength(4);
      expect(
        json.newFindings.filter((f) => f.code === "admin-port-from-internet").map((f) => `${f.serverName}/${f.networkName} ${f.ruleId}`),
      ).toEqual([
        "app-1/app-net new:ssh-anywhere",
        "db-1/app-net new:ssh-anywhere",
        "web-1/app-net new:ssh-anywhere",
        "web-1/public new:ssh-anywhere",
      ]);
      const passing = secgroups(stack, url, ["preview-report", file, "--fail-on", "critical"]);
      expect(passing.status).toBe(0);
      expect(passing.stdout).toContain("--fail-on critical: passes");
    } finally {
      fs.writeFileSync(program, original);
    }
  });

  it("preview-report of an unchanged program: nothing opened, no findings, --fail-on high passes", async () => {
    const preview = await stack.must(["preview", "--json", "--config-file", stack.configFile]);
    const file = path.join(out, "same.preview.json");
    fs.writeFileSync(file, preview.stdout);
    const r = secgroups(stack, url, ["preview-report", file, "--fail-on", "high"]);
    expect(r.status).toBe(0);
    expect(r.stdout.split("\n").slice(0, 12)).toEqual([
      "## Security groups: what this change opens and closes",
      "",
      "0 changes to security groups, rules, servers and attachments; new findings: none; resolved: none. --fail-on high: passes.",
      "",
      "### Changes",
      "",
      "None.",
      "",
      "### Opened and closed, per server port",
      "",
      "Nothing: every port allows exactly what it allowed before.",
      "",
    ]);
  });
});

describe("preview-report on the first preview of examples/three-tier (every id and fixed IP unknown)", () => {
  let stack: TestStack;
  let url: string;

  beforeAll(async () => {
    stack = await TestStack.create("three-tier", "first", {}, undefined, exampleSource("three-tier"));
    url = sqliteUrl(stack.dir);
    await stack.setConfig("secgroups:backend", url);
  });

  it("follows ids unknown at preview to the resources that will make them, and says which addresses are known after apply", async () => {
    const preview = await stack.must(["preview", "--json", "--config-file", stack.configFile]);
    const file = path.join(stack.dir, "first.preview.json");
    fs.writeFileSync(file, preview.stdout);
    expect(preview.stdout).toContain("04da6b54-80e4-46f7-96ec-b56ff0331ba9");
    const r = secgroups(stack, url, ["preview-report", file, "--fail-on", "high"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(1);
    const md = r.stdout.split("\n");
    expect(md[2]).toBe(
      "19 changes to security groups, rules, servers and attachments; new findings: 3 high, 1 medium; resolved: none. **--fail-on high: fails** (3 new findings at high or worse).",
    );
    expect(md).toContain("| + create | ServerAttachment | app-1-app | app on app-1 (every attachable network) |");
    expect(md).toContain("| + create | SecurityGroupRule | db-5432-from-app | ingress IPv4 tcp 5432 from group app in group db |");
    const app = md.indexOf("**app-1 (app-net address known after apply)** (new port)");
    expect(app).toBeGreaterThan(0);
    expect(md.slice(app + 2, app + 4)).toEqual([
      "- **opens** ingress IPv4 tcp 22 from 192.0.2.0/24 (rule new:admin-ssh-22 of group admin-ssh)",
      "- **opens** ingress IPv4 tcp 8080 from the members of group web whose addresses are known after apply (web-1 app-net, web-1 public) (rule new:app-8080-from-web of group app)",
    ]);
    const web = md.indexOf("**web-1 (public address known after apply)** (new port)");
    expect(
      md
        .slice(web + 2)
        .filter((l) => l.startsWith("- **opens** ingress IPv4 tcp"))
        .slice(0, 3),
    ).toEqual([
      "- **opens** ingress IPv4 tcp 22 from 192.0.2.0/24 (rule new:admin-ssh-22 of group admin-ssh)",
      "- **opens** ingress IPv4 tcp 80 from 0.0.0.0/0 (rule new:web-http of group web)",
      "- **opens** ingress IPv4 tcp 443 from 0.0.0.0/0 (rule new:web-https of group web)",
    ]);
  });
});
