/**
 * The Pulumi package schema of the `secgroups` provider plugin, derived from schema.json (the one
 * description of every resource's inputs and outputs): `pulumi package add` and the YAML and
 * Python language hosts read it through GetSchema to type programs and generate SDKs.
 *
 * schema.json's `<Type>Inputs` and `<Type>Outputs` definitions become the resource
 * `secgroups:index:<Type>`; an object definition they refer to becomes the type
 * `secgroups:index:<Definition>`; a string definition (ProjectName, ManagedBy, ImportId) is inlined.
 * Ranges, patterns and enums stay in the provider's check, which reports them with codes at preview.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { loadSchema, schemaPath } from "../schema";
import { DEFAULT_PROFILE, DEFAULT_PROJECT, SETTING_KEYS } from "../settings";
import { BUILTIN_PROFILES } from "../profileLoader";
import { PLUGIN_TYPE_PREFIX, RESOURCE_TYPES, resourceTypeOf, type ResourceType } from "../domain/plan";

/** The package name: the first part of every type token. */
export const PACKAGE = PLUGIN_TYPE_PREFIX.split(":")[0]!;

/** The resource types the plugin serves: every type, as named in schema.json and in the type tokens. */
export const PLUGIN_TYPES = RESOURCE_TYPES;
export type PluginType = ResourceType;

/** `secgroups:index:<Type>` (also for an object type of the schema). */
export function tokenOf(type: string): string {
  return `${PLUGIN_TYPE_PREFIX}${type}`;
}

/** The resource type a plugin type token names, or undefined for a token of another package (or the dynamic provider's). */
export function typeOfToken(token: string): PluginType | undefined {
  return token.startsWith(PLUGIN_TYPE_PREFIX) ? resourceTypeOf(token) : undefined;
}

interface JsonSchema {
  type?: string | string[];
  $ref?: string;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
}

interface PulumiProperty {
  type?: string;
  $ref?: string;
  items?: PulumiProperty;
  oneOf?: PulumiProperty[];
  description?: string;
  default?: unknown;
  secret?: boolean;
}

const SCALARS: Record<string, string> = { string: "string", integer: "integer", number: "number", boolean: "boolean" };

/** The Pulumi schema of one schema.json property; `types` collects the object types it refers to. */
function propertyOf(p: JsonSchema, definitions: Record<string, JsonSchema>, types: Map<string, JsonSchema>): PulumiProperty {
  const described = (q: PulumiProperty): PulumiProperty => {
    const out: PulumiProperty = { ...q };
    const description = p.description ?? q.description;
    if (description) out.description = description + (p.enum ? ` One of: ${p.enum.map((v) => JSON.stringify(v)).join(", ")}.` : "");
    if (p.default !== undefined && ["string", "integer", "number", "boolean"].includes(out.type ?? "")) out.default = p.default;
    return out;
  };
  if (p.$ref) {
    // #/definitions/X, or a pointer into one (#/definitions/X/properties/y).
    const [name, ...rest] = p.$ref.replace("#/definitions/", "").split("/");
    let target: JsonSchema | undefined = definitions[name!];
    for (const part of rest) target = (target as Record<string, JsonSchema> | undefined)?.[part];
    if (!target) throw new Error(`schema.json: ${p.$ref} names nothing`);
    if (rest.length) return described(propertyOf(target, definitions, types));
    if (target.type === "object") {
      types.set(name, target);
      return described({ $ref: `#/types/${tokenOf(name)}` });
    }
    return described(propertyOf(target, definitions, types));
  }
  if (Array.isArray(p.type)) return described({ oneOf: p.type.map((t) => ({ type: SCALARS[t] ?? "string" })) });
  if (p.type === "array") return described({ type: "array", items: propertyOf(p.items ?? {}, definitions, types) });
  if (p.type === "object") return described({ type: "object", additionalProperties: { type: "string" } } as PulumiProperty);
  return described({ type: SCALARS[p.type ?? "string"] ?? "string" });
}

