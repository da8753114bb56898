/**
 * Adoption: bringing an object that already exists in the backend under a program's management
 * without recreating it. The SDK turns the `import` resource option into the input `importId`
 * (the engine's own import cannot reach a dynamic provider: it reads with no `__provider`,
 * pulumi/pulumi #16175). `check` compares the object with the program and fails the preview with
 * every difference; `create` compares again and returns the existing object instead of making one.
 */
import { SecgroupsError, failureOf, showValue, type CheckFailure, type ErrorDetails } from "../errors";
import { UNKNOWN } from "../domain/unknown";

/** Why an object cannot be adopted as the program declares it. */
export type AdoptionProblem = SecgroupsError;

/** The object an import id names: its project and id, and what `read` needs beyond them. */
export interface ImportTarget {
  project: string;
  id: string;
  /** Human name of the object for messages (`security group web (ID)`). */
  label: string;
  /** Props passed to `read` besides the project (values that are not properties of the object). */
  props?: Record<string, unknown>;
  /** Differences the resource type found itself (fields `read` cannot reconstruct). */
  problems?: AdoptionProblem[];
}

/** What `read` gives for the comparison: the object's id ("" when there is none) and its inputs. */
export interface ReadForAdoption {
  id: string;
  /** The object's inputs as a program would declare them. */
  inputs?: object | undefined;
}

/** What a resource type needs to be adoptable, its checked inputs being `Inputs`. */
export interface Adoptable<Inputs extends object> {
  /** Resource type name, for messages. */
  type: string;
  /** Finds the object `importId` names, given the checked inputs; undefined when there is none. */
  resolveImport(importId: string, inputs: Inputs): Promise<ImportTarget | undefined>;
  /** Reads the object: `props`, the target's props and its project. */
  read(id: string, props: Record<string, unknown>): Promise<ReadForAdoption>;
}

/** Inputs that never describe the object (kept out of the comparison). */
const NOT_COMPARED: ReadonlySet<string> = new Set(["managedBy", "importId", "__provider"]);

/** The result of comparing an existing object with the program. */
export interface Adoption {
  target: ImportTarget;
  /** The object as `read` gives it. */
  read: ReadForAdoption;
  /** One problem per property whose value differs, or the reason it cannot be adopted. */
  problems: AdoptionProblem[];
}

/** SG_IMPORT_MISMATCH about one property of the object to adopt (`import` itself: property "import"). */
export function importMismatch(details: ErrorDetails): AdoptionProblem {
  return new SecgroupsError("SG_IMPORT_MISMATCH", details);
}

/** A problem as a check failure: on the input `importId` when it is about the `import` option. */
export function adoptionFailure(problem: AdoptionProblem): CheckFailure {
  return failureOf(problem, problem.details.property === "import" ? "importId" : problem.details.property);
}

/** Looks the object up and compares it with the checked inputs, property by property. */
export async function compareForAdoption<Inputs extends object>(
  impl: Adoptable<Inputs>,
  importId: string,
  inputs: Inputs,
): Promise<Adoption | AdoptionProblem> {
  const target = await impl.resolveImport(importId, inputs);
  const read = target ? await impl.read(target.id, { ...target.props, project: target.project }) : undefined;
  if (!target || !read || !read.id) {
    return new SecgroupsError("SG_NOT_FOUND", {
      property: "import",
      problem: `there is no ${impl.type} ${showValue(importId)} to import`,
      value: importId,
      fix: "pass the id of an existing object (see `secgroups group list`, `secgroups rule list`, `secgroups server show`), or drop the import option to create a new one",
    });
  }
  const problems = [...(target.problems ?? [])];
  const existing = (read.inputs ?? {}) as Record<string, unknown>;
  for (const [key, wanted] of Object.entries(inputs) as [string, unknown][]) {
    if (NOT_COMPARED.has(key) || wanted === UNKNOWN || !(key in existing)) continue;
    const actual = existing[key];
    if (JSON.stringify(actual) === JSON.stringify(wanted)) continue;
    problems.push(
      importMismatch({
        property: key,
        problem: `${target.label} differs from the program in ${key}`,
        value: wanted,
        allowed: `${showValue(actual)}, its value in the backend`,
        fix: `set ${key} to ${showValue(actual)} to adopt it as it is, then change it in a later update`,
      }),
    );
  }
  return { target, read, problems };
}
