/** A program's resources as the policy pack sees them, for the pack's unit tests (the provider plugin's type tokens). */
import type { ProgramResource } from "../../../provider/domain/programPlan";

const T = "secgroups:index:";

/** The URN of resource `name` of type `type` in stack dev of project p. */
export const urn = (type: string, name: string): string => `urn:pulumi:dev::p::${T}${type}::${name}`;

/** Resource `name` of type `type` with `props`; `deps`: property → URNs it came from. */
export const res = (type: string, name: string, props: Record<string, unknown>, deps: Record<string, string[]> = {}): ProgramResource => ({
  type: `${T}${type}`,
  urn: urn(type, name),
  name,
  props,
  propertyDependencies: deps,
});
