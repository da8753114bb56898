/** Cloud profiles: data (validated by schema.json) that says what one cloud allows. */
import * as fs from "node:fs";
import * as path from "node:path";
import { SecgroupsError } from "../errors";
import { validate } from "../schema";
import type { Profile as ProfileData } from "./schemaTypes";
import type { AttachmentPolicy, ProjectSetup } from "./model";
import openstack from "../profiles/openstack.json";
import meshcloud from "../profiles/meshcloud.json";
import rackspace from "../profiles/rackspace.json";
import evroc from "../profiles/evroc.json";

/** A validated profile: the `Profile` definition of schema.json (types generated from it). */
export type Profile = ProfileData;

/** Names of the built-in profiles. */
export const BUILTIN_PROFILES: Record<string, unknown> = { openstack, meshcloud, rackspace, evroc };

/**
 * Resolves `secgroups:profile`: a built-in name, or a path (absolute, or relative to `baseDir`)
 * to a JSON file in the Profile format. SG_PROFILE_INVALID with every problem otherwise.
 */
export function loadProfile(spec: string, baseDir: string): Profile {
  let data: unknown = BUILTIN_PROFILES[spec];
  if (data === undefined) {
    if (!spec.endsWith(".json") && !spec.includes("/")) {
      throw new SecgroupsError("SG_PROFILE_INVALID", {
        property: "secgroups:profile",
        problem: "no built-in profile has this name and it is not a path to a .json file",
        value: spec,
        allowed: `${Object.keys(BUILTIN_PROFILES).join(", ")}, or a path to a JSON profile`,
        fix: "set secgroups:profile to a built-in name or a profile file's path",
      });
    }
    const file = path.resolve(baseDir, spec);
    try {
      data = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
      throw new SecgroupsError("SG_PROFILE_INVALID", {
        property: "secgroups:profile",
        problem: `cannot read the profile file ${file}: ${(err as Error).message}`,
        value: spec,
        fix: "point secgroups:profile at a readable JSON file",
      });
    }
  }
  const failures = validate("Profile", data);
  if (failures.length) {
    throw new SecgroupsError("SG_PROFILE_INVALID", {
      property: "secgroups:profile",
      problem: `the profile does not match the Profile schema: ${failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`,
      value: spec,
      fix: "correct the profile file (its format is #/definitions/Profile in schema.json)",
    });
  }
  return data as Profile;
}

/** The profile's attachment rules, as the backend checks them. */
export function attachmentPolicy(p: Profile): AttachmentPolicy {
  return {
    profile: p.name,
    minGroupsPerServer: p.minGroupsPerServer,
    groupsAtLaunch: p.groupsAtLaunch,
    ...(p.groupsPerPort !== undefined ? { groupsPerPort: p.groupsPerPort } : {}),
    ...(p.attachableNetworks !== undefined ? { attachableNetworks: p.attachableNetworks } : {}),
    ...(p.launchGroup !== undefined ? { launchGroup: p.launchGroup } : {}),
    ...(p.fallbackGroup !== undefined ? { fallbackGroup: p.fallbackGroup } : {}),
  };
}

/** What a project of this profile starts with: its built-in networks and default groups. */
export function projectSetup(p: Profile): ProjectSetup {
  return {
    builtinNetworks: p.builtinNetworks,
    defaultGroups: p.defaultGroups.map((g) => ({
      name: g.name,
      description: g.description,
      rules: g.rules.map((r) => ({
        direction: r.direction,
        ethertype: r.ethertype,
        protocol: r.protocol ?? null,
        portRangeMin: r.portRangeMin ?? null,
        portRangeMax: r.portRangeMax ?? null,
        remoteIpPrefix: r.remoteIpPrefix ?? null,
        remoteSubnetId: null,
        description: "",
        remoteMembers: r.remoteMembers ?? false,
      })),
    })),
  };
}
