/**
 * The benchmark's pure parts, with exact values: how it reads bash's CPU times, how it names a
 * Neutron request in the census, how it splits a program of N, and how a figure's ratio and goal
 * are judged (the preview-report's floor, the backend's median and p95).
 */
import { describe, expect, it } from "vitest";
import { mixOf } from "../../bench/mix";
import { requestKind } from "../../bench/peer";
import { backendFigure, previewReportResults } from "../../bench/report";
import { childrenCpuMs, engineCpuMs, type ProcessUsage } from "../../bench/stack";

describe("the benchmark's readings", () => {
  it("reads bash's `times` line for the children as user + system ms; anything else is NaN", () => {
    expect(childrenCpuMs("0m1.250s 0m0.310s")).toBe(1560);
    expect(childrenCpuMs("2m0.500s 1m0.000s")).toBe(180500);
    expect(childrenCpuMs("0m1,250s 0m0,310s")).toBeNaN();
    expect(childrenCpuMs("")).toBeNaN();
  });

  it("leaves the engine the CPU of the tree that was neither the program's nor the provider's", () => {
    const usage: ProcessUsage = {
      programMaxRssKiB: 1,
      providerMaxRssKiB: 1,
      programCpuMs: 4600,
      providerCpuMs: 2500,
      profiles: { program: [], provider: [] },
    };
    expect(engineCpuMs(34100, usage)).toBe(27000);
  });

  it("names a request of Neutron's access log by method, path with ids, query keys and status", () => {
    const line = (request: string, status: number) =>
      `127.0.0.1 - - [05/Dec/2026:08:00:00 +0000] "${request} HTTP/1.1" ${status} 123 "-" "python-requests"`;
    expect(requestKind(line("GET /v2.0/quotas/5f2b0c0e4d8a4b6f9c1d2e3f4a5b6c7d/details", 200))).toBe("GET /v2.0/quotas/{id}/details 200");
    expect(requestKind(line("PUT /v2.0/security-groups/0b7e3c58-6f0e-4d8e-9a51-2b3c4d5e6f70/tags/secgroups-client-token%3Arule%3Aab12", 201))).toBe(
      "PUT /v2.0/security-groups/{id}/tags/{id} 201",
    );
    expect(requestKind(line("GET /v2.0/security-groups?project_id=p&tags=a&tags=b", 200))).toBe("GET /v2.0/security-groups?project_id&tags 200");
    expect(requestKind(line("DELETE /v2.0/security-group-rules/0b7e3c58-6f0e-4d8e-9a51-2b3c4d5e6f70", 204))).toBe(
      "DELETE /v2.0/security-group-rules/{id} 204",
    );
    expect(requestKind("[2026-12-05 08:00:00 +0000] [1] [INFO] Booting worker with pid: 2")).toBeUndefined();
  });

  it("splits N as bench/programs/ours does", () => {
    expect(mixOf(20)).toEqual({ groups: 3, servers: 2, attachments: 3, rules: 12 });
    expect(mixOf(500)).toEqual({ groups: 75, servers: 50, attachments: 75, rules: 300 });
    expect(mixOf(2000)).toEqual({ groups: 300, servers: 200, attachments: 300, rules: 1200 });
  });
});

describe("the benchmark's judgements", () => {
  it("judges preview-report less its start-up, and not at all when the small preview does not rise above it", () => {
    const fine = previewReportResults({
      samples: { "201": [200, 194, 190], "2001": [340, 338, 330] },
      steps: { "201": 201, "2001": 2001 },
      changes: { "201": 200, "2001": 2000 },
      floorMs: 150,
    });
    expect([fine.ratioMedian, fine.ratioBeyondFloor, fine.met]).toEqual([1.74, 4.27, true]);
    const noise = previewReportResults({
      samples: { "21": [150, 149, 151], "201": [200, 190, 195] },
      steps: { "21": 21, "201": 201 },
      changes: { "21": 20, "201": 200 },
      floorMs: 152,
    });
    expect(noise.ratioBeyondFloor).toBeNaN();
    expect(noise.met).toBe(false);
  });

  it("meets a backend goal only when the median and the p95 ratio both do", () => {
    const small = Array.from({ length: 20 }, () => 1);
    expect(backendFigure({ 1000: small, 100000: Array.from({ length: 20 }, () => 1.2) }).met).toBe(true);
    const slowTail = [...Array.from({ length: 18 }, () => 1.2), 2, 2];
    const f = backendFigure({ 1000: small, 100000: slowTail });
    expect([f.ratioMedian, f.ratioP95, f.met]).toEqual([1.2, 2, false]);
  });
});
