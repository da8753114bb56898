/** Network: a private network with subnets. Any change replaces it. */
import type * as schema from "../domain/schemaTypes";
import { getContext, getSettings } from "../context";
import type { Previewed, ResourceImpl } from "../lifecycle";
import { parseCidr } from "../domain/cidr";
import { projectSetup } from "../domain/profiles";
import { containsUnknown } from "../domain/unknown";
import { checkDefaultProject, validateInputs, type CheckFailure } from "../schema";
import { changedFields, stripProvider } from "./common";
import { checkFailure } from "../errors";

const FIELDS = ["name", "subnets", "project"] as const;

/**
 * Checked inputs: everything present. (The name is not checked for: the SDK's Network always sets
 * it, to the resource name by default.)
 */
export type NetworkInputs = Required<schema.NetworkInputs>;

/** The provider implementation of Network (the lifecycle wraps it: provider/lifecycle.ts). */
export const networkProvider: ResourceImpl<NetworkInputs, schema.NetworkOutputs> = {
  async check(_olds, news) {
    const given = stripProvider(news);
    const failures: CheckFailure[] = validateInputs("NetworkInputs", given);
    failures.push(...checkDefaultProject(getSettings().project, given.project));
    const subnets = given.subnets;
    const canonical: string[] = [];
    if (!failures.some((f) => f.property.startsWith("subnets")) && Array.isArray(subnets) && !containsUnknown(subnets)) {
      subnets.forEach((cidr, i) => {
        const parsed = parseCidr(String(cidr));
        if (parsed.kind === "invalid") {
          failures.push(
            checkFailure("SG_INVALID_INPUT", {
              property: `subnets[${i}]`,
              subject: true,
              problem: parsed.problem,
              value: cidr,
              allowed: "a network in CIDR notation",
              fix: parsed.suggestion ? `did you mean ${parsed.suggestion}?` : "write it like 10.0.0.0/24",
            }),
          );
        } else canonical.push(parsed.cidr);
      });
    }
    if (failures.length) return { inputs: given, failures };
    // The schema accepted every property (unknown ones aside).
    const valid = given as Previewed<NetworkInputs>;
    return {
      inputs: {
        name: valid.name,
        subnets: Array.isArray(valid.subnets) && !containsUnknown(valid.subnets) ? canonical : valid.subnets,
        project: valid.project ?? getSettings().project,
      },
    };
  },

  async diff(_id, olds, news) {
    const changed = changedFields(FIELDS, olds, news);
    return { changes: changed.length > 0, replaces: changed, deleteBeforeReplace: true };
  },

  async create(inputs, token) {
    const { backend, profile } = getContext();
    await backend.ensureProject(inputs.project, projectSetup(profile));
    const n = await backend.createNetwork(inputs.project, inputs.name, inputs.subnets, token);
    const outs: schema.NetworkOutputs = { name: n.name, subnets: n.subnets, project: n.project, createdAt: n.createdAt };
    return { id: n.id, outs };
  },

  async read(id, props) {
    const { backend, settings } = getContext();
    const n = await backend.getNetwork(props.project ?? settings.project, id);
    if (!n || n.id !== id) return { id: "", props: {} };
    const outs: schema.NetworkOutputs = { name: n.name, subnets: n.subnets, project: n.project, createdAt: n.createdAt };
    return { id, props: outs, inputs: { name: n.name, subnets: n.subnets, project: n.project } };
  },

  async delete(id, props) {
    const { backend } = getContext();
    await backend.deleteNetwork(props.project, id);
  },
};
