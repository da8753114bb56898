/**
 * Our Node.js language host (tools/pulumi-cli/language-nodejs) under the real engine, for every
 * kind of input the engine sends: no config at all, config with secrets, a `main:` directory, a
 * TypeScript program with and without tsconfig.json (and with `runtime.options.tsconfig`), a plain
 * JavaScript program (`typescript: false`), `nodeargs`, and `--parallel`. Each program is an ordinary
 * user program (one SecurityGroup whose description comes from optional config) that also exports
 * what it sees — `pulumi.Config`, the secret keys, `process.cwd()`, `getStack()`, the run script's
 * environment — and the test compares that with what the engine was given.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { TestStack, tempDir } from "./harness";

/** The program every case runs, in TypeScript (type annotations make a JavaScript run fail). */
const PROGRAM_TS = `import * as pulumi from "@pulumi/pulumi";
import { SecurityGroup } from "pulumi-secgroups";

const description: string = new pulumi.Config().get("description") ?? "default";
const group = new SecurityGroup("web", { description });
const all: Record<string, string> = pulumi.runtime.allConfig();
export const groupDescription = group.description;
export const seen = {
  description,
  config: all,
  secretKeys: Object.keys(all).filter((k) => pulumi.runtime.isConfigSecret(k)).sort(),
  cwd: process.cwd(),
  stack: pulumi.getStack(),
  project: pulumi.getProject(),
  rootDirectory: process.env.PULUMI_NODEJS_ROOT_DIRECTORY ?? null,
  parallel: process.env.PULUMI_NODEJS_PARALLEL ?? null,
  typescript: process.env.PULUMI_NODEJS_TYPESCRIPT ?? null,
  tsconfig: process.env.PULUMI_NODEJS_TSCONFIG_PATH ?? null,
  execArgv: process.execArgv,
};
`;

/** The same program in plain JavaScript. */
const PROGRAM_JS = PROGRAM_TS.replace(
  `import * as pulumi from "@pulumi/pulumi";\nimport { SecurityGroup } from "pulumi-secgroups";`,
  `const pulumi = require("@pulumi/pulumi");\nconst { SecurityGroup } = require("pulumi-secgroups");`,
)
  .replace("const description: string =", "const description =")
  .replace("const all: Record<string, string> =", "const all =")
  .replace("export const groupDescription =", "exports.groupDescription =")
  .replace("export const seen =", "exports.seen =");

const TSCONFIG = JSON.stringify({
  compilerOptions: { strict: true, target: "ES2022", module: "commonjs", moduleResolution: "node10", esModuleInterop: true, skipLibCheck: true },
});

/** One case: the files of the program (Pulumi.yaml without its name and runtime lines) and how it is run. */
interface HostCase {
  name: string;
  runtime: string;
  extraYaml?: string;
  files: Record<string, string>;
  config: Record<string, string>;
  secrets: Record<string, string>;
  upArgs: string[];
  /** Where the program runs, relative to the project directory. */
  programSubdir: string;
  expect: { typescript: string | null; tsconfig: string | null; parallel: unknown; execArgv: string[] };
}

/** Without `--parallel` the engine sends its own default (a positive number), which the host passes on. */
const ENGINE_DEFAULT = expect.stringMatching(/^[1-9][0-9]*$/);

const CASES: HostCase[] = [
  {
    name: "a stack without any config, TypeScript without tsconfig.json",
    runtime: "nodejs",
    files: { "index.ts": PROGRAM_TS, "package.json": `{"name":"host","private":true,"main":"index.ts"}` },
    config: {},
    secrets: {},
    upArgs: [],
    programSubdir: "",
    expect: { typescript: "true", tsconfig: null, parallel: ENGINE_DEFAULT, execArgv: [] },
  },
  {
    name: "config and a secret, TypeScript with tsconfig.json, --parallel 3",
    runtime: "nodejs",
    files: { "index.ts": PROGRAM_TS, "tsconfig.json": TSCONFIG, "package.json": `{"name":"host","private":true,"main":"index.ts"}` },
    config: { "host:description": "from config", "other:setting": "x y" },
    secrets: { "host:token": "s3cret" },
    upArgs: ["--parallel", "3"],
    programSubdir: "",
    expect: { typescript: "true", tsconfig: null, parallel: "3", execArgv: [] },
  },
  {
    name: "main: a subdirectory, runtime.options.tsconfig and nodeargs",
    runtime: '\n  name: nodejs\n  options:\n    tsconfig: tsconfig.build.json\n    nodeargs: "--max-old-space-size=300 --no-deprecation"',
    extraYaml: "main: src/",
    files: {
      "src/index.ts": PROGRAM_TS,
      "src/tsconfig.build.json": TSCONFIG,
      "src/package.json": `{"name":"host","private":true,"main":"index.ts"}`,
    },
    config: { "host:description": "in src" },
    secrets: {},
    upArgs: [],
    programSubdir: "src",
    expect: {
      typescript: "true",
      tsconfig: "tsconfig.build.json",
      parallel: ENGINE_DEFAULT,
      execArgv: ["--max-old-space-size=300", "--no-deprecation"],
    },
  },
  {
    name: "plain JavaScript (typescript: false) with main: index.js",
    runtime: "\n  name: nodejs\n  options:\n    typescript: false",
    extraYaml: "main: index.js",
    files: { "index.js": PROGRAM_JS, "package.json": `{"name":"host","private":true,"main":"index.js"}` },
    config: {},
    secrets: { "host:description": "secret description" },
    upArgs: [],
    programSubdir: "",
    expect: { typescript: null, tsconfig: null, parallel: ENGINE_DEFAULT, execArgv: [] },
  },
];

/** Writes a case's program into a fresh directory under the repository (so node_modules resolves). */
function writeProgram(c: HostCase): string {
  const dir = path.join(tempDir("host-source"), "program");
  const yaml = [`name: host`, `runtime: ${c.runtime}`, ...(c.extraYaml ? [c.extraYaml] : []), ""].join("\n");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), yaml);
  for (const [file, text] of Object.entries(c.files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

describe("the Node.js language host passes the program what the engine sent", () => {
  for (const c of CASES) {
    it(
      c.name,
      async () => {
        const stack = await TestStack.create("host", "dev", c.config, undefined, writeProgram(c));
        for (const [k, v] of Object.entries(c.secrets)) {
          await stack.must(["config", "set", "--secret", "--config-file", stack.configFile, k, v]);
        }
        const up = await stack.run(["up", "--yes", "--skip-preview", "--config-file", stack.configFile, ...c.upArgs]);
        expect(up.code, up.stdout + up.stderr).toBe(0);
        const out = await stack.outputs();
        const given = { ...c.config, ...c.secrets };
        // The SDK shows config keys in the `<namespace>:<name>` form, whatever the host passed.
        const description = given["host:description"] ?? "default";
        const projectDir = path.join(stack.dir, "program");
        expect(out.groupDescription).toBe(description);
        expect(out.seen).toStrictEqual({
          description,
          config: given,
          secretKeys: Object.keys(c.secrets).sort(),
          cwd: path.join(projectDir, c.programSubdir),
          stack: "dev",
          project: "host",
          rootDirectory: projectDir,
          ...c.expect,
        });
        // The default backend is the program directory's .secgroups/cloud.db.
        expect(fs.existsSync(path.join(projectDir, c.programSubdir, ".secgroups", "cloud.db"))).toBe(true);
        const destroy = await stack.destroy();
        expect(destroy.code, destroy.stdout + destroy.stderr).toBe(0);
      },
      240_000,
    );
  }
});
