/**
 * Cloud profiles: data (validated by schema.json) that says what one cloud allows, and what the
 * domain derives from one. Loading a profile (a built-in name or a file) is provider/profileLoader.ts.
 */
import type { Profile as ProfileData } from "./schemaTypes";
import type { AttachmentPolicy, ProjectSetup } from "./model";

/** A validated profile: the `Profile` definition of schema.json (types generated from it). */
export type Profile = ProfileData;

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
