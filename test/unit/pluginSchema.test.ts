import { describe, expect, it } from "vitest";
import { loadSchema } from "../../provider/schema";
import { PLUGIN_TYPES, packageSchema, tokenOf, typeOfToken } from "../../provider/plugin/packageSchema";
import { parseUrn, providerFor, rawConfigOf } from "../../provider/plugin/server";
import { SecgroupsError } from "../../provider/errors";

type Def = { properties?: Record<string, unknown>; required?: string[] };
const definitions = loadSchema().definitions as Record<string, Def>;
const schema = packageSchema() as {
  name: string;
  config: { variables: Record<string, { secret?: boolean }> };
  resources: Record<
    string,
    { inputProperties: Record<string, unknown>; requiredInputs: string[]; properties: Record<string, unknown>; required: string[] }
  >;
  types: Record<string, { properties: Record<string, unknown> }>;
};

describe("the plugin's package schema, derived from schema.json", () => {
  it("has one resource per type, with schema.json's inputs (but importId) and outputs", () => {
    expect(schema.name).toBe("secgroups");
    expect(Object.keys(schema.resources)).toStrictEqual(PLUGIN_TYPES.map(tokenOf));
    for (const type of PLUGIN_TYPES) {
      const r = schema.resources[tokenOf(type)]!;
      const inputs = Object.keys(definitions[`${type}Inputs`]!.properties!).filter((k) => k !== "importId");
      expect(Object.keys(r.inputProperties)).toStrictEqual(inputs);
      expect(Object.keys(r.properties)).toStrictEqual(Object.keys(definitions[`${type}Outputs`]!.properties!));
      expect(r.requiredInputs).toStrictEqual(definitions[`${type}Inputs`]!.required ?? []);
    }
    expect(schema.resources["secgroups:index:SecurityGroupRule"]!.requiredInputs).toStrictEqual(["securityGroupId"]);
  });

  it("names object types and refers to them; unions and defaults carried over", () => {
    expect(Object.keys(schema.types).sort()).toStrictEqual([
      "secgroups:index:InlineRule",
      "secgroups:index:ServerPort",
      "secgroups:index:UnmanagedRule",
    ]);
    expect(schema.types["secgroups:index:InlineRule"]!.properties.direction).toMatchObject({ type: "string", default: "ingress" });
    expect(schema.resources["secgroups:index:Server"]!.properties.ports).toMatchObject({
      type: "array",
      items: { $ref: "#/types/secgroups:index:ServerPort" },
    });
    expect(schema.resources["secgroups:index:SecurityGroupRule"]!.inputProperties.protocol).toMatchObject({
      oneOf: [{ type: "string" }, { type: "integer" }],
    });
    expect(schema.resources["secgroups:index:SecurityGroup"]!.inputProperties.stateful).toMatchObject({ type: "boolean", default: true });
    expect(schema.resources["secgroups:index:SecurityGroup"]!.inputProperties.project).toMatchObject({ type: "string" });
  });

  it("configures backend, profile, project and a secret backendPassword", () => {
    expect(Object.keys(schema.config.variables)).toStrictEqual(["backend", "profile", "project", "backendPassword"]);
    expect(schema.config.variables.backendPassword!.secret).toBe(true);
    expect(schema.config.variables.backend!.secret).toBeUndefined();
  });
});

describe("the plugin's request plumbing", () => {
  it("reads the type token and name of a URN, also under a parent", () => {
    expect(parseUrn("urn:pulumi:dev::app::secgroups:index:SecurityGroup::web")).toStrictEqual({
      token: "secgroups:index:SecurityGroup",
      name: "web",
    });
    expect(parseUrn("urn:pulumi:dev::app::my:index:Tier$secgroups:index:SecurityGroupRule::web::ssh")).toStrictEqual({
      token: "secgroups:index:SecurityGroupRule",
      name: "web::ssh",
    });
    expect(typeOfToken("secgroups:index:Network")).toBe("Network");
    expect(typeOfToken("secgroups:index:Nope")).toBeUndefined();
    expect(typeOfToken("aws:index:Network")).toBeUndefined();
    expect(() => parseUrn("web")).toThrow(
      'SG_INVALID_INPUT: the engine sent "web", which is not a resource URN (property urn, got "web"); allowed: urn:pulumi:STACK::PROJECT::TYPE::NAME; fix: run the program with the Pulumi CLI, which sends every resource\'s URN',
    );
  });

  it("refuses a type token it does not serve with SG_INVALID_INPUT naming the types it does", () => {
    let err: unknown;
    try {
      providerFor("urn:pulumi:dev::app::secgroups:index:Firewall::fw");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SecgroupsError);
    expect((err as SecgroupsError).code).toBe("SG_INVALID_INPUT");
    expect((err as SecgroupsError).message).toBe(
      'SG_INVALID_INPUT: the secgroups provider has no resource type "secgroups:index:Firewall" (property type, got "secgroups:index:Firewall"); ' +
        "allowed: secgroups:index:Network, secgroups:index:SecurityGroup, secgroups:index:SecurityGroupRule, secgroups:index:Server, secgroups:index:ServerAttachment; " +
        "fix: use one of the package's resource types (the package schema lists them: pulumi package get-schema)",
    );
    expect(providerFor("urn:pulumi:dev::app::secgroups:index:Server::vm").type).toBe("Server");
  });

  it("takes the provider's configuration from its arguments, else its variables, secrets unwrapped", () => {
    const secret = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "s3cret" };
    expect(rawConfigOf({ backend: "sqlite:/x.db", backendPassword: secret }, new Map([["secgroups:config:profile", "rackspace"]]))).toStrictEqual({
      "secgroups:backend": "sqlite:/x.db",
      "secgroups:profile": "rackspace",
      "secgroups:backendPassword": "s3cret",
    });
    expect(rawConfigOf({}, new Map())).toStrictEqual({});
  });
});
