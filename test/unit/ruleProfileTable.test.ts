/** The built-in profiles' data (provider/profiles/*.json) against the table of what each allows, written out in test/unit/support/ruleProfiles.ts. */
import { describe, expect, it } from "vitest";
import { ANY_WORDS, NEUTRON, PROFILE_NAMES, PROFILES, TABLE } from "./support/ruleProfiles";

describe("profile data matches the profile table", () => {
  it.each(PROFILE_NAMES)("%s: protocols, numbers, ports, ICMP, remotes", (p) => {
    const profile = PROFILES[p];
    const t = TABLE[p];
    const protocols = [
      ...(t.protocols === "neutron" ? [...Object.keys(NEUTRON), "icmpv6"] : t.protocols),
      ...ANY_WORDS[p].filter((w) => w !== "any"),
    ];
    expect([...profile.protocols].sort()).toEqual([...protocols].sort());
    expect(profile.protocolNumbers).toBe(t.numbers);
    expect([...profile.portProtocols].sort()).toEqual([...t.portProtocols].sort());
    expect(profile.icmpTypeCode).toBe(t.icmpTypeCode);
    expect([...profile.remotes].sort()).toEqual((["cidr", "group", "subnet"] as const).filter((k) => t.remotes[k]).sort());
  });

  it("new-group rules and rule quotas", () => {
    const egressAny = [
      { direction: "egress", ethertype: "IPv4" },
      { direction: "egress", ethertype: "IPv6" },
    ];
    expect(PROFILES.openstack.newGroupRules).toEqual(egressAny);
    expect(PROFILES.meshcloud.newGroupRules).toEqual(egressAny);
    expect(PROFILES.rackspace.newGroupRules).toEqual([]);
    expect(PROFILES.evroc.newGroupRules).toEqual([]);
    expect(PROFILES.openstack.quotas).toEqual({ groups: 10, rules: 100 });
    expect(PROFILES.meshcloud.quotas).toEqual({ groups: 10, rules: 100 });
    expect(PROFILES.rackspace.quotas).toEqual({ rulesPerGroup: 20 });
    expect(PROFILES.evroc.quotas).toEqual({});
  });
});
