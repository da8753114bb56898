"""Seed 002 (Rackspace Cloud Networks, "Using security groups") in Python, on the profile rackspace.

The same cloud as examples/rackspace (TypeScript), through the secgroups provider plugin:
  - groups only after boot: the Server has no security_group_ids; each group comes with a
    ServerAttachment, which waits until the server is ACTIVE;
  - at most five groups per network per server: five on PublicNet; `pulumi config set sixthGroup
    true` makes `pulumi preview` fail with SG_LIMIT_GROUPS_PER_PORT before anything changes;
  - outbound rules (API only at Rackspace): the `outbound` group's egress rule.
Each group lists its rules (`rules`), where the TypeScript program calls allowIngress.
"""
import pulumi
import pulumi_secgroups as secgroups

config = pulumi.Config()
admin_cidr = config.get("adminCidr") or "192.0.2.0/24"


def rule(protocol, port=None, cidr="0.0.0.0/0", direction="ingress", code=None):
    """One inline rule: `port` a TCP/UDP port (or the ICMP type, with `code`), from `cidr`."""
    low, high = (port, code if code is not None else port) if port is not None else (None, None)
    return secgroups.InlineRuleArgs(
        direction=direction, protocol=protocol, port_range_min=low, port_range_max=high, remote_ip_prefix=cidr
    )


# The server: a port on each of Rackspace's two networks. boot_seconds simulates the boot.
web = secgroups.Server("web-1", networks=["PublicNet", "ServiceNet"], boot_seconds=1)

# Five groups for the PublicNet port, one concern each.
public_net = [
    ("ssh-from-admin", "SSH from the admin network", rule("tcp", 22, admin_cidr)),
    ("http", "HTTP from anywhere", rule("tcp", 80)),
    ("https", "HTTPS from anywhere", rule("tcp", 443)),
    ("ping", "ICMP echo request from anywhere", rule("icmp", 8, code=0)),
    ("outbound", "All outbound IPv4 traffic (API only at Rackspace)", rule("any", direction="egress")),
]
if config.get_bool("sixthGroup"):
    public_net.append(("alt-http", "HTTP on 8080 from anywhere", rule("tcp", 8080)))

groups = []
attachments = []
for name, description, only_rule in public_net:
    group = secgroups.SecurityGroup(name, description=description, rules=[only_rule])
    attachments.append(
        secgroups.ServerAttachment(f"web-1-{name}", server_id=web.id, security_group_id=group.id, network="PublicNet")
    )
    groups.append(group)

# One group on ServiceNet, Rackspace's internal network (10.176.0.0/12).
internal = secgroups.SecurityGroup(
    "servicenet-internal", description="TCP from ServiceNet", rules=[rule("tcp", cidr="10.176.0.0/12")]
)
internal_attachment = secgroups.ServerAttachment(
    "web-1-servicenet-internal", server_id=web.id, security_group_id=internal.id, network="ServiceNet"
)

pulumi.export(
    "server",
    {
        "id": web.id,
        "name": web.name,
        "status": web.status,
        "ports": web.ports.apply(lambda ports: [{"networkId": p.network_id, "fixedIp": p.fixed_ip} for p in ports]),
    },
)
pulumi.export("publicNetGroups", [g.name for g in groups])
pulumi.export("publicNetAttachmentPorts", [a.port_ids.apply(len) for a in attachments])
pulumi.export("serviceNetGroups", [internal.name])
pulumi.export("serviceNetAttachmentPorts", internal_attachment.port_ids.apply(len))
