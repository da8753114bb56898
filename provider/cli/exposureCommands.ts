/**
 * The exposure commands of `secgroups`: `exposure`, `can-reach` and `preview-report`. They read the
 * backend into an ExposureModel and hand it to the pure domain core (domain/exposure.ts,
 * domain/findings.ts, domain/exposureDiff.ts).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { sqliteFileOf } from "../backends";
import type { StateBackend } from "../backends/types";
import { parseAddress, type Family } from "../domain/cidr";
import { diffExposure } from "../domain/exposureDiff";
import {
  canReach,
  evaluateExposure,
  describeTraffic,
  protocolName,
  ICMP_PROTOCOL_NUMBERS,
  PORT_PROTOCOL_NUMBERS,
  type ExposureModel,
} from "../domain/exposure";
import { atLeast, SEVERITIES, type Severity } from "../domain/findings";
import { canonicalProtocol, protocolForFamily } from "../domain/rules";
import { ECHO_REQUEST_TYPE, protocolNumber } from "../domain/protocols";
import type { Profile } from "../domain/profiles";
import { SecgroupsError } from "../errors";
import { exposureReport } from "../domain/exposureReport";
import { exposureHtml, exposureJson } from "../exposureReport";
import { usageOf, type Command } from "./commandSpec";
import { EXIT, UsageError } from "./exit";
import { canReachJson, canReachText, exposureMarkdown, exposureText } from "./exposureFormat";
import { renderTable } from "./format";
import { findServer } from "./lookups";
import { applyPreview, emptyModel } from "../domain/plan";
import { parsePreview, previewReportMarkdown, previewReportJson } from "./preview";

/** Everything the exposure of `project` depends on, read from the backend. */
export async function loadExposureModel(backend: StateBackend, project: string, profile: Profile): Promise<ExposureModel> {
  const [groups, rules, servers, networks] = await Promise.all([
    backend.listGroups(project),
    backend.listRules(project),
    backend.listServers(project),
    backend.listNetworks(project),
  ]);
  return { ...emptyModel(profile, project), groups, rules, servers, networks: networks.map((n) => ({ id: n.id, name: n.name, subnets: n.subnets })) };
}

function usage(name: string): string {
  return usageOf(EXPOSURE_COMMANDS.find((c) => c.words.join(" ") === name));
}

/**
 * The protocol number `--protocol` names, in the profile's vocabulary and as check reads it for a
 * rule of the source's family (`icmp` from an IPv6 address is ipv6-icmp); `any` is no protocol a
 * packet has.
 */
function protocolOption(value: string, family: Family, profile: Profile): number {
  const canonical = canonicalProtocol(value, profile);
  const inFamily = canonical.kind === "ok" ? protocolForFamily(canonical.protocol, family, profile) : undefined;
  if (canonical.kind === "ok" && canonical.protocol !== "any" && inFamily === undefined) {
    throw new UsageError(
      {
        property: "--protocol",
        problem: `exists only in IPv6, and --from is an IPv4 address`,
        value,
        allowed: "an IPv4 protocol, or an IPv6 --from address",
        fix: "pass an IPv6 address as --from",
      },
      usage("can-reach"),
    );
  }
  const n = inFamily === undefined ? undefined : protocolNumber(inFamily);
  if (n === undefined) {
    throw new UsageError(
      {
        property: "--protocol",
        problem: canonical.kind === "ok" ? "a packet has one protocol, not any" : `is not a protocol of profile ${profile.name}`,
        value,
        allowed: `${profile.protocols.join(", ")}${profile.protocolNumbers ? ", or a number 0-255" : ""}`,
        fix: "pass e.g. --protocol tcp",
      },
      usage("can-reach"),
    );
  }
  return n;
}

function integerOption(name: string, value: string | undefined, min: number, max: number, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,5}$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(
      {
        property: `--${name}`,
        problem: `is not ${what}`,
        value,
        allowed: `a whole number ${min}-${max}`,
        fix: `pass e.g. --${name} ${min === 0 ? 0 : max === 255 ? 8 : 22}`,
      },
      usage("can-reach"),
    );
  }
  return Number(value);
}

