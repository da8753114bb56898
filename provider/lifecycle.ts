/**
 * The lifecycle every resource type shares, in one place: the wrapper that turns a resource's
 * typed implementation (`ResourceImpl<Inputs, Outputs>`) into the dynamic provider the engine calls.
 * It handles, once for every type:
 *
 * - `managedBy`, the resource's URN that the SDK passes as an input: taken out of the inputs before
 *   the implementation sees them, checked, kept beside the checked inputs (it never causes a diff)
 *   and added to the outputs;
 * - client tokens: `create` turns the URN and the checked inputs into the token that makes it
 *   idempotent (`clientToken`), and the token is forgotten once the engine diffs or reads the object;
 * - adoption: `importId` (the SDK's `import` option) is checked and compared with the object at
 *   `check`, and `create` takes the object over instead of making one (resources/adoption.ts);
 * - failures shown safely: no reason written to the terminal carries a control character.
 *
 * Here the engine's untyped properties meet the implementations' types, and only here are they
 * cast to them: this module trusts the engine to pass `create` and `update` the inputs `check`
 * returned (all known by then), and `diff`, `update`, `read` and `delete` the outputs the
 * implementation returned. (Each implementation's `check` types the program's inputs itself, once
 * the schema has accepted them.)
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { getContext } from "./context";
import type { ResourceType } from "./domain/plan";
import { UNKNOWN } from "./domain/unknown";
import { SecgroupsError, checkFailure, type CheckFailure } from "./errors";
import { adoptionFailure, compareForAdoption, type Adoptable, type ImportTarget } from "./resources/adoption";
import { clientToken } from "./resources/common";
import { visibleText } from "./text";

export type { ResourceType };

/** Properties as the engine passes them: untyped until `check` has checked them. */
export type Props = Record<string, unknown>;

/** Checked inputs as `check` passes them on: at preview, any property may be a value not known yet (`UNKNOWN`). */
export type Previewed<Inputs> = { [K in keyof Inputs]: Inputs[K] | typeof UNKNOWN };

/**
 * What `check` decides: the inputs, checked and canonical (typed; some unknown at preview), or
 * every failure at once with the inputs as given.
 */
export type CheckResult<Inputs> = { inputs: Previewed<Inputs>; failures?: never[] } | { inputs: Props; failures: CheckFailure[] };

/** What `create` made: the object's id and its outputs. */
export interface CreateResult<Outputs> {
  id: string;
  outs: Outputs;
}

/** What `read` found: the object's outputs and its inputs as a program would declare them; or, id "", nothing. */
export type ReadResult<Inputs, Outputs> =
  { id: string; props: Outputs; inputs: Inputs } | { id: ""; props: Record<string, never>; inputs?: undefined };

/** What `update` left: the object's new outputs. */
export interface UpdateResult<Outputs> {
  outs: Outputs;
}

/**
 * A provider implementation of one resource type, typed by its checked inputs and its outputs
 * (`managedBy` and `importId` never reach it: the lifecycle handles them).
 */
export interface ResourceImpl<Inputs extends object, Outputs extends object> {
  /**
   * Checks and canonicalises the program's inputs. `olds`: the inputs recorded before (empty for
   * a new resource); `urn`: the resource's URN (`managedBy`), when the SDK passed it.
   */
  check(olds: Props, news: Props, urn?: string): Promise<CheckResult<Inputs>>;
  diff(id: string, olds: Outputs, news: Previewed<Inputs>): Promise<dynamic.DiffResult>;
  /** `clientToken`: makes the create idempotent (see `clientToken`); `managedBy`: the resource's URN. */
  create(inputs: Inputs, clientToken?: string, managedBy?: string): Promise<CreateResult<Outputs>>;
  /** `props`: the recorded outputs (from an import: what `resolveImport` put in the target, and the project). */
  read(id: string, props: Partial<Outputs>): Promise<ReadResult<Inputs, Outputs>>;
  /** Absent: no change is made in place (`diff` replaces on any change); the outputs take the new inputs. */
  update?(id: string, olds: Outputs, news: Inputs): Promise<UpdateResult<Outputs>>;
  delete(id: string, props: Outputs): Promise<void>;
  /** Adoptable types: the object an import id names (see resources/adoption.ts). */
  resolveImport?(importId: string, inputs: Previewed<Inputs>): Promise<ImportTarget | undefined>;
  /** Called once an adopted object is under management (e.g. to record its manager). */
  adopted?(target: ImportTarget, managedBy: string | undefined): Promise<void>;
}

/** The provider methods the engine calls (the dynamic provider's, over untyped properties). */
export type EngineProvider = Required<Pick<dynamic.ResourceProvider<Props, Props>, "check" | "diff" | "create" | "read" | "update" | "delete">>;

/** An implementation's typed value as the engine's properties (to the engine, every object is a property bag). */
function asProps(value: object): Props {
  return value as Props;
}

