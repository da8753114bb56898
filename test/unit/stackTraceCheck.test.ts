import { describe, expect, it } from "vitest";
import { hasStackTrace, withoutMonitorShutdownReport } from "../e2e/harness.js";

// What a clean-clone CI run printed when an up failed on a resource while the program was still
// sending its stack's outputs (the Node SDK's report; the engine had shut its monitor down).
const prefix = "    pulumi:pulumi:Stack secgroups-e2e-fleet-secret running ";
const sdkReport = [
  "failed to deliver log message. ",
  "error: Error: Channel has been shut down ",
  "original message: Error: 14 UNAVAILABLE: resource monitor shut down while sending resource outputs",
  "    at callErrorFromStatus (/check/work/main/node_modules/@grpc/grpc-js/src/call.ts:84:17)",
  "    at Object.onReceiveStatus (/check/work/main/node_modules/@grpc/grpc-js/src/client.ts:360:55)",
  "    at /check/work/main/node_modules/@grpc/grpc-js/src/resolving-call.ts:206:24",
  "    at processTicksAndRejections (node:internal/process/task_queues:84:11)",
  "for call at",
  "    at ServiceClientImpl.registerResourceOutputs (/check/work/main/node_modules/@grpc/grpc-js/src/make-client.ts:189:15)",
  "    at /check/work/main/node_modules/@pulumi/runtime/resource.ts:1494:37",
  "    at new Promise (<anonymous>)",
  " message severity: error",
];
const ourError = "error: SG_BACKEND_UNAVAILABLE: cannot reach the PostgreSQL backend: connect ECONNREFUSED 127.0.0.1:1";

describe("the e2e check for stack traces", () => {
  it("leaves out the SDK's report of a monitor that shut down, in the progress and the diagnostics", () => {
    const progress = [ourError, ...sdkReport.map((l) => prefix + l), prefix + "**failed** 1 error"].join("\n");
    const diagnostics = ["Diagnostics:", ...sdkReport.map((l) => "    " + l), "Outputs:"].join("\n");
    expect(hasStackTrace(progress)).toBe(false);
    expect(hasStackTrace(diagnostics)).toBe(false);
    expect(withoutMonitorShutdownReport(progress).split("\n")).toStrictEqual([ourError, prefix + "**failed** 1 error"]);
    expect(withoutMonitorShutdownReport(diagnostics).split("\n")).toStrictEqual(["Diagnostics:", "Outputs:"]);
  });

  it("still finds a frame of ours, inside such a block or outside it", () => {
    const ours = "    at Object.create (/check/work/main/dist/provider/lifecycle.js:120:7)";
    const inside = [...sdkReport.slice(0, 4), ours, ...sdkReport.slice(4)].join("\n");
    expect(hasStackTrace(inside)).toBe(true);
    expect(hasStackTrace([ourError, ours].join("\n"))).toBe(true);
  });

  it("still finds the frames of another undelivered message", () => {
    const other = sdkReport.map((l) =>
      l.replace("14 UNAVAILABLE: resource monitor shut down while sending resource outputs", "TypeError: x is undefined"),
    );
    expect(hasStackTrace(other.join("\n"))).toBe(true);
  });
});
