/** Network: a private network with subnets. Any change replaces it. */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type * as schema from "../domain/schemaTypes";
import { getContext, getSettings } from "../context";
import { parseCidr } from "../domain/cidr";
import { projectSetup } from "../domain/profiles";
import { containsUnknown } from "../domain/unknown";
import { checkDefaultProject, validateInputs, type CheckFailure } from "../schema";
import { changedFields, stripProvider } from "./common";
import { checkFailure } from "../errors";

const FIELDS = ["name", "subnets", "project"] as const;

/** The dynamic provider for Network. */
export const networkProvider = {
  async check(_olds: Record<string, unknown>, news: Record<string, unknown>): Promise<dynamic.CheckResult> {
    const given = stripProvider(news);
    const failures: CheckFailure[] = validateInputs("NetworkInputs", given);
    failures.push(...checkDefaultProject(getSettings().project, given.project));
    const subnets = given.subnets;
    const canonical: unknown[] = [];
    if (!failures.some((f) => f.property.startsWith("subnets")) && Array.isArray(subnets) && !containsUnknown(subnets)) {
      subnets.forEach((cidr, i) => {
        const parsed = parseCidr(String(cidr));
        if (parsed.kind === "invalid") {
          failures.push(checkFailure("SG_INVALID_INPUT", {
            property: `subnets[${i}]`, subject: true, problem: parsed.problem, value: cidr, allowed: "a network in CIDR notation",
            fix: parsed.suggestion ? `did you mean ${parsed.suggestion}?` : "write it like 10.0.0.0/24",
          }));
        } else canonical.push(parsed.cidr);
      });
    }
    if (failures.length) return { inputs: given, failures };
    return {
      inputs: {
        name: given.name,
        subnets: Array.isArray(subnets) && !containsUnknown(subnets) ? canonical : subnets,
        project: given.project ?? getSettings().project,
      },
    };
  },

  async diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<dynamic.DiffResult> {
    const changed = changedFields(FIELDS, olds, news);
    return { changes: changed.length > 0, replaces: changed, deleteBeforeReplace: true };
  },

  async create(inputs: Required<schema.NetworkInputs>, token?: string): Promise<dynamic.CreateResult> {
    const { backend, profile } = getContext();
    await backend.ensureProject(inputs.project, projectSetup(profile));
    const n = await backend.createNetwork(inputs.project, inputs.name, inputs.subnets, token);
    const outs: schema.NetworkOutputs = { name: n.name, subnets: n.subnets, project: n.project, createdAt: n.createdAt };
    return { id: n.id, outs };
  },

  async read(id: string, props: Partial<schema.NetworkOutputs>): Promise<dynamic.ReadResult> {
    const { backend, settings } = getContext();
    const n = await backend.getNetwork(props.project ?? settings.project, id);
    if (!n || n.id !== id) return { id: "", props: {} };
    const outs: schema.NetworkOutputs = { name: n.name, subnets: n.subnets, project: n.project, createdAt: n.createdAt };
    return { id, props: outs, inputs: { name: n.name, subnets: n.subnets, project: n.project } };
  },

  async delete(id: string, props: schema.NetworkOutputs): Promise<void> {
    const { backend } = getContext();
    await backend.deleteNetwork(props.project, id);
  },
};