/** Whether `read` found the object. */
function found<Inputs, Outputs>(result: ReadResult<Inputs, Outputs>): result is { id: string; props: Outputs; inputs: Inputs } {
  return Boolean(result.id);
}

/**
 * `news` with the recorded project where the program's names the same one: behind Keystone the
 * records carry the scoped project's id, whatever name the program gives (see StateBackend.projectOf).
 */
async function sameProjectAsRecorded(olds: Props | undefined, news: Props): Promise<Props> {
  const recorded = olds?.project;
  if (typeof news.project !== "string" || typeof recorded !== "string" || news.project === recorded) return news;
  return (await getContext().backend.projectOf(news.project)) === recorded ? { ...news, project: recorded } : news;
}

/** Whether `check` accepted the inputs (no failure). */
function accepted<Inputs>(result: CheckResult<Inputs>): result is { inputs: Previewed<Inputs>; failures?: never[] } {
  return !result.failures?.length;
}

/** Forgets the client token of a recorded object of `type`; best effort (a backend that is down keeps it). */
async function forgetClientToken(type: ResourceType, id: string, recorded: Props | undefined): Promise<void> {
  try {
    const { backend, settings } = getContext();
    const project = typeof recorded?.project === "string" ? recorded.project : settings.project;
    await backend.forgetClientToken(project, id, type);
  } catch {
    // The token only matters for a create retried after a crash; failing to forget it is harmless here.
  }
}

/** What compareForAdoption needs of an adoptable type (`resolveImport` present). */
function adoptable<Inputs extends object, Outputs extends object>(
  type: ResourceType,
  impl: ResourceImpl<Inputs, Outputs>,
  resolveImport: NonNullable<ResourceImpl<Inputs, Outputs>["resolveImport"]>,
): Adoptable<Previewed<Inputs>> {
  return {
    type,
    resolveImport: (importId, inputs) => resolveImport(importId, inputs),
    // The props resolveImport chose for this read: values of the program's inputs (unknown ones too, at preview).
    read: (id, props) => impl.read(id, props as Partial<Outputs>),
  };
}

/**
 * `check` of a resource the program imports (`importId`, from the SDK's `import` option): only
 * on its first check (no old inputs: the resource is not in the stack yet; a replacement of an
 * imported resource creates a new object), the object must exist and match the program.
 */
async function checkImport<Inputs extends object, Outputs extends object>(
  type: ResourceType,
  impl: ResourceImpl<Inputs, Outputs>,
  olds: Props | undefined,
  importId: unknown,
  result: CheckResult<Inputs>,
): Promise<dynamic.CheckResult<Props>> {
  const recorded = Object.keys(olds ?? {}).some((k) => k !== "__provider");
  if (recorded || !accepted(result)) return result;
  if (!impl.resolveImport || (importId !== UNKNOWN && typeof importId !== "string")) {
    const problem = impl.resolveImport
      ? new SecgroupsError("SG_INVALID_INPUT", {
          property: "import",
          problem: "the import option must be an id string",
          value: importId,
          fix: "pass the id of the object to adopt",
        })
      : new SecgroupsError("SG_INVALID_INPUT", {
          property: "import",
          problem: `${type} resources cannot be imported`,
          value: importId,
          allowed: "import on SecurityGroup, SecurityGroupRule and ServerAttachment",
          fix: "drop the import option",
        });
    return { ...result, failures: [adoptionFailure(problem)] };
  }
  if (importId === UNKNOWN) return { ...result, inputs: { ...result.inputs, importId } };
  const adoption = await compareForAdoption(adoptable(type, impl, impl.resolveImport), importId as string, result.inputs);
  if (adoption instanceof SecgroupsError) return { ...result, failures: [adoptionFailure(adoption)] };
  if (adoption.problems.length) return { ...result, failures: adoption.problems.map(adoptionFailure) };
  return { ...result, inputs: { ...result.inputs, importId } };
}

/** `create` of an imported resource: compares again (the object may have changed) and takes it over. */
async function adopt<Inputs extends object, Outputs extends object>(
  type: ResourceType,
  impl: ResourceImpl<Inputs, Outputs>,
  importId: string,
  inputs: Inputs,
  managedBy: string | undefined,
): Promise<CreateResult<Outputs | Record<string, never>>> {
  // An import on a type that cannot be imported failed its check; the engine creates only what passed.
  const adoption = await compareForAdoption(adoptable(type, impl, impl.resolveImport!), importId, inputs);
  // The preview listed every difference; the object may have changed since: the first one fails the create.
  if (adoption instanceof SecgroupsError) throw adoption;
  if (adoption.problems.length) throw adoption.problems[0]!;
  if (impl.adopted) await impl.adopted(adoption.target, managedBy);
  // Read again now that it is managed: outputs that depend on the manager (a group's unmanagedRules).
  const { target } = adoption;
  const props: Props = { ...target.props, project: target.project, ...(managedBy ? { managedBy } : {}) };
  const read = await impl.read(target.id, props as Partial<Outputs>);
  return { id: read.id, outs: read.props };
}

