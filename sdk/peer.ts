/** Peer: the remote half of a security group rule (a CIDR, a group or a subnet), as a small immutable value. */
import * as pulumi from "@pulumi/pulumi";
import type { SecurityGroupRuleInputs } from "../provider/domain/schemaTypes";
import type { Inputs } from "./inputs";
// Type-only: securityGroup.ts imports this module at runtime, so a value import here would be circular.
import type { SecurityGroup } from "./securityGroup";

/** IP family of a rule. */
export type Ethertype = NonNullable<SecurityGroupRuleInputs["ethertype"]>;

/**
 * The remote fields a Peer contributes to a SecurityGroupRule's inputs (at most one remote, as
 * pulumi inputs; the provider's check validates and canonicalizes them), and its IP family (absent
 * lets the provider default it).
 */
export interface PeerRule
  extends Inputs<Pick<SecurityGroupRuleInputs, "remoteIpPrefix" | "remoteGroupId" | "remoteSubnetId">>, Pick<SecurityGroupRuleInputs, "ethertype"> {}

/** What a Peer is; one variant per kind of remote, so a peer never has two remotes. */
type Remote =
  | { kind: "cidr"; cidr: string; ethertype: Ethertype; label: string }
  | { kind: "group"; groupId: pulumi.Input<string>; ethertype: Ethertype | undefined; label: string }
  | { kind: "subnet"; subnetId: pulumi.Input<string>; ethertype: Ethertype | undefined; label: string };

/** Readable text for an id that may only be known at deployment time. */
function describeId(id: pulumi.Input<string>): string {
  return typeof id === "string" ? id : "(id known after deployment)";
}

/** Appends the family to a label when one was chosen explicitly. */
function withFamily(label: string, ethertype: Ethertype | undefined): string {
  return ethertype === undefined ? label : `${label} (${ethertype})`;
}

/** The remote end of a rule; create one with the static factories. */
export class Peer {
  /** An IPv4 CIDR (or bare address), e.g. `10.0.0.0/8`. */
  public static ipv4(cidr: string): Peer {
    return new Peer({ kind: "cidr", cidr, ethertype: "IPv4", label: cidr });
  }

  /** An IPv6 CIDR (or bare address), e.g. `2001:db8::/32`. */
  public static ipv6(cidr: string): Peer {
    return new Peer({ kind: "cidr", cidr, ethertype: "IPv6", label: cidr });
  }

  /** Every IPv4 address: 0.0.0.0/0. */
  public static anyIpv4(): Peer {
    return new Peer({ kind: "cidr", cidr: "0.0.0.0/0", ethertype: "IPv4", label: "any IPv4 (0.0.0.0/0)" });
  }

  /** Every IPv6 address: ::/0. */
  public static anyIpv6(): Peer {
    return new Peer({ kind: "cidr", cidr: "::/0", ethertype: "IPv6", label: "any IPv6 (::/0)" });
  }

  /** Members of a security group, given as the SecurityGroup resource or its id. */
  public static group(groupOrId: SecurityGroup | pulumi.Input<string>, ethertype?: Ethertype): Peer {
    // Detected without a runtime reference to SecurityGroup (which would be a circular import).
    if (pulumi.CustomResource.isInstance(groupOrId)) {
      return new Peer({
        kind: "group",
        groupId: groupOrId.id,
        ethertype,
        label: withFamily("security group (id known after deployment)", ethertype),
      });
    }
    return new Peer({
      kind: "group",
      groupId: groupOrId,
      ethertype,
      label: withFamily(`security group ${describeId(groupOrId)}`, ethertype),
    });
  }

  /** Addresses of a subnet (evroc's remote subnet), given by id. */
  public static subnet(subnetId: pulumi.Input<string>, ethertype?: Ethertype): Peer {
    return new Peer({
      kind: "subnet",
      subnetId,
      ethertype,
      label: withFamily(`subnet ${describeId(subnetId)}`, ethertype),
    });
  }

  private constructor(private readonly remote: Readonly<Remote>) {
    Object.freeze(remote);
    Object.freeze(this);
  }

  /** The rule fields for this peer; a fresh object each call, without keys for absent values. */
  public render(): PeerRule {
    const remote = this.remote;
    switch (remote.kind) {
      case "cidr":
        return { remoteIpPrefix: remote.cidr, ethertype: remote.ethertype };
      case "group":
        return remote.ethertype === undefined ? { remoteGroupId: remote.groupId } : { remoteGroupId: remote.groupId, ethertype: remote.ethertype };
      case "subnet":
        return remote.ethertype === undefined
          ? { remoteSubnetId: remote.subnetId }
          : { remoteSubnetId: remote.subnetId, ethertype: remote.ethertype };
      default: {
        const unreachable: never = remote;
        throw new Error(`unknown peer kind ${JSON.stringify(unreachable)}`);
      }
    }
  }

  /** Human-readable form, e.g. `10.0.0.0/8`, `any IPv4 (0.0.0.0/0)`, `security group sg-1 (IPv6)`. */
  public toString(): string {
    return this.remote.label;
  }
}
