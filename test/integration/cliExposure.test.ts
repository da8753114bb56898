/** The built CLI's exposure and can-reach on an SQLite backend: answers, and usage mistakes. */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { secgroups, sqliteBackend } from "../support/cli";
import { exposureOn } from "./cliExposureCases";

describe("secgroups CLI on an SQLite backend", () => {
  const backend = sqliteBackend();

  exposureOn(backend);

  it("exposure commands: usage mistakes are exit 2 naming the flag, the value and what is allowed", () => {
    const { url, dir } = backend();
    const err = (args: string[]) => {
      const r = secgroups([...args, "--backend", url], { cwd: dir });
      return `${r.status} ${r.stderr.split("\n")[0]}`;
    };
    expect(err(["can-reach", "--to", "web-1", "--protocol", "tcp", "--port", "22"])).toBe(
      "2 SG_INVALID_INPUT: secgroups can-reach needs --from (property --from); allowed: IP: source address (a server's fixed IP, or any other); fix: add --from IP",
    );
    expect(err(["can-reach", "--from", "10.1", "--to", "web-1", "--protocol", "tcp", "--port", "22"])).toBe(
      '2 SG_INVALID_INPUT: is not an IP address (property --from, got "10.1"); allowed: an IPv4 address in four-part decimal or an IPv6 address; fix: pass e.g. --from 198.51.100.7',
    );
    expect(err(["can-reach", "--from", "10.0.0.1", "--to", "web-1", "--protocol", "any"])).toBe(
      '2 SG_INVALID_INPUT: a packet has one protocol, not any (property --protocol, got "any"); allowed: ah, dccp, egp, esp, gre, hopopt, icmp, icmpv6, igmp, ip, ipip, ipv6-encap, ipv6-frag, ipv6-icmp, ipv6-nonxt, ipv6-opts, ipv6-route, ospf, pgm, rsvp, sctp, tcp, udp, udplite, vrrp, or a number 0-255; fix: pass e.g. --protocol tcp',
    );
    expect(err(["can-reach", "--from", "10.0.0.1", "--to", "web-1", "--protocol", "tcp"])).toBe(
      "2 SG_INVALID_INPUT: secgroups can-reach needs --port for protocol tcp (property --port); allowed: a port 1-65535; fix: add --port N",
    );
    expect(err(["can-reach", "--from", "10.0.0.1", "--to", "web-1", "--protocol", "udp", "--port", "70000"])).toBe(
      '2 SG_INVALID_INPUT: is not a port 1-65535 (property --port, got "70000"); allowed: a whole number 1-65535; fix: pass e.g. --port 22',
    );
    expect(err(["can-reach", "--from", "10.0.0.1", "--to", "web-1", "--protocol", "tcp", "--port", "22", "--network", "nope"])).toBe(
      '1 SG_NOT_FOUND: server web-1 has no port on this network (property --network, got "nope"); allowed: public; fix: pass one of the server\'s networks, or leave --network out',
    );
    expect(err(["can-reach", "--from", "10.0.0.1", "--to", "web-1", "--protocol", "ipv6-icmp"])).toBe(
      '2 SG_INVALID_INPUT: exists only in IPv6, and --from is an IPv4 address (property --protocol, got "ipv6-icmp"); allowed: an IPv4 protocol, or an IPv6 --from address; fix: pass an IPv6 address as --from',
    );
    const v6 = secgroups(["can-reach", "--from", "2001:db8::9", "--to", "web-1", "--protocol", "icmp", "--format", "json", "--backend", url], {
      cwd: dir,
    });
    expect([v6.status, JSON.parse(v6.stdout).traffic, JSON.parse(v6.stdout).verdict]).toEqual([1, "ipv6-icmp type 128", "blocked"]);
    expect(err(["exposure", "--format", "yaml"])).toBe(
      '2 SG_INVALID_INPUT: unknown output format (property --format, got "yaml"); allowed: table, json, md, html; fix: pass --format table or --format json or --format md or --format html',
    );
    expect(err(["group", "list", "--format", "html"])).toBe(
      '2 SG_INVALID_INPUT: secgroups group list cannot print this format (property --format, got "html"); allowed: table, json; fix: pass --format table or --format json',
    );
    expect(err(["exposure", "--server", "nope"])).toBe(
      '1 SG_NOT_FOUND: project default has no server with this name or id (property --server, got "nope"); fix: run `secgroups server list --project default` to see its servers, or pass the project that holds it with --project',
    );
    expect(err(["preview-report", path.join(dir, "missing.json")])).toMatch(
      /^2 SG_INVALID_INPUT: cannot read the preview file: ENOENT: no such file or directory, open '.*missing\.json' \(property FILE, got ".*missing\.json"\); allowed: a file \(or - for standard input\)/,
    );
    fs.writeFileSync(path.join(dir, "not-a-preview.json"), "[1, 2]");
    expect(err(["preview-report", "not-a-preview.json", "--fail-on", "high"])).toBe(
      '2 SG_INVALID_INPUT: the preview file has no steps array: it is not the output of `pulumi preview --json` (property FILE, got "not-a-preview.json"); allowed: the JSON that `pulumi preview --json` prints; fix: run `pulumi preview --json > preview.json` and pass that file',
    );
    expect(err(["preview-report", "not-a-preview.json", "--fail-on", "severe"])).toBe(
      '2 SG_INVALID_INPUT: is not a severity (property --fail-on, got "severe"); allowed: critical, high, medium, low; fix: pass e.g. --fail-on high',
    );
  });
});
