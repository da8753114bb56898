/**
 * The `secgroups` provider plugin: the same resource implementations the dynamic provider serves
 * (lifecycle.ts), served to the engine as an ordinary resource provider with the type tokens
 * `secgroups:index:<Type>`, so programs in any Pulumi language (YAML, Python, …) can use them.
 *
 * The engine starts it through the Node language host's RunPlugin (plugin/PulumiPlugin.yaml), with
 * the program's directory as working directory and the engine's address as the first argument;
 * it prints its port and serves until the engine goes (or stops answering: watchEngine).
 *
 * What differs from the dynamic provider: the URN comes with each request (the dynamic resources'
 * SDK sends it as the input `managedBy`; here it is added to the inputs at check), a name left out
 * is the resource's name as the TypeScript SDK defaults it, and configuration comes through
 * Configure under the package's namespace (`secgroups:backend`, … as in the stack's config).
 */
import * as grpc from "@grpc/grpc-js";
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import * as plugproto from "@pulumi/pulumi/proto/plugin_pb";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { unwrapRpcSecret } from "@pulumi/pulumi/runtime/rpc";
import { configure as configureContext } from "../context";
import { implementation } from "../index";
import type { EngineProvider } from "../lifecycle";
import { SETTING_KEYS, type RawConfig } from "../settings";
import { watchEngine } from "../watchEngine";
import { SecgroupsError } from "../errors";
import { showValue } from "../text";
import { PACKAGE, packageSchema, packageVersion, PLUGIN_TYPES, tokenOf, typeOfToken, type PluginType } from "./packageSchema";

type Props = Record<string, unknown>;
type Callback<T> = (err: grpc.ServiceError | null, value?: T | null) => void;
interface Call<Req> {
  request: Req;
}

/** The types whose `name` input defaults to the resource's name (as the TypeScript SDK does it). */
const NAMED: ReadonlySet<PluginType> = new Set(["SecurityGroup", "Network", "Server"]);

/** The type token and the resource name of a URN (`urn:pulumi:STACK::PROJECT::PARENT$TYPE::NAME`). */
export function parseUrn(urn: string): { token: string; name: string } {
  const parts = urn.split("::");
  if (parts.length < 4) {
    throw new SecgroupsError("SG_INVALID_INPUT", {
      property: "urn",
      problem: `the engine sent ${showValue(urn)}, which is not a resource URN`,
      value: urn,
      allowed: "urn:pulumi:STACK::PROJECT::TYPE::NAME",
      fix: "run the program with the Pulumi CLI, which sends every resource's URN",
    });
  }
  const qualified = parts[2]!;
  return { token: qualified.slice(qualified.lastIndexOf("$") + 1), name: parts.slice(3).join("::") };
}

/** The implementation for a URN's type, and its type; an error for a token this plugin does not serve. */
export function providerFor(urn: string): { type: PluginType; impl: EngineProvider; name: string } {
  const { token, name } = parseUrn(urn);
  const type = typeOfToken(token);
  if (!type) {
    throw new SecgroupsError("SG_INVALID_INPUT", {
      property: "type",
      problem: `the ${PACKAGE} provider has no resource type ${showValue(token)}`,
      value: token,
      allowed: PLUGIN_TYPES.map(tokenOf).join(", "),
      fix: "use one of the package's resource types (the package schema lists them: pulumi package get-schema)",
    });
  }
  return { type, impl: implementation(type), name };
}

