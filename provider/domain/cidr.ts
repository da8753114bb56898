/**
 * The one module that parses CIDRs: no other module calls ipaddr.js.
 * Strict: IPv4 only in four-part decimal without leading zeros (`0xc0.168.1.1`, `10.1` and
 * `010.0.0.1` are not addresses in a firewall rule); no IPv6 zone ids; a bare address becomes a
 * /32 or /128; host bits set are refused with the network address as the suggestion.
 */
import ipaddr from "ipaddr.js";

/** An IP family, in Neutron's spelling. */
export type Family = "IPv4" | "IPv6";

/** The result of parsing a CIDR: a canonical network, or why not. */
export type CidrResult =
  { kind: "network"; family: Family; cidr: string; prefixLength: number } | { kind: "invalid"; problem: string; suggestion?: string };

const OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const IPV4_STRICT = new RegExp(`^${OCTET}(\\.${OCTET}){3}$`);

const DOTTED_TAIL = new RegExp(`^(.*:)(${OCTET}(?:\\.${OCTET}){3})$`);

/**
 * An IPv6 address written with an embedded dotted quad (`::1.2.3.4`, `::ffff:1.2.3.4`) with that
 * quad as two hex groups (`::102:304`). ipaddr.js reads every such address as IPv4-mapped
 * (`::1.2.3.4` became `::ffff:102:304`, another address); the quad must also be strict decimal.
 */
function withoutDottedQuad(address: string): string | undefined {
  if (!address.includes(".")) return address;
  const m = DOTTED_TAIL.exec(address);
  if (!m || !IPV4_STRICT.test(m[2]!)) return undefined;
  const [a, b, c, d] = m[2]!.split(".").map(Number) as [number, number, number, number];
  return `${m[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

/** Parses `text` as a network in CIDR notation (or a bare address). */
export function parseCidr(text: string): CidrResult {
  const slash = text.indexOf("/");
  let address = slash === -1 ? text : text.slice(0, slash);
  const lengthText = slash === -1 ? undefined : text.slice(slash + 1);
  let family: Family;
  if (IPV4_STRICT.test(address)) {
    family = "IPv4";
  } else if (
    address.includes(":") &&
    !address.includes("%") &&
    withoutDottedQuad(address) !== undefined &&
    ipaddr.IPv6.isValid(withoutDottedQuad(address)!)
  ) {
    family = "IPv6";
    address = withoutDottedQuad(address)!;
  } else {
    return { kind: "invalid", problem: "is not an IPv4 address in four-part decimal or an IPv6 address" };
  }
  const maxLength = family === "IPv4" ? 32 : 128;
  let prefixLength = maxLength;
  if (lengthText !== undefined) {
    if (!/^(0|[1-9]\d{0,2})$/.test(lengthText) || Number(lengthText) > maxLength) {
      return { kind: "invalid", problem: `has a prefix length outside 0-${maxLength}` };
    }
    prefixLength = Number(lengthText);
  }
  const parsed = family === "IPv4" ? ipaddr.IPv4.parse(address) : ipaddr.IPv6.parse(address);
  const network =
    family === "IPv4"
      ? ipaddr.IPv4.networkAddressFromCIDR(`${address}/${prefixLength}`)
      : ipaddr.IPv6.networkAddressFromCIDR(`${address}/${prefixLength}`);
  const canonicalNetwork = `${network.toString()}/${prefixLength}`;
  if (network.toString() !== parsed.toString()) {
    return {
      kind: "invalid",
      problem: "has host bits set",
      suggestion: canonicalNetwork,
    };
  }
  return { kind: "network", family, cidr: canonicalNetwork, prefixLength };
}

/** True for the networks that mean "every address of the family": 0.0.0.0/0 and ::/0. */
export function isAnyNetwork(cidr: string): boolean {
  return cidr === "0.0.0.0/0" || cidr === "::/0";
}

/**
 * The `n`-th address of the network `cidr` (0 is the network address itself), or undefined when
 * the network has fewer addresses. Used to hand out fixed IPs to ports.
 */
export function addressAt(cidr: string, n: number): string | undefined {
  const range = cidrRange(cidr);
  const value = range.lo + BigInt(n);
  return value > range.hi ? undefined : formatAddress(range.family, value);
}

/** How many addresses a network has (capped at 2^32, enough to count free fixed IPs). */
export function networkSize(cidr: string): number {
  const [address, lengthText] = cidr.split("/");
  const bits = address!.includes(":") ? 128 : 32;
  return 2 ** Math.min(32, bits - Number(lengthText));
}

/** A range of addresses of one family as integers, both ends included. */
export interface AddressRange {
  family: Family;
  lo: bigint;
  hi: bigint;
}

/** Bits in an address of `family`. */
export function familyBits(family: Family): number {
  return family === "IPv4" ? 32 : 128;
}

function bytesToBigint(bytes: number[]): bigint {
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  return value;
}

/** The addresses of a canonical network (as `parseCidr` returns it, or a bare address). */
export function cidrRange(cidr: string): AddressRange {
  const parsed = parseCidr(cidr);
  if (parsed.kind === "invalid") throw new Error(`not a canonical network: ${cidr}`);
  const [address] = parsed.cidr.split("/");
  const bits = familyBits(parsed.family);
  const lo = bytesToBigint(ipaddr.parse(address!).toByteArray());
  const hi = lo + (1n << BigInt(bits - parsed.prefixLength)) - 1n;
  return { family: parsed.family, lo, hi };
}

/** A single address (strict, as in rules: four-part decimal IPv4 or IPv6) as an integer, or undefined. */
export function parseAddress(text: string): { family: Family; value: bigint } | undefined {
  if (text.includes("/")) return undefined;
  const parsed = parseCidr(text);
  if (parsed.kind === "invalid") return undefined;
  return { family: parsed.family, value: bytesToBigint(ipaddr.parse(text).toByteArray()) };
}

/** An address of `family` as text (IPv6 compressed). */
export function formatAddress(family: Family, value: bigint): string {
  const count = familyBits(family) / 8;
  const bytes: number[] = [];
  for (let i = 0; i < count; i++) {
    bytes.unshift(Number(value & 0xffn));
    value >>= 8n;
  }
  return ipaddr.fromByteArray(bytes).toString();
}

/** The fewest networks in CIDR notation that cover exactly `lo`..`hi`, in order. */
export function rangeCidrs(family: Family, lo: bigint, hi: bigint): string[] {
  const bits = familyBits(family);
  const out: string[] = [];
  let start = lo;
  while (start <= hi) {
    let size = 0;
    while (size < bits && (start & ((1n << BigInt(size + 1)) - 1n)) === 0n && start + (1n << BigInt(size + 1)) - 1n <= hi) size++;
    out.push(`${formatAddress(family, start)}/${bits - size}`);
    start += 1n << BigInt(size);
  }
  return out;
}
