/** ruleKey: two rules have the same key exactly when Neutron calls them duplicates (examples; test/unit/ruleKeyProperties.test.ts checks it by property). */
import { describe, expect, it } from "vitest";
import { type RuleInput } from "../../provider/domain/rules";
import { key } from "./support/ruleProfiles";

describe("ruleKey (Neutron duplicate semantics)", () => {
  const sshV4: RuleInput = { protocol: "tcp", portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: "10.0.0.0/8" };

  it("ignores the description", () => {
    expect(key("openstack", { ...sshV4, description: "a" })).toBe(key("openstack", { ...sshV4, description: "b" }));
    expect(key("openstack", { ...sshV4, description: "a" })).toBe(key("openstack", sshV4));
  });

  it('tcp and 6 (and TCP, "6") are the same', () => {
    const k = key("openstack", sshV4);
    for (const protocol of [6, "6", "TCP", "Tcp"]) expect(key("openstack", { ...sshV4, protocol })).toBe(k);
    expect(key("rackspace", { protocol: 17 })).toBe(key("rackspace", { protocol: "udp" }));
    expect(key("openstack", { protocol: 0 })).toBe(key("openstack", { protocol: "ip" }));
    expect(key("openstack", { protocol: "hopopt" })).toBe(key("openstack", { protocol: "ip" }));
    expect(key("openstack", { protocol: "200" })).toBe(key("openstack", { protocol: 200 }));
    expect(key("openstack", { protocol: "icmpv6", ethertype: "IPv6" })).toBe(key("openstack", { protocol: 58, ethertype: "IPv6" }));
    expect(key("openstack", { protocol: "icmp", ethertype: "IPv6" })).toBe(key("openstack", { protocol: "ipv6-icmp", ethertype: "IPv6" }));
  });

  it("any, absent (and evroc's all) are the same", () => {
    const k = key("openstack", {});
    for (const protocol of ["any", "ANY", null]) expect(key("openstack", { protocol })).toBe(k);
    expect(key("evroc", { protocol: "All" })).toBe(key("evroc", {}));
  });

  it("0.0.0.0/0, ::/0 and no remote give the same remote", () => {
    expect(key("openstack", { remoteIpPrefix: "0.0.0.0/0" })).toBe(key("openstack", {}));
    expect(key("openstack", { remoteIpPrefix: "::/0" })).toBe(key("openstack", { ethertype: "IPv6" }));
    expect(key("evroc", { protocol: "tcp", portRangeMin: 80, portRangeMax: 80, remoteIpPrefix: "0.0.0.0/0" })).toBe(
      key("evroc", { protocol: "tcp", portRangeMin: 80, portRangeMax: 80 }),
    );
    // Same remote component: only the ethertype tells these apart.
    const v4 = key("openstack", { remoteIpPrefix: "0.0.0.0/0" }).split("|");
    const v6 = key("openstack", { remoteIpPrefix: "::/0" }).split("|");
    expect(v4[v4.length - 1]).toBe(v6[v6.length - 1]);
    expect(v4.slice(0, 2)).toEqual(v6.slice(0, 2));
  });

  it("1-65535 is the same as no ports; bare IP the same as /32", () => {
    expect(key("openstack", { protocol: "tcp", portRangeMin: 1, portRangeMax: 65535 })).toBe(key("openstack", { protocol: "tcp" }));
    expect(key("openstack", { ...sshV4, remoteIpPrefix: "1.2.3.4" })).toBe(key("openstack", { ...sshV4, remoteIpPrefix: "1.2.3.4/32" }));
    expect(key("openstack", { remoteIpPrefix: "2001:DB8:0::1" })).toBe(key("openstack", { remoteIpPrefix: "2001:db8::1/128" }));
  });

  it("differs on group, direction, ethertype, protocol, ports and remote", () => {
    const k = key("evroc", sshV4);
    const others: RuleInput[] = [
      { ...sshV4, securityGroupId: "sg-other" },
      { ...sshV4, direction: "egress" },
      { protocol: "tcp", portRangeMin: 22, portRangeMax: 22, ethertype: "IPv6" },
      { ...sshV4, protocol: "udp" },
      { ...sshV4, portRangeMin: 23, portRangeMax: 23 },
      { ...sshV4, portRangeMin: 22, portRangeMax: 23 },
      { ...sshV4, portRangeMin: 21, portRangeMax: 22 },
      { protocol: "tcp", remoteIpPrefix: "10.0.0.0/8" },
      { ...sshV4, remoteIpPrefix: "10.0.0.0/16" },
      { ...sshV4, remoteIpPrefix: "11.0.0.0/8" },
      { ...sshV4, remoteIpPrefix: undefined },
      { ...sshV4, remoteIpPrefix: undefined, remoteGroupId: "sg-2" },
      { ...sshV4, remoteIpPrefix: undefined, remoteSubnetId: "sg-2" },
    ];
    const keys = others.map((o) => key("evroc", o));
    for (const other of keys) expect(other).not.toBe(k);
    expect(new Set(keys).size).toBe(keys.length);
    expect(key("openstack", { remoteGroupId: "a" })).not.toBe(key("openstack", { remoteGroupId: "b" }));
    expect(key("openstack", { protocol: "icmp", portRangeMin: 8 })).not.toBe(
      key("openstack", { protocol: "icmp", portRangeMin: 8, portRangeMax: 0 }),
    );
    expect(key("openstack", { protocol: "icmp", portRangeMin: 0 })).not.toBe(key("openstack", { protocol: "icmp" }));
    expect(key("openstack", { protocol: 0 })).not.toBe(key("openstack", {}));
  });
});
