/**
 * Values echoed in errors are bounded and shown escaped: every resource's `check`, given long and
 * hostile values for every input property (and for the SDK's managedBy and the import option),
 * fails with messages of at most about 1 000 characters each, none holding a control or invisible
 * formatting character. Run through the provider's own entry point, against a real SQLite backend.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { implementation } from "../../provider/index";
import { closeContext, configure } from "../../provider/context";
import { SHOWN_CHARACTERS, showValue } from "../../provider/text";

const schema = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "schema.json"), "utf8"));
const TYPES = ["SecurityGroup", "SecurityGroupRule", "Network", "Server", "ServerAttachment"] as const;

/** No message may carry these: C0, DEL, C1, bidi and zero-width controls, separators. */
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/u;
const MAX_MESSAGE = 1_000;

/** A long string from a hostile alphabet: markup, pipes, backticks, controls, bidi overrides, astral characters. */
const hostileChar = fc.constantFrom(
  "a",
  "Z",
  "<",
  ">",
  "|",
  "`",
  "\u001b",
  "[",
  "\u0007",
  "\u009b",
  "\u202e",
  "\u2066",
  "\u200b",
  "\n",
  "\r",
  "\u007f",
  "😀",
  "é",
  " ",
  '"',
  "\\",
);
const longString = fc.array(hostileChar, { minLength: 300, maxLength: 5_000 }).map((cs) => cs.join(""));
const longValue = fc.oneof(
  longString,
  fc.array(longString, { minLength: 1, maxLength: 4 }),
  fc.integer({ min: 10 ** 12, max: 10 ** 15 }),
  fc.dictionary(fc.string({ maxLength: 3 }), longString, { maxKeys: 3 }),
);

let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "secgroups-long-"));
  configure({ "secgroups:backend": `sqlite:${path.join(dir, "cloud.db")}` });
});

afterAll(async () => {
  await closeContext();
  configure({});
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("showValue", () => {
  it("shows a string of 100 000 characters as its first 64, then its length", () => {
    const text = showValue("x".repeat(100_000));
    expect(text).toBe(`"${"x".repeat(SHOWN_CHARACTERS)}…" (100000 characters)`);
  });

  it("counts and cuts whole code points, and escapes what a terminal would act on", () => {
    expect(showValue("😀".repeat(70))).toBe(`"${"😀".repeat(64)}…" (70 characters)`);
    expect(showValue("a\u001b[2Jb\u202ec\u009bd\u007f")).toBe('"a\\u001b[2Jb\\u202ec\\x9bd\\x7f"');
  });

  it("bounds a long array as JSON and leaves short values whole", () => {
    expect(showValue(["a".repeat(100)])).toBe(`["${"a".repeat(62)}… (104 characters of JSON)`);
    expect(showValue(["web", "db"])).toBe('["web","db"]');
    expect(showValue(22)).toBe("22");
    expect(showValue(undefined)).toBe("undefined");
  });
});

describe("check never echoes a long or hostile value whole", () => {
  for (const type of TYPES) {
    const properties = Object.keys(schema.definitions[`${type}Inputs`].properties as Record<string, unknown>);
    it(`${type}: every failure at most ${MAX_MESSAGE} characters, no control characters`, async () => {
      const inputs = fc.record(Object.fromEntries([...properties, "managedBy"].map((p) => [p, longValue])), { requiredKeys: [] });
      let failures = 0;
      await fc.assert(
        fc.asyncProperty(inputs, async (news) => {
          const result = await implementation(type).check!({}, news);
          for (const f of result.failures ?? []) {
            failures++;
            expect(f.reason.length, f.reason.slice(0, 200)).toBeLessThanOrEqual(MAX_MESSAGE);
            expect(f.reason).not.toMatch(INVISIBLE);
            expect(f.reason).toMatch(/^SG_[A-Z_]+: /);
          }
        }),
        { numRuns: 40 },
      );
      // Long values of the wrong type or length fail: the property saw many messages.
      expect(failures).toBeGreaterThan(40);
    }, 120_000);
  }

  it("a description of 100 000 characters fails with a message of under 300 characters naming its length", async () => {
    const result = await implementation("SecurityGroup").check!({}, { name: "web", description: "d".repeat(100_000) });
    expect(result.failures).toHaveLength(1);
    expect(result.failures![0]!.property).toBe("description");
    expect(result.failures![0]!.reason).toContain("(100000 characters)");
    expect(result.failures![0]!.reason.length).toBeLessThan(300);
  });
});
