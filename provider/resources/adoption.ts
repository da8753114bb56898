/**
 * Adoption: bringing an object that already exists in the backend under a program's management
 * without recreating it. The SDK turns the `import` resource option into the input `importId`
 * (the engine's own import cannot reach a dynamic provider: it reads with no `__provider`,
 * pulumi/pulumi #16175). `check` compares the object with the program and fails the preview with
 * every difference; `create` compares again and returns the existing object instead of making one.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { SecgroupsError, showValue } from "../errors";
import type { CheckFailure } from "../schema";
import { UNKNOWN } from "../domain/unknown";

/** The object an import id names: its project and id, and what `read` needs beyond them. */
export interface ImportTarget {
  project: string;
  id: string;
  /** Human name of the object for messages (`security group web (ID)`). */
  label: string;
  /** Props passed to `read` besides the project (values that are not properties of the object). */
  props?: Record<string, unknown>;
  /** Differences the resource type found itself (fields `read` cannot reconstruct). */
  failures?: CheckFailure[];
}

/** What a resource type needs to be adoptable. */
export interface Adoptable {
  /** Resource type name, for messages. */
  type: string;
  /** Finds the object `importId` names, given the checked inputs; undefined when there is none. */
  resolveImport(importId: string, inputs: Record<string, unknown>): Promise<ImportTarget | undefined>;
  read?(id: string, props: any): Promise<dynamic.ReadResult>;
}

/** Inputs that never describe the object (kept out of the comparison). */
const NOT_COMPARED: ReadonlySet<string> = new Set(["managedBy", "importId", "__provider"]);

/** The result of comparing an existing object with the program. */
export interface Adoption {
  target: ImportTarget;
  /** The object's outputs and inputs, as `read` gives them. */
  read: dynamic.ReadResult;
  /** One failure per property whose value differs, or the reason it cannot be adopted. */
  failures: CheckFailure[];
}

/** Looks the object up and compares it with the checked inputs, property by property. */
export async function compareForAdoption(impl: Adoptable, importId: string, inputs: Record<string, unknown>): Promise<Adoption | CheckFailure> {
  const target = await impl.resolveImport(importId, inputs);
  const read = target && impl.read ? await impl.read(target.id, { ...target.props, project: target.project }) : undefined;
  if (!target || !read || !read.id) {
    return {
      property: "importId",
      reason: `SG_NOT_FOUND: there is no ${impl.type} ${JSON.stringify(importId)} to import (property import, got ${JSON.stringify(importId)}); fix: pass the id of an existing object (see \`secgroups group list\`, \`secgroups rule list\`, \`secgroups server show\`), or drop the import option to create a new one`,
    };
  }
  const failures = [...(target.failures ?? [])];
  const existing = (read.inputs ?? {}) as Record<string, unknown>;
  for (const [key, wanted] of Object.entries(inputs)) {
    if (NOT_COMPARED.has(key) || wanted === UNKNOWN || !(key in existing)) continue;
    const actual = existing[key];
    if (JSON.stringify(actual) === JSON.stringify(wanted)) continue;
    failures.push({
      property: key,
      reason: `SG_IMPORT_MISMATCH: ${target.label} differs from the program in ${key} (property ${key}, got ${showValue(wanted)}); allowed: ${showValue(actual)}, its value in the backend; fix: set ${key} to ${showValue(actual)} to adopt it as it is, then change it in a later update`,
    });
  }
  return { target, read, failures };
}

/** Throws the first failure of an adoption as a SecgroupsError (create time). */
export function adoptionError(failures: CheckFailure[]): SecgroupsError {
  const all = failures.map((f) => f.reason).join("; ");
  const code = failures.some((f) => f.reason.startsWith("SG_NOT_FOUND")) ? "SG_NOT_FOUND" : "SG_IMPORT_MISMATCH";
  return new SecgroupsError(code, {
    property: failures[0]?.property ?? "importId",
    problem: `the object to import does not match the program: ${all.replace(/SG_[A-Z_]+: /g, "")}`,
  });
}
