/**
 * The planned state of a program, from its resources as a policy pack sees them at preview (type,
 * URN, name, properties, and which resources each property came from): the model the exposure
 * engine judges, built by the same replay as `secgroups preview-report` (plan.ts), each resource
 * applied as made by the program.
 *
 * Ids: a resource that exists already has its real id, which a resource referring to it shows (a
 * rule's securityGroupId, an attachment's serverId: REFERENCE_PROPERTIES) together with the
 * dependency on it; ids are learned from there, the others stay placeholders (`new:<name>`). Values unknown at preview are
 * never guessed: applyPreview lists them as known after apply. What the program does not declare —
 * groups and attachments of other stacks, made by hand — is not in the model, but for the rules the
 * program's groups list as unmanagedRules.
 */
import type { Profile } from "./profiles";
import { UNKNOWN } from "./unknown";
import { REFERENCE_PROPERTIES, applyPreview, emptyModel, resourceTypeOf, withInlineRuleSteps, type PlannedState, type PreviewStep } from "./plan";

/** One resource of the program as a policy pack gets it. */
export interface ProgramResource {
  /** The type token (`pulumi-nodejs:dynamic/secgroups:SecurityGroup`, `secgroups:index:SecurityGroup`, or another package's). */
  type: string;
  urn: string;
  name: string;
  props: Record<string, unknown>;
  /** Property → URNs of the resources its value came from. */
  propertyDependencies: Record<string, string[]>;
}

/** What a program plans, and which URN holds each id of the model (real or placeholder). */
export interface ProgramPlan extends PlannedState {
  urnOf: ReadonlyMap<string, string>;
}

/** The ids of existing resources, learned from the resources that refer to them. */
function learnedIds(resources: readonly ProgramResource[]): Map<string, string> {
  const ours = new Set(resources.map((r) => r.urn));
  const ids = new Map<string, string>();
  for (const r of resources) {
    for (const [prop, urns] of Object.entries(r.propertyDependencies)) {
      if (!REFERENCE_PROPERTIES.includes(prop)) continue;
      const value = r.props[prop];
      if (typeof value !== "string" || value === UNKNOWN || urns.length !== 1 || !ours.has(urns[0]!)) continue;
      ids.set(urns[0]!, value);
    }
  }
  return ids;
}

/** The planned state of `resources` (those of other packages are left out) under `profile`, in `project`. */
export function programPlan(resources: readonly ProgramResource[], profile: Profile, project: string): ProgramPlan {
  const ours = resources.flatMap((r) => {
    const type = resourceTypeOf(r.type);
    return type ? [{ ...r, kind: type }] : [];
  });
  const ids = learnedIds(ours);
  const steps: PreviewStep[] = [];
  for (const r of ours) {
    const id = ids.get(r.urn);
    steps.push({
      op: "create",
      urn: r.urn,
      type: r.kind,
      name: r.name,
      ...(id ? { id } : {}),
      oldInputs: {},
      oldOutputs: {},
      newInputs: r.props,
      dependencies: r.propertyDependencies,
    });
    // Rules of the group that the stack does not manage are in the cloud all the same.
    const unmanaged = r.kind === "SecurityGroup" && Array.isArray(r.props.unmanagedRules) ? r.props.unmanagedRules : [];
    for (const [i, rule] of unmanaged.entries()) {
      if (!rule || typeof rule !== "object") continue;
      const { id: ruleId, managedBy: _m, ...fields } = rule as Record<string, unknown>;
      steps.push({
        op: "create",
        urn: `${r.urn}#unmanaged[${i}]`,
        type: "SecurityGroupRule",
        name: `${r.name}.unmanagedRules[${i}]`,
        ...(typeof ruleId === "string" ? { id: ruleId } : {}),
        oldInputs: {},
        oldOutputs: {},
        newInputs: { ...fields, securityGroupId: id ?? UNKNOWN },
        dependencies: { securityGroupId: [r.urn] },
      });
    }
  }
  const planned = applyPreview(emptyModel(profile, project), { steps: withInlineRuleSteps(steps), errors: [], otherSteps: 0 }, profile);
  // A server that exists shows its ports: their fixed IPs are known, not "after apply".
  for (const r of ours) {
    const ports = r.kind === "Server" && Array.isArray(r.props.ports) ? (r.props.ports as Record<string, unknown>[]) : [];
    const server = planned.model.servers.find((x) => x.id === (ids.get(r.urn) ?? `new:${r.name}`));
    for (const port of server?.ports ?? []) {
      const known = ports.find((k) => k && k.networkId === port.networkId);
      if (typeof known?.fixedIp === "string" && known.fixedIp !== UNKNOWN) port.fixedIp = known.fixedIp;
      if (typeof known?.id === "string" && known.id !== UNKNOWN) port.id = known.id;
    }
  }
  const urnOf = new Map<string, string>();
  for (const s of ours) urnOf.set(ids.get(s.urn) ?? `new:${s.name}`, s.urn);
  return { ...planned, urnOf };
}