function propertiesOf(def: JsonSchema, definitions: Record<string, JsonSchema>, types: Map<string, JsonSchema>): Record<string, PulumiProperty> {
  const out: Record<string, PulumiProperty> = {};
  for (const [name, p] of Object.entries(def.properties ?? {})) out[name] = propertyOf(p, definitions, types);
  return out;
}

/** What each provider setting means, for the schema's config and provider inputs. */
const SETTING_DESCRIPTIONS: Record<keyof typeof SETTING_KEYS, string> = {
  backend:
    "The state backend: sqlite:PATH (default: .secgroups/cloud.db in the program's directory), postgres://USER@HOST:PORT/DATABASE, openstack or openstack://CLOUD. Environment: SECGROUPS_BACKEND.",
  profile: `The cloud profile: a built-in one (${Object.keys(BUILTIN_PROFILES).join(", ")}; default ${DEFAULT_PROFILE}) or a profile file's path. Environment: ${SETTING_KEYS.profile.env}.`,
  project: `The project (tenant) resources go to when they name none. Default: ${DEFAULT_PROJECT}. Environment: ${SETTING_KEYS.project.env}.`,
  backendPassword: "The backend's password (PostgreSQL, or Keystone for openstack); set it as a secret. Environment: PGPASSWORD for PostgreSQL.",
};

/** The version the plugin reports: the package's. */
export function packageVersion(): string {
  return JSON.parse(fs.readFileSync(path.join(path.dirname(schemaPath()), "package.json"), "utf8")).version;
}

/** The package schema (a JSON-serialisable object). */
export function packageSchema(): Record<string, unknown> {
  const definitions = loadSchema().definitions as Record<string, JsonSchema>;
  const types = new Map<string, JsonSchema>();
  const resources: Record<string, unknown> = {};
  for (const type of PLUGIN_TYPES) {
    const inputs = definitions[`${type}Inputs`];
    const outputs = definitions[`${type}Outputs`];
    if (!inputs || !outputs) throw new Error(`schema.json has no ${type}Inputs or ${type}Outputs`);
    const inputProperties = propertiesOf(inputs, definitions, types);
    // The import option is the engine's own for a plugin resource (no importId input needed).
    delete inputProperties.importId;
    const properties = propertiesOf(outputs, definitions, types);
    resources[tokenOf(type)] = {
      description: inputs.description ?? "",
      inputProperties,
      requiredInputs: (inputs.required ?? []).filter((k) => k in inputProperties),
      properties,
      required: (outputs.required ?? []).filter((k) => k in properties),
    };
  }
  // Object types, including those the types themselves refer to.
  const typeSchemas: Record<string, unknown> = {};
  for (let done = 0; done !== types.size;) {
    done = types.size;
    for (const [name, def] of [...types]) {
      if (typeSchemas[tokenOf(name)]) continue;
      typeSchemas[tokenOf(name)] = {
        type: "object",
        description: def.description ?? "",
        properties: propertiesOf(def, definitions, types),
        required: def.required ?? [],
      };
    }
  }
  const settings: Record<string, PulumiProperty> = {};
  for (const key of Object.keys(SETTING_KEYS) as (keyof typeof SETTING_KEYS)[]) {
    settings[key] = { type: "string", description: SETTING_DESCRIPTIONS[key], ...(key === "backendPassword" ? { secret: true } : {}) };
  }
  return {
    name: PACKAGE,
    displayName: "Security groups",
    version: packageVersion(),
    description: "Security groups, their rules and their attachments to servers, with real clouds' limits checked at preview and apply.",
    license: "Apache-2.0",
    keywords: ["category/network", "kind/native"],
    config: { variables: settings },
    provider: { description: "The secgroups provider: where its state lives and which cloud's rules it enforces.", inputProperties: settings },
    resources,
    types: typeSchemas,
    language: { python: { packageName: "pulumi_secgroups" }, nodejs: { packageName: "@pulumi-secgroups/sdk" } },
  };
}