/** The severity `--fail-on` names. */
function severityOption(value: string | undefined): Severity | undefined {
  if (value === undefined) return undefined;
  if (!(SEVERITIES as readonly string[]).includes(value)) {
    throw new UsageError(
      { property: "--fail-on", problem: "is not a severity", value, allowed: SEVERITIES.join(", "), fix: "pass e.g. --fail-on high" },
      usage("preview-report"),
    );
  }
  return value as Severity;
}

/** `exposure`, `can-reach` and `preview-report`, in the order `secgroups --help` lists them. */
export const EXPOSURE_COMMANDS: readonly Command[] = [
  {
    words: ["exposure"],
    summary: "show what each server port lets in and out, who can reach it, and findings",
    args: [],
    options: [{ name: "server", value: "NAME|ID", description: "only this server's ports and findings" }],
    formats: ["table", "json", "md", "html"],
    async run(ctx) {
      const backend = await ctx.backend();
      const model = await loadExposureModel(backend, ctx.settings.project, ctx.profile);
      let report = exposureReport(model, ctx.profile);
      const fromStack = (["profile", "backend", "project"] as const).filter((k) => ctx.sources[k].startsWith("stack "));
      if (fromStack.length) report = { ...report, settingsFrom: `${fromStack.join(", ")} from ${ctx.sources[fromStack[0]!]}` };
      if (ctx.options.server !== undefined) {
        const server = await findServer(backend, ctx.settings.project, ctx.options.server, "--server");
        report = {
          ...report,
          ports: report.ports.filter((p) => p.serverId === server.id),
          findings: report.findings.filter((f) => f.serverName === server.name),
        };
      }
      return {
        json: exposureJson(report),
        table: (maxWidth) => exposureText(report, (t) => renderTable(t, maxWidth)),
        md: () => exposureMarkdown(report),
        html: () => exposureHtml(report),
      };
    },
  },
  {
    words: ["can-reach"],
    summary: "whether traffic from an address reaches a server, naming the rule that allows it or what is missing",
    args: [],
    options: [
      { name: "from", value: "IP", description: "source address (a server's fixed IP, or any other)", required: true },
      { name: "to", value: "SERVER", description: "destination server, by name or id", required: true },
      { name: "protocol", value: "P", description: "protocol name or number (tcp, udp, icmp, 47, ...)", required: true },
      { name: "port", value: "N", description: "destination port (1-65535) for tcp, udp, sctp, dccp, udplite; the ICMP type (default 8, echo)" },
      { name: "code", value: "N", description: "ICMP code (0-255, default 0)" },
      {
        name: "from-port",
        value: "N",
        description: "the client's source port, where stateless groups must let replies in (default 50000; 68 for DHCP to 67)",
      },
      { name: "network", value: "NAME|ID", description: "only the destination's port on this network (default: every port)" },
    ],
    async run(ctx) {
      const from = ctx.options.from!;
      const address = parseAddress(from);
      if (!address) {
        throw new UsageError(
          {
            property: "--from",
            problem: "is not an IP address",
            value: from,
            allowed: "an IPv4 address in four-part decimal or an IPv6 address",
            fix: "pass e.g. --from 198.51.100.7",
          },
          usage("can-reach"),
        );
      }
      const protocol = protocolOption(ctx.options.protocol!, address.family, ctx.profile);
      let port = 0;
      if (PORT_PROTOCOL_NUMBERS.has(protocol)) {
        const p = integerOption("port", ctx.options.port, 1, 65535, "a port 1-65535");
        if (p === undefined) {
          throw new UsageError(
            {
              property: "--port",
              problem: `secgroups can-reach needs --port for protocol ${ctx.options.protocol}`,
              allowed: "a port 1-65535",
              fix: "add --port N",
            },
            usage("can-reach"),
          );
        }
        port = p;
      } else if (ICMP_PROTOCOL_NUMBERS.has(protocol)) {
        port = integerOption("port", ctx.options.port, 0, 255, "an ICMP type 0-255") ?? ECHO_REQUEST_TYPE[address.family];
      }
      const backend = await ctx.backend();
      const server = await findServer(backend, ctx.settings.project, ctx.options.to!, "--to");
      const model = await loadExposureModel(backend, ctx.settings.project, ctx.profile);
      const accesses = evaluateExposure(model);
      const network = ctx.options.network;
      if (network !== undefined && !accesses.some((a) => a.serverId === server.id && (a.networkName === network || a.networkId === network))) {
        throw new SecgroupsError("SG_NOT_FOUND", {
          property: "--network",
          problem: `server ${server.name} has no port on this network`,
          value: network,
          allowed: server.ports.map((p) => p.networkName).join(", "),
          fix: "pass one of the server's networks, or leave --network out",
        });
      }
      const code = integerOption("code", ctx.options.code, 0, 255, "an ICMP code 0-255");
      const fromPort = integerOption("from-port", ctx.options["from-port"], 1, 65535, "a port 1-65535");
      const result = canReach(accesses, {
        from,
        toServerId: server.id,
        protocol,
        port,
        ...(network !== undefined ? { network } : {}),
        ...(code !== undefined ? { code } : {}),
        ...(fromPort !== undefined ? { fromPort } : {}),
      });
      const icmp = ICMP_PROTOCOL_NUMBERS.has(protocol);
      const traffic = describeTraffic({
        protocols: [protocol, protocol],
        ports: icmp
          ? code === undefined
            ? [port * 256, port * 256 + 255]
            : [port * 256 + code, port * 256 + code]
          : PORT_PROTOCOL_NUMBERS.has(protocol)
            ? [port, port]
            : [0, 65535],
      });
      const q = { from, to: server.name, traffic, protocolName: protocolName(protocol) };
      return { json: canReachJson(result, q), table: () => canReachText(result, q), exitCode: result.allowed ? EXIT.ok : EXIT.no };
    },
  },
  {
    words: ["preview-report"],
    summary: "read `pulumi preview --json` output and report, in Markdown for a pull request, what the change opens and closes",
    args: [{ name: "FILE", required: true }],
    options: [
      { name: "fail-on", value: "SEVERITY", description: "exit 1 when the change adds a finding this bad or worse (critical, high, medium, low)" },
    ],
    formats: ["md", "json"],
    async run(ctx) {
      const failOn = severityOption(ctx.options["fail-on"]);
      const given = ctx.args.FILE!;
      let text: string;
      try {
        text = fs.readFileSync(given === "-" ? 0 : path.resolve(ctx.settings.programDir, given), "utf8");
      } catch (err) {
        throw new SecgroupsError("SG_INVALID_INPUT", {
          property: "FILE",
          problem: `cannot read the preview file: ${(err as Error).message}`,
          value: given,
          allowed: "a file (or - for standard input) holding the output of `pulumi preview --json`",
          fix: "write it with `pulumi preview --json > preview.json` and pass its path",
        });
      }
      const preview = parsePreview(text, ctx.args.FILE!);
      // A stack's first preview comes before its backend exists: the state before is then empty.
      const file = sqliteFileOf(ctx.settings.backend, ctx.settings.programDir);
      const before =
        file && !fs.existsSync(file)
          ? emptyModel(ctx.profile, ctx.settings.project)
          : await loadExposureModel(await ctx.backend(), ctx.settings.project, ctx.profile);
      const planned = applyPreview(before, preview, ctx.profile);
      const diff = diffExposure(exposureReport(before, ctx.profile), exposureReport(planned.model, ctx.profile));
      const failing = failOn === undefined ? [] : diff.newFindings.filter((f) => atLeast(f.severity, failOn));
      const md = previewReportMarkdown(preview, planned, diff, failOn, failing.length);
      return {
        json: previewReportJson(preview, planned, diff, failOn, failing.length),
        md: () => md,
        exitCode: failing.length ? EXIT.no : EXIT.ok,
      };
    },
  },
];
