#!/usr/bin/env python3
"""Oracle: what OpenStack Neutron 29 (neutron-lib 5.x) does with a security-group-rule POST body.

Run it with the venv python that scripts/neutron-venv.sh prints:

    "$(bash scripts/neutron-venv.sh)" test/oracle/neutron_rules.py < rules.jsonl

stdin: JSON Lines, one security-group-rule request body per line (the object that goes under
"security_group_rule" in `POST /v2.0/security-group-rules`; any of direction, ethertype, protocol,
port_range_min, port_range_max, remote_ip_prefix, remote_group_id, remote_address_group_id,
security_group_id, description, ...; values as a user's request body would hold them).
stdout: one JSON line per input line, in order, flushed after each line:

    {"ok": true, "rule": {direction, ethertype, protocol, port_range_min, port_range_max,
                          remote_ip_prefix, remote_group_id},       # the values Neutron stores
     "key": "<the string _rule_to_key returns>",                     # duplicate-comparison key
     "normalized_cidr": "<what the API shows as normalized_cidr>",
     "protocol_number": <_get_ip_proto_number of the stored protocol; null for any>}
    {"ok": false, "error": "<exception class name>", "message": "<str(exception)>",
     "status": <HTTP status neutron answers: api_common.convert_exception_to_http_exc with
                neutron_lib.api.faults.FAULT_MAP, as the pecan ExceptionTranslationHook does>}

Nothing here re-implements Neutron's logic: every step CALLS the installed neutron/neutron_lib code,
in the order the Neutron API server runs it for a single (non-bulk) POST. Startup (once):

  1. Which extensions are enabled: the aliases the ML2 core plugin declares
     (Ml2Plugin._supported_extension_aliases plus the class-level supported_extension_aliases of
     its MRO, e.g. StandardAttrDescriptionMixin) and those of the default service plugins
     (neutron.plugins.common.constants.DEFAULT_SERVICE_PLUGINS, loaded through the
     neutron.service_plugins entry points), plus the plugin-agnostic ones registered with
     neutron.api.extensions.register_custom_supported_check. This mirrors
     PluginAwareExtensionManager._check_extension for an ML2 server with default service_plugins
     and no mechanism-driver filtering.
  2. neutron.api.extensions.ExtensionManager loads neutron's extension directory (as the server
     does, each file as a fresh module), the unsupported ones are dropped, and
     ExtensionManager.extend_resources("2.0", neutron_lib.api.attributes.RESOURCES) runs, as
     neutron.pecan_wsgi.startup.initialize_all does. That extends the security-group extension's
     own RESOURCE_ATTRIBUTE_MAP['security_group_rules'] in place (update_attributes_map); that dict
     is what Securitygroup.get_resources hands to the controller as attr_info, so it is the map
     used here. (neutron-lib 5.x has no neutron_lib.api.definitions.security_group: the
     security-group-rule map lives in neutron/extensions/securitygroup.py; remote_address_group_id,
     description, normalized_cidr, belongs_to_default_sg, revision_number, created_at/updated_at
     come from extensions.)

Per line:

  API layer (neutron.pecan_wsgi.hooks.body_validation.BodyValidationHook.before):
    a. oslo_serialization.jsonutils.loads of the line, wrapped as {"security_group_rule": <line>}
    b. neutron.api.v2.base.Controller.prepare_request_body(context, body, is_create=True,
       "security_group_rule", attr_info, allow_bulk=True), which calls
       AttributeInfo.populate_project_id, attributes.populate_project_info(attr_info),
       AttributeInfo.verify_attributes, AttributeInfo.fill_post_defaults (defaults and required
       attributes from the map) and AttributeInfo.convert_values (each convert_to, then each
       validator), raising webob HTTPBadRequest or the converters' own exceptions.
  Plugin (ML2's SecurityGroupServerNotifierRpcMixin.create_security_group_rule ->
  SecurityGroupDbMixin.create_security_group_rule -> _create_security_group_rule(validate=True)):
    c. _validate_security_group_rule: its pure part, _validate_base_security_group_rule_attributes
       (= _make_canonical_ipv6_icmp_protocol, _make_canonical_port_range, _validate_port_range,
       _validate_ip_prefix, _validate_ethertype_and_protocol, _validate_multiple_remote_entites),
       called on a SecurityGroupDbMixin subclass instance made with object.__new__ (no database).
    d. the args dict _create_security_group_rule builds: the remote_ip_prefix through
       neutron_lib.utils.net.AuthenticIPNetwork, protocol through str(), ports through _safe_int.
       This is the one place where a few lines of neutron's glue are mirrored, because that code
       sits inline in _create_security_group_rule next to the database writes.
    e. _check_for_duplicate_rules: its pure part, _rule_to_key on the validated rule dict (the
       new-rule side of the comparison) -> "key".
    f. neutron.objects.securitygroup.SecurityGroupRule(context, **args): the versioned object's
       field coercion (UUIDField, enum fields, PortRangeWith0Field, IPNetworkField), then
       SecurityGroupRule.modify_fields_to_db(obj._get_changed_persistent_fields()), which is the
       row NeutronDbObject.create() would insert -> "rule". The API response echoes those columns.
       "normalized_cidr" is SecurityGroupDbMixin._get_normalized_cidr_from_rule of that row.

Left out because they need the database, the policy engine or the message bus:
  - the policy hook (create_security_group_rule policy, which looks the security group up) and
    the quota hook (counts rules in the DB);
  - in _validate_security_group_rule: _check_security_group(remote_group_id) (SecurityGroupNotFound
    for an unknown remote group), AddressGroupDbMixin.check_address_group(remote_address_group_id)
    (AddressGroupNotFound) and _check_security_group(security_group_id) (SecurityGroupNotFound /
    ownership);
  - the BEFORE_CREATE / PRECOMMIT_CREATE / AFTER_CREATE callbacks (mechanism drivers' checks);
  - in _check_for_duplicate_rules: get_security_group and the comparison with the rules already
    in the group (SecurityGroupRuleExists). Compare "key"s yourself to find duplicates;
  - the INSERT itself (DB constraints) and the RPC notification.
  Because the security-group lookups are skipped, a non-UUID security_group_id/remote_group_id is
  refused here by the object's UUIDField (ValueError), where a real server would first answer
  SecurityGroupNotFound.

security_group_id: the API map requires it (no default). A line without the key gets the
placeholder 00000000-0000-4000-8000-000000000000 (option --no-placeholder-sg: leave it absent, so
Neutron refuses the body). The placeholder shows up in "key". The request runs in the context of a
plain member (roles member, reader) of project "oracle-project"; not an admin.
"""

