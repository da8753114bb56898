/**
 * Loads the profile `secgroups:profile` names: a built-in one (provider/profiles/*.json) or a JSON
 * file in the Profile format, validated against schema.json.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Profile } from "./domain/profiles";
import { SecgroupsError } from "./errors";
import { validate } from "./schema";
import openstack from "./profiles/openstack.json";
import meshcloud from "./profiles/meshcloud.json";
import rackspace from "./profiles/rackspace.json";
import evroc from "./profiles/evroc.json";

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
