/** The client token that makes creates idempotent, and the `managedBy` wiring of every resource type. */
import { describe, expect, it } from "vitest";
import { implementation } from "../../provider";
import { clientToken } from "../../provider/resources/common";

const URN = "urn:pulumi:dev::proj::pulumi-nodejs:dynamic/secgroups:SecurityGroup::web";

describe("clientToken", () => {
  it("is the URN and a 32-hex digest of the inputs, independent of key order and of __provider", () => {
    const a = clientToken(URN, { name: "web", tags: ["a", "b"], description: "x" });
    const b = clientToken(URN, { description: "x", __provider: "code", tags: ["a", "b"], name: "web" });
    expect(a).toMatch(/^urn:pulumi:dev::proj::pulumi-nodejs:dynamic\/secgroups:SecurityGroup::web#[0-9a-f]{32}$/);
    expect(b).toBe(a);
  });

  it("differs when any input differs (a replacement never adopts what it replaces)", () => {
    const base = clientToken(URN, { name: "web", project: "p1" });
    expect(clientToken(URN, { name: "web", project: "p2" })).not.toBe(base);
    expect(clientToken(URN, { name: "web", project: "p1", tags: [] })).not.toBe(base);
    expect(clientToken(URN.replace("::web", "::app"), { name: "web", project: "p1" })).not.toBe(base);
  });

  it("is undefined without a managedBy string (no idempotency for such creates)", () => {
    expect(clientToken(undefined, { name: "web" })).toBeUndefined();
    expect(clientToken("", { name: "web" })).toBeUndefined();
    expect(clientToken(42, { name: "web" })).toBeUndefined();
  });
});

describe("managedBy in check", () => {
  it("is kept beside the checked inputs, and never reported as unknown input", async () => {
    const result = await implementation("SecurityGroup").check!({}, { name: "web", project: "proj", managedBy: URN });
    expect(result.failures ?? []).toStrictEqual([]);
    expect(result.inputs).toStrictEqual({
      name: "web",
      description: "",
      stateful: true,
      tags: [],
      deleteDefaultRules: false,
      project: "proj",
      managedBy: URN,
    });
  });

  it("that is not a string fails with SG_INVALID_INPUT naming managedBy", async () => {
    const result = await implementation("Network").check!({}, { name: "n", subnets: ["10.0.0.0/24"], project: "proj", managedBy: 7 });
    expect(result.failures).toHaveLength(1);
    expect(result.failures![0]!.property).toBe("managedBy");
    expect(result.failures![0]!.reason).toMatch(/^SG_INVALID_INPUT: managedBy must be the resource's URN/);
  });
});