import argparse
import importlib.metadata
import json
import logging
import sys
import warnings

PLACEHOLDER_SG_ID = "00000000-0000-4000-8000-000000000000"
ORACLE_PROJECT = "oracle-project"
RULE_FIELDS = ("direction", "ethertype", "protocol", "port_range_min", "port_range_max",
               "remote_ip_prefix", "remote_group_id")


def _quiet():
    # stdout carries only the JSON lines; neutron's import-time and LOG.info chatter is muted.
    warnings.simplefilter("ignore")
    logging.disable(logging.CRITICAL)


_quiet()

try:
    import neutron  # noqa: E402,F401
    import neutron_lib  # noqa: E402,F401
except ImportError as _exc:
    sys.stderr.write("neutron_rules.py: %s; run it with the python that "
                     "scripts/neutron-venv.sh prints\n" % _exc)
    sys.exit(2)

from neutron_lib.api import attributes  # noqa: E402
from neutron_lib import context as n_context  # noqa: E402
from neutron_lib.utils import net  # noqa: E402
from oslo_serialization import jsonutils  # noqa: E402
from oslo_utils import uuidutils  # noqa: E402
from neutron_lib.api import faults  # noqa: E402
import webob.exc  # noqa: E402

from neutron._i18n import _  # noqa: E402
from neutron.api import api_common  # noqa: E402
from neutron.api import extensions as n_extensions  # noqa: E402
from neutron.common import config as n_config  # noqa: E402
from neutron.api.v2 import base as v2_base  # noqa: E402
from neutron.db import securitygroups_db  # noqa: E402
from neutron.objects import securitygroup as sg_obj  # noqa: E402
from neutron.plugins.common import constants as plugin_constants  # noqa: E402
from neutron.plugins.ml2 import plugin as ml2_plugin  # noqa: E402