/** The provider configuration as the settings read it: `backend` → `secgroups:backend`, secrets unwrapped. */
export function rawConfigOf(args: Props, variables: ReadonlyMap<string, string>): RawConfig {
  const raw: RawConfig = {};
  for (const k of Object.values(SETTING_KEYS)) {
    const short = k.config.slice(PACKAGE.length + 1);
    let value: unknown = unwrapRpcSecret(args[short]);
    if (value === undefined) value = variables.get(`${PACKAGE}:config:${short}`) ?? variables.get(k.config);
    if (value !== undefined && value !== null) raw[k.config] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return raw;
}

/** An error as the engine shows it: our message only (a SecgroupsError says everything; no stack). */
function failure(err: unknown): grpc.ServiceError {
  const message = err instanceof Error ? err.message : String(err);
  return Object.assign(new Error(message), { code: grpc.status.UNKNOWN, details: message, metadata: new grpc.Metadata() });
}

function struct(value: Props): structproto.Struct {
  return structproto.Struct.fromJavaScript(value as Record<string, structproto.JavaScriptValue>);
}

/** Runs `work`, answering with its result or its error. */
function answer<T>(callback: Callback<T>, work: () => Promise<T>): void {
  work().then(
    (value) => callback(null, value),
    (err: unknown) => callback(failure(err)),
  );
}

function unimplemented(what: string): grpc.ServiceError {
  return Object.assign(new Error(`${what} is not implemented by the ${PACKAGE} provider`), {
    code: grpc.status.UNIMPLEMENTED,
    details: `${what} is not implemented by the ${PACKAGE} provider`,
    metadata: new grpc.Metadata(),
  });
}

/** The gRPC service: one instance per plugin process. */
export class SecgroupsProviderService {
  private configured = false;

  private ensureConfigured(): void {
    if (!this.configured) this.applyConfig({}, new Map());
  }

  private applyConfig(args: Props, variables: ReadonlyMap<string, string>): void {
    configureContext(rawConfigOf(args, variables));
    this.configured = true;
  }

  getSchema(_call: Call<provproto.GetSchemaRequest>, callback: Callback<provproto.GetSchemaResponse>): void {
    answer(callback, async () => {
      const resp = new provproto.GetSchemaResponse();
      resp.setSchema(JSON.stringify(packageSchema()));
      return resp;
    });
  }

  getPluginInfo(_call: unknown, callback: Callback<plugproto.PluginInfo>): void {
    const resp = new plugproto.PluginInfo();
    resp.setVersion(packageVersion());
    callback(null, resp);
  }

  checkConfig(call: Call<provproto.CheckRequest>, callback: Callback<provproto.CheckResponse>): void {
    const resp = new provproto.CheckResponse();
    resp.setInputs(call.request.getNews());
    callback(null, resp);
  }

  diffConfig(_call: unknown, callback: Callback<provproto.DiffResponse>): void {
    const resp = new provproto.DiffResponse();
    resp.setChanges(provproto.DiffResponse.DiffChanges.DIFF_NONE);
    callback(null, resp);
  }

  configure(call: Call<provproto.ConfigureRequest>, callback: Callback<provproto.ConfigureResponse>): void {
    answer(callback, async () => {
      const variables = new Map<string, string>();
      call.request.getVariablesMap().forEach((v: string, k: string) => variables.set(k, v));
      this.applyConfig((call.request.getArgs()?.toJavaScript() ?? {}) as Props, variables);
      const resp = new provproto.ConfigureResponse();
      // As the dynamic provider: values arrive plain, outputs are not marked secret.
      resp.setAcceptsecrets(false);
      resp.setSupportspreview(false);
      return resp;
    });
  }

  check(call: Call<provproto.CheckRequest>, callback: Callback<provproto.CheckResponse>): void {
    answer(callback, async () => {
      this.ensureConfigured();
      const req = call.request;
      const urn = req.getUrn();
      const { type, impl, name } = providerFor(urn);
      const olds = (req.getOlds()?.toJavaScript() ?? {}) as Props;
      const news: Props = { ...((req.getNews()?.toJavaScript() ?? {}) as Props), managedBy: urn };
      if (NAMED.has(type) && news.name === undefined) news.name = name;
      const result = await impl.check(olds, news);
      const resp = new provproto.CheckResponse();
      resp.setInputs(struct((result.inputs ?? news) as Props));
      resp.setFailuresList(
        (result.failures ?? []).map((f) => {
          const out = new provproto.CheckFailure();
          out.setProperty(f.property);
          out.setReason(f.reason);
          return out;
        }),
      );
      return resp;
    });
  }

  diff(call: Call<provproto.DiffRequest>, callback: Callback<provproto.DiffResponse>): void {
    answer(callback, async () => {
      this.ensureConfigured();
      const req = call.request;
      const { impl } = providerFor(req.getUrn());
      const result = await impl.diff(req.getId(), (req.getOlds()?.toJavaScript() ?? {}) as Props, (req.getNews()?.toJavaScript() ?? {}) as Props);
      const resp = new provproto.DiffResponse();
      resp.setChanges(
        result.changes === true
          ? provproto.DiffResponse.DiffChanges.DIFF_SOME
          : result.changes === false
            ? provproto.DiffResponse.DiffChanges.DIFF_NONE
            : provproto.DiffResponse.DiffChanges.DIFF_UNKNOWN,
      );
      resp.setReplacesList(result.replaces ?? []);
      resp.setStablesList(result.stables ?? []);
      resp.setDeletebeforereplace(result.deleteBeforeReplace ?? false);
      return resp;
    });
  }

  create(call: Call<provproto.CreateRequest>, callback: Callback<provproto.CreateResponse>): void {
    answer(callback, async () => {
      this.ensureConfigured();
      const req = call.request;
      const { impl } = providerFor(req.getUrn());
      const result = await impl.create((req.getProperties()?.toJavaScript() ?? {}) as Props);
      const resp = new provproto.CreateResponse();
      resp.setId(result.id);
      resp.setProperties(struct((result.outs ?? {}) as Props));
      return resp;
    });
  }

  read(call: Call<provproto.ReadRequest>, callback: Callback<provproto.ReadResponse>): void {
    answer(callback, async () => {
      this.ensureConfigured();
      const req = call.request;
      const { impl } = providerFor(req.getUrn());
      let props = (req.getProperties()?.toJavaScript() ?? {}) as Props;
      if (Object.keys(props).length === 0 && req.getInputs()) props = req.getInputs()!.toJavaScript() as Props;
      const result = await impl.read(req.getId(), props);
      const resp = new provproto.ReadResponse();
      resp.setId(result.id ?? "");
      if (result.id) {
        resp.setProperties(struct((result.props ?? {}) as Props));
        if (result.inputs) resp.setInputs(struct(result.inputs as Props));
      }
      return resp;
    });
  }

  update(call: Call<provproto.UpdateRequest>, callback: Callback<provproto.UpdateResponse>): void {
    answer(callback, async () => {
      this.ensureConfigured();
      const req = call.request;
      const { impl } = providerFor(req.getUrn());
      const result = await impl.update(req.getId(), (req.getOlds()?.toJavaScript() ?? {}) as Props, (req.getNews()?.toJavaScript() ?? {}) as Props);
      const resp = new provproto.UpdateResponse();
      resp.setProperties(struct((result.outs ?? {}) as Props));
      return resp;
    });
  }

  delete(call: Call<provproto.DeleteRequest>, callback: Callback<emptyproto.Empty>): void {
    answer(callback, async () => {
      this.ensureConfigured();
      const req = call.request;
      const { impl } = providerFor(req.getUrn());
      await impl.delete(req.getId(), (req.getProperties()?.toJavaScript() ?? {}) as Props);
      return new emptyproto.Empty();
    });
  }

  cancel(_call: unknown, callback: Callback<emptyproto.Empty>): void {
    callback(null, new emptyproto.Empty());
  }

  attach(_call: unknown, callback: Callback<emptyproto.Empty>): void {
    callback(null, new emptyproto.Empty());
  }

  invoke(call: Call<provproto.InvokeRequest>, callback: Callback<provproto.InvokeResponse>): void {
    callback(unimplemented(`the function ${call.request.getTok()}`));
  }
}

/** The method names the service answers itself; every other method of the protocol is UNIMPLEMENTED. */
const IMPLEMENTED = [
  "getSchema",
  "getPluginInfo",
  "checkConfig",
  "diffConfig",
  "configure",
  "check",
  "diff",
  "create",
  "read",
  "update",
  "delete",
  "cancel",
  "attach",
  "invoke",
];

/** Starts the plugin: serves on a loopback port and prints it, as the engine expects. */
export async function main(args: readonly string[]): Promise<void> {
  const engine = args[0];
  if (!engine) {
    process.stderr.write(`${PACKAGE} provider: started without the engine's address (the engine starts this plugin)\n`);
    process.exit(2);
  }
  watchEngine(engine);
  const service = new SecgroupsProviderService();
  const handlers: Record<string, unknown> = {};
  for (const method of Object.keys(provrpc.ResourceProviderService)) {
    const name = method.charAt(0).toLowerCase() + method.slice(1);
    handlers[name] = IMPLEMENTED.includes(name)
      ? (service as unknown as Record<string, (...a: unknown[]) => void>)[name]!.bind(service)
      : (call: unknown, callback?: Callback<unknown>) => {
          if (typeof callback === "function") callback(unimplemented(method));
          else (call as { emit(e: string, v: unknown): void }).emit("error", unimplemented(method));
        };
  }
  const server = new grpc.Server({ "grpc.max_receive_message_length": 400 * 1024 * 1024 });
  server.addService(provrpc.ResourceProviderService, handlers as unknown as grpc.UntypedServiceImplementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  process.stdout.write(`${port}\n`);
}