/** Longest `managedBy` accepted (a URN). */
const MANAGED_BY_MAX = 2048;

/** `check` with `managedBy` and `importId` taken out of the inputs and checked (see engineProvider). */
async function checkManaged<Inputs extends object, Outputs extends object>(
  type: ResourceType,
  impl: ResourceImpl<Inputs, Outputs>,
  olds: Props,
  news: Props | undefined,
): Promise<dynamic.CheckResult<Props>> {
  const { managedBy, importId, ...rest } = news ?? {};
  const urn = typeof managedBy === "string" && managedBy !== UNKNOWN ? managedBy : undefined;
  const checked = await impl.check(olds, rest, urn);
  const result = importId !== undefined ? await checkImport(type, impl, olds, importId, checked) : checked;
  if (managedBy === undefined) return result;
  if (managedBy !== UNKNOWN && (typeof managedBy !== "string" || managedBy.length > MANAGED_BY_MAX)) {
    const failures = [
      ...(result.failures ?? []),
      checkFailure("SG_INVALID_INPUT", {
        property: "managedBy",
        problem: `managedBy must be the resource's URN, a string of at most ${MANAGED_BY_MAX} characters`,
        value: managedBy,
        fix: "leave managedBy to the SDK",
      }),
    ];
    return { ...result, failures };
  }
  return { ...result, inputs: { ...result.inputs, managedBy } };
}

/**
 * The failures as the engine shows them: every control or invisible character of a reason (a name
 * or value from the program) shown escaped, so no input can write to the user's terminal.
 */
function shownSafely(result: dynamic.CheckResult<Props>): dynamic.CheckResult<Props> {
  if (!result.failures?.length) return result;
  return { ...result, failures: result.failures.map((f) => ({ property: f.property, reason: visibleText(f.reason) })) };
}

/**
 * The dynamic provider the engine calls for resource type `type`, implemented by `impl`, with the
 * lifecycle every type shares (see the header): `check` keeps `managedBy` beside the checked inputs
 * and checks an import; `create` turns `managedBy` and the inputs into the client token (or adopts
 * the imported object); `diff` and `read` forget the token; the outputs carry `managedBy`.
 */
export function engineProvider<Inputs extends object, Outputs extends object>(
  type: ResourceType,
  impl: ResourceImpl<Inputs, Outputs>,
): EngineProvider {
  return {
    async check(olds: Props, news: Props): Promise<dynamic.CheckResult<Props>> {
      return shownSafely(await checkManaged(type, impl, olds, news));
    },
    // Once the engine diffs or reads an object it has recorded it: its client token is forgotten,
    // so that a later replacement with the same URN and inputs makes a new object. (The engine
    // skips the provider's diff for `--replace` and tainted resources, and checks replacements
    // with empty olds; see README "Crash safety" for the case this leaves.)
    async diff(id: string, olds: Props, news: Props): Promise<dynamic.DiffResult> {
      const { managedBy: _ignored, importId: _adopted, ...given } = news ?? {};
      const rest = await sameProjectAsRecorded(olds, given);
      const result = await impl.diff(id, olds as Outputs, rest as Previewed<Inputs>);
      await forgetClientToken(type, id, olds);
      return result;
    },
    async read(id: string, props?: Props): Promise<dynamic.ReadResult<Props>> {
      const result = await impl.read(id, (props ?? {}) as Partial<Outputs>);
      if (!found(result)) return result;
      await forgetClientToken(type, id, props);
      const read = { id: result.id, props: asProps(result.props), inputs: asProps(result.inputs) };
      const managedBy = (props ?? {}).managedBy;
      if (managedBy === undefined) return read;
      return { ...read, props: { ...read.props, managedBy }, inputs: { ...read.inputs, managedBy } };
    },
    async create(inputs: Props): Promise<dynamic.CreateResult<Props>> {
      const { managedBy, importId, ...rest } = inputs ?? {};
      const urn = typeof managedBy === "string" ? managedBy : undefined;
      const created =
        typeof importId === "string"
          ? await adopt(type, impl, importId, rest as Inputs, urn)
          : await impl.create(rest as Inputs, clientToken(managedBy, rest), urn);
      const outs = asProps(created.outs);
      return { ...created, outs: managedBy === undefined ? outs : { ...outs, managedBy } };
    },
    async update(id: string, olds: Props, news: Props): Promise<dynamic.UpdateResult<Props>> {
      const { managedBy, importId: _adopted, ...rest } = news ?? {};
      const updated = impl.update ? await impl.update(id, olds as Outputs, rest as Inputs) : { outs: { ...olds, ...rest } };
      const outs = asProps(updated.outs);
      return { ...updated, outs: managedBy === undefined ? outs : { ...outs, managedBy } };
    },
    async delete(id: string, props: Props): Promise<void> {
      await impl.delete(id, props as Outputs);
    },
  };
}