_quiet()  # importing neutron may have reset warning filters


def _class_aliases(cls):
    """Class-level supported_extension_aliases over the MRO (properties skipped), as
    PluginAwareExtensionManager.get_plugin_supported_extension_aliases does."""
    aliases = set()
    for item in cls.__mro__:
        value = item.__dict__.get("supported_extension_aliases")
        if isinstance(value, (list, tuple, set, frozenset)):
            aliases |= set(value)
    return aliases


def supported_aliases():
    aliases = set(ml2_plugin.Ml2Plugin._supported_extension_aliases)
    aliases |= _class_aliases(ml2_plugin.Ml2Plugin)
    eps = importlib.metadata.entry_points(group="neutron.service_plugins")
    for name in plugin_constants.DEFAULT_SERVICE_PLUGINS:
        for ep in eps.select(name=name):
            aliases |= _class_aliases(ep.load())
    return aliases


def build_attr_info():
    """The security_group_rules attribute map after the server's extend_resources."""
    n_config.register_common_config_options()
    # An empty configuration (no file, no argument): every option at its default, so that the
    # policy engine the request context consults runs with its default rules.
    n_config.cfg.CONF(args=[], project="neutron", default_config_files=[],
                      default_config_dirs=[])
    mgr = n_extensions.ExtensionManager(n_extensions.get_extensions_path())
    enabled = supported_aliases()
    enabled |= {alias for alias, check in n_extensions.EXTENSION_SUPPORTED_CHECK_MAP.items()
                if check()}
    for alias in list(mgr.extensions):
        if alias not in enabled:
            del mgr.extensions[alias]
    mgr.extend_resources("2.0", attributes.RESOURCES)
    sg_ext = mgr.extensions["security-group"]
    # The map Securitygroup.get_resources passes to base.create_resource as the controller's
    # attr_info: the extension module's own RESOURCE_ATTRIBUTE_MAP, extended in place.
    ext_map = type(sg_ext).get_resources.__func__.__globals__["RESOURCE_ATTRIBUTE_MAP"]
    attr_info = ext_map["security_group_rules"]
    contributing = sorted(
        alias for alias, ext in mgr.extensions.items()
        if "security_group_rules" in (ext.get_extended_resources("2.0") or {}))
    return attr_info, contributing


class _OraclePlugin(securitygroups_db.SecurityGroupDbMixin):
    """SecurityGroupDbMixin without a database: only its pure methods are called."""


PLUGIN = object.__new__(_OraclePlugin)
ATTR_INFO, CONTRIBUTING_EXTENSIONS = build_attr_info()
# A plain project member, as keystonemiddleware would describe one; is_admin, service role and
# can_set_project_id come from neutron-lib's policy engine with its default rules.
CONTEXT = n_context.Context(user_id="oracle-user", project_id=ORACLE_PROJECT,
                            roles=["member", "reader"])


