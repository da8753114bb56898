/** IP protocols as Neutron names them (neutron-lib's IP_PROTOCOL_MAP). */

/** Protocol name → IANA number. `ip` and `hopopt` are both 0, as in neutron-lib. */
export const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = {
  ah: 51,
  dccp: 33,
  egp: 8,
  esp: 50,
  gre: 47,
  hopopt: 0,
  icmp: 1,
  igmp: 2,
  ip: 0,
  ipip: 4,
  "ipv6-encap": 41,
  "ipv6-frag": 44,
  "ipv6-icmp": 58,
  "ipv6-nonxt": 59,
  "ipv6-opts": 60,
  "ipv6-route": 43,
  ospf: 89,
  pgm: 113,
  rsvp: 46,
  sctp: 132,
  tcp: 6,
  udp: 17,
  udplite: 136,
  vrrp: 112,
};

/** Names accepted as another name: Neutron's legacy `icmpv6`. */
export const PROTOCOL_ALIASES: Readonly<Record<string, string>> = { icmpv6: "ipv6-icmp" };

/** Number → the name a known number canonicalises to (0 → hopopt, the IANA name). */
export const PROTOCOL_NAMES: Readonly<Record<number, string>> = (() => {
  const names: Record<number, string> = {};
  for (const [name, n] of Object.entries(PROTOCOL_NUMBERS)) if (names[n] === undefined || name === "hopopt") names[n] = name;
  return names;
})();

/** Protocols Neutron refuses with ethertype IPv4 (IPv6 extension headers, ICMPv6, IPv6 encapsulation). */
export const IPV6_ONLY_PROTOCOLS: ReadonlySet<string> = new Set(["ipv6-encap", "ipv6-frag", "ipv6-icmp", "ipv6-nonxt", "ipv6-opts", "ipv6-route"]);

/** Protocols whose rules carry destination ports (Neutron: port ranges on these only). */
export const PORT_PROTOCOLS: ReadonlySet<string> = new Set(["tcp", "udp", "dccp", "sctp", "udplite"]);

/** Connection-oriented protocols: a flow needs its replies to work. */
export const CONNECTION_PROTOCOLS: ReadonlySet<string> = new Set(["tcp", "dccp", "sctp"]);

/** The echo-request ICMP type of each family (IPv4 ICMP 8, ICMPv6 128). */
export const ECHO_REQUEST_TYPE = { IPv4: 8, IPv6: 128 } as const;

/** Protocols whose port range holds an ICMP type and code. */
export const ICMP_PROTOCOLS: ReadonlySet<string> = new Set(["icmp", "ipv6-icmp"]);

/** The number of a canonical protocol (`tcp` → 6, `"200"` → 200), or undefined for `any`. */
export function protocolNumber(canonical: string): number | undefined {
  if (canonical === "any") return undefined;
  const known = PROTOCOL_NUMBERS[canonical];
  return known !== undefined ? known : Number(canonical);
}
