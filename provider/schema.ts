/**
 * The one place that loads `schema.json` and compiles it with ajv (once per process, allErrors).
 * Validation results are data: `{property, reason}` pairs, never thrown strings.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import { UNKNOWN, containsUnknown, withoutUnknowns } from "./domain/unknown";
import { showValue } from "./text";

/** Where schema.json lives: the package root, found by walking up from this file. */
export function schemaPath(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "schema.json");
    if (fs.existsSync(candidate) && fs.existsSync(path.join(dir, "package.json"))) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`schema.json not found above ${__dirname}`);
  }
}

import { checkFailure, type CheckFailure } from "./errors";

export type { CheckFailure };

let ajv: Ajv | undefined;
const validators = new Map<string, ValidateFunction>();

/** The parsed schema.json. */
export function loadSchema(): { $id: string; definitions: Record<string, unknown> } {
  return JSON.parse(fs.readFileSync(schemaPath(), "utf8"));
}

function validatorFor(definition: string): ValidateFunction {
  let v = validators.get(definition);
  if (!v) {
    if (!ajv) {
      ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
      ajv.addFormat("date-time", true);
      ajv.addSchema(loadSchema());
    }
    const schema = loadSchema();
    v = ajv.getSchema(`${schema.$id}#/definitions/${definition}`);
    if (!v) throw new Error(`schema.json has no definition ${definition}`);
    validators.set(definition, v);
  }
  return v;
}

/** `/tags/2` → `tags[2]`; `/quotas/groups` → `quotas.groups`. */
function propertyPath(instancePath: string, extra?: string): string {
  const parts = instancePath.split("/").filter(Boolean);
  if (extra) parts.push(extra);
  let out = "";
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out ? `.${p}` : p;
  return out;
}

function describe(e: ErrorObject, data: unknown): CheckFailure {
  const property = propertyPath(
    e.instancePath,
    e.keyword === "additionalProperties"
      ? String(e.params.additionalProperty)
      : e.keyword === "required"
        ? String(e.params.missingProperty)
        : undefined,
  );
  const value = e.instancePath
    ? e.instancePath
        .split("/")
        .filter(Boolean)
        .reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], data)
    : data;
  const got = showValue(value);
  switch (e.keyword) {
    case "additionalProperties":
      // The problem names the property; the failure is reported on it.
      return checkFailure(
        "SG_INVALID_INPUT",
        { property: "", problem: `unknown property ${property}`, fix: "remove it or check its spelling against the reference in the README" },
        property,
      );
    case "required":
      return checkFailure("SG_INVALID_INPUT", { property, subject: true, problem: "is required", fix: "set it" });
    case "enum":
      return checkFailure("SG_INVALID_INPUT", {
        property,
        subject: true,
        problem: `got ${got}`,
        allowed: (e.params.allowedValues as unknown[]).map((x) => JSON.stringify(x)).join(", "),
      });
    default:
      return checkFailure(
        "SG_INVALID_INPUT",
        { property: property || "input", subject: true, problem: `got ${got}`, allowed: `a value that ${e.message ?? "matches the schema"}` },
        property,
      );
  }
}

/** Validates `data` against `#/definitions/<definition>` and returns every failure. */
export function validate(definition: string, data: unknown): CheckFailure[] {
  const v = validatorFor(definition);
  if (v(data)) return [];
  return (v.errors ?? []).map((e) => describe(e, data));
}

/**
 * Failures for a project name that came from the provider setting (`secgroups:project` or
 * `SECGROUPS_PROJECT`) rather than from the resource's own input, which the schema already checks.
 */
export function checkDefaultProject(project: string, given: unknown): CheckFailure[] {
  if (given !== undefined || validate("ProjectName", project).length === 0) return [];
  return [
    checkFailure(
      "SG_INVALID_INPUT",
      {
        property: "",
        problem: "the default project from secgroups:project / SECGROUPS_PROJECT is not a valid project name",
        value: project,
        allowed: "1-64 of A-Z a-z 0-9 _ . -, starting with a letter or digit",
        fix: "correct the setting or set project on the resource",
      },
      "project",
    ),
  ];
}

/**
 * Validates resource inputs that may hold values unknown at preview: those properties are left
 * out of the check and no failure is ever reported about them (not even "required").
 */
export function validateInputs(definition: string, inputs: Record<string, unknown>): CheckFailure[] {
  const unknown = new Set(Object.keys(inputs).filter((k) => containsUnknown(inputs[k])));
  const failures = validate(definition, withoutUnknowns(inputs)).filter((f) => !unknown.has(f.property.split(/[.[]/)[0]!));
  return [...failures, ...nulCharacters(inputs, "")];
}

/** The top-level input property a failure is about (`tags[2]` → `tags`, `quotas.groups` → `quotas`). */
export function topProperty(failure: CheckFailure): string {
  return failure.property.split(/[.[]/)[0]!;
}

/**
 * The inputs with every property the schema refused replaced by UNKNOWN: present, with no value
 * the domain checks can use. Running those checks on the result names every other problem in the
 * same preview, without a second report about a property the schema already refused.
 */
export function maskRefused(inputs: Record<string, unknown>, refused: readonly CheckFailure[]): Record<string, unknown> {
  const masked = { ...inputs };
  for (const f of refused) {
    const top = topProperty(f);
    if (top in masked) masked[top] = UNKNOWN;
  }
  return masked;
}

/** `first` and then every failure of `more` about a property `first` does not name: one entry per property and problem. */
export function mergeFailures(first: readonly CheckFailure[], more: readonly CheckFailure[]): CheckFailure[] {
  const named = new Set(first.map(topProperty));
  const seen = new Set(first.map((f) => `${f.property}\u0000${f.reason}`));
  const out = [...first];
  for (const f of more) {
    const key = `${f.property}\u0000${f.reason}`;
    if (named.has(topProperty(f)) || seen.has(key)) continue;
    seen.add(key);
    out.push(f);
  }
  return out;
}

/**
 * Strings holding a NUL character: no backend can store one (SQLite would cut the text there,
 * PostgreSQL refuses it), so they are refused at preview, for every input.
 */
function nulCharacters(value: unknown, at: string): CheckFailure[] {
  if (typeof value === "string") {
    return value.includes("\u0000")
      ? [
          checkFailure("SG_INVALID_INPUT", {
            property: at,
            problem: `${at} contains a NUL character (U+0000)`,
            value,
            allowed: "any text without NUL",
            fix: "remove the NUL character",
          }),
        ]
      : [];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => nulCharacters(v, `${at}[${i}]`));
  if (value && typeof value === "object") {
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => nulCharacters(v, at ? `${at}.${k}` : k));
  }
  return [];
}