def _jsonable(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(_jsonable(v) for v in value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def evaluate(raw_line, placeholder_sg=True):
    """One request body through neutron; returns the output record (a dict)."""
    # a. the body as BodyValidationHook reads it (its inline try/except, mirrored).
    try:
        rule_body = jsonutils.loads(raw_line)
    except ValueError:
        raise webob.exc.HTTPBadRequest(_("Body contains invalid data"))
    if placeholder_sg and isinstance(rule_body, dict) and "security_group_id" not in rule_body:
        rule_body["security_group_id"] = PLACEHOLDER_SG_ID
    body = {"security_group_rule": rule_body}

    # b. API layer.
    body = v2_base.Controller.prepare_request_body(
        CONTEXT, body, True, "security_group_rule", ATTR_INFO, allow_bulk=True)

    # The pecan controller hands {resource: data} to plugin.create_security_group_rule.
    security_group_rule = {"security_group_rule": body["security_group_rule"]}
    rule_dict = security_group_rule["security_group_rule"]

    # c. _validate_security_group_rule, pure part (DB look-ups skipped; see the docstring).
    PLUGIN._validate_base_security_group_rule_attributes(rule_dict)

    # d. the args of _create_security_group_rule (inline glue there, mirrored).
    remote_ip_prefix = rule_dict.get("remote_ip_prefix")
    if remote_ip_prefix:
        remote_ip_prefix = net.AuthenticIPNetwork(remote_ip_prefix)
    protocol = rule_dict.get("protocol")
    if protocol:
        protocol = str(protocol)
    args = {
        "id": (rule_dict.get("id") or uuidutils.generate_uuid()),
        "project_id": rule_dict["project_id"],
        "security_group_id": rule_dict["security_group_id"],
        "direction": rule_dict["direction"],
        "remote_group_id": rule_dict.get("remote_group_id"),
        "remote_address_group_id": rule_dict.get("remote_address_group_id"),
        "ethertype": rule_dict["ethertype"],
        "protocol": protocol,
        "remote_ip_prefix": remote_ip_prefix,
        "description": rule_dict.get("description"),
    }
    port_range_min = PLUGIN._safe_int(rule_dict["port_range_min"])
    if port_range_min is not None:
        args["port_range_min"] = port_range_min
    port_range_max = PLUGIN._safe_int(rule_dict["port_range_max"])
    if port_range_max is not None:
        args["port_range_max"] = port_range_max

    # e. _check_for_duplicate_rules, pure part: the key of the new rule.
    key = PLUGIN._rule_to_key(rule_dict)

    # f. the versioned object and the row it would insert.
    obj = sg_obj.SecurityGroupRule(CONTEXT, **args)
    row = sg_obj.SecurityGroupRule.modify_fields_to_db(obj._get_changed_persistent_fields())
    stored = {name: _jsonable(row.get(name)) for name in RULE_FIELDS}

    class _Row:  # what _get_normalized_cidr_from_rule reads from a DB row
        remote_ip_prefix = row.get("remote_ip_prefix")

    normalized_cidr = securitygroups_db.SecurityGroupDbMixin._get_normalized_cidr_from_rule(_Row)
    # g. the IP protocol number the stored protocol means (None: any), as neutron reads it back.
    protocol_number = PLUGIN._get_ip_proto_number(stored["protocol"])
    return {"ok": True, "rule": stored, "key": _jsonable(key),
            "normalized_cidr": _jsonable(normalized_cidr), "protocol_number": protocol_number}


def evaluate_safely(raw_line, placeholder_sg=True):
    try:
        return evaluate(raw_line, placeholder_sg)
    except Exception as exc:  # noqa: BLE001 - every refusal is a result
        try:
            message = str(exc)
        except Exception:  # noqa: BLE001
            message = repr(exc)
        record = {"ok": False, "error": type(exc).__name__, "message": message}
        try:  # the HTTP status neutron's ExceptionTranslationHook would answer with
            record["status"] = api_common.convert_exception_to_http_exc(
                exc, faults.FAULT_MAP, None).code
        except Exception:  # noqa: BLE001
            pass
        return record


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--no-placeholder-sg", action="store_true",
                        help="do not fill a missing security_group_id (Neutron then refuses)")
    parser.add_argument("--describe", action="store_true",
                        help="print the extensions and attribute map used, then exit")
    args = parser.parse_args(argv)
    out = sys.stdout
    if args.describe:
        out.write(json.dumps({
            "neutron": importlib.metadata.version("neutron"),
            "neutron_lib": importlib.metadata.version("neutron-lib"),
            "extensions_extending_security_group_rules": CONTRIBUTING_EXTENSIONS,
            "attributes": {name: _jsonable({k: (getattr(v, "__qualname__", v) if callable(v) else v)
                                            for k, v in spec.items()})
                           for name, spec in sorted(ATTR_INFO.items())},
        }, indent=2, sort_keys=True) + "\n")
        return 0
    placeholder_sg = not args.no_placeholder_sg
    read = sys.stdin.buffer.readline
    while True:
        line = read()
        if not line:
            break
        line = line.rstrip(b"\r\n")
        record = evaluate_safely(line, placeholder_sg)
        out.write(json.dumps(record, sort_keys=True) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # the reader went away (e.g. `| head`): stop quietly
        sys.stderr.close()
        sys.exit(0)
