/** diffExposure, exactly: what a change opens and closes on a hand-made model, with the new and resolved findings. */
import { describe, expect, it } from "vitest";
import { evaluateExposure, type ExposureModel } from "../../provider/domain/exposure";
import { diffExposure } from "../../provider/domain/exposureDiff";
import { findingsOf } from "../../provider/domain/findings";
import { r, tcp, threeTier } from "./support/exposureModel";

describe("diffExposure", () => {
  it("reports exactly what a new rule opens (minus what was already allowed) and what a removed rule closes, with the new and resolved findings", () => {
    const before = threeTier({ rules: [r("g-web", tcp(22, { remoteIpPrefix: "192.0.2.0/24" }))] });
    const after = threeTier({ rules: [r("g-web", tcp(22, { remoteIpPrefix: "0.0.0.0/0" }))] });
    after.rules = after.rules.filter((x) => x.id !== "r003"); // app's 8080 from web
    const report = (m: ExposureModel) => {
      const ports = evaluateExposure(m);
      return { ports, findings: findingsOf({ model: m, accesses: ports, defaultGroupNames: [], quotas: {} }) };
    };
    const d = diffExposure(report(before), report(after));
    expect(
      d.ports.map((p) => [
        p.serverName,
        p.networkName,
        p.status,
        p.opened.map((c) => `${c.direction} ${c.traffic} from ${c.remote} (${c.ruleId})`),
        p.closed.map((c) => `${c.direction} ${c.traffic} from ${c.remote} (${c.ruleId})`),
      ]),
    ).toEqual([
      ["app-1", "private", "changed", [], ["ingress tcp 8080 from 10.0.0.2/32, 203.0.113.2/32 (r003)"]],
      ["web-1", "private", "changed", ["ingress tcp 22 from 0.0.0.0/0 except 192.0.2.0/24 (r005)"], []],
      ["web-1", "public", "changed", ["ingress tcp 22 from 0.0.0.0/0 except 192.0.2.0/24 (r005)"], []],
    ]);
    expect(d.newFindings.map((f) => `${f.code} ${f.serverName}/${f.networkName}`)).toEqual([
      "admin-port-from-internet web-1/private",
      "admin-port-from-internet web-1/public",
    ]);
    expect(d.resolvedFindings.map((f) => `${f.code} ${f.serverName}/${f.networkName}`)).toEqual(["group-chain-to-internet app-1/private"]);
  });
});
