/**
 * Guard rails on what may import what (dependency-cruiser). Run over the sources with
 *   npm run check:deps
 * (depcruise --config .dependency-cruiser.cjs provider sdk bench test; about 2 s).
 * test/unit/dependencies.test.ts runs exactly that and fails on any violation; it also runs these
 * rules over a small tree that breaks them, so a rule that stops matching fails the test too.
 * Paths are relative to the directory depcruise runs in (the repository's root).
 */
/** @type {import("dependency-cruiser").IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "domain-imports-no-outer-layer",
      comment:
        "provider/domain/ is the pure core: outside itself it imports only provider/errors.ts and provider/text.ts " +
        "(types included): nothing from provider/backends/, provider/resources/, provider/cli/, the provider's face, " +
        "settings, schema or profile loading, or sdk/. The outer layers depend on the domain, never the other way.",
      severity: "error",
      from: { path: "^provider/domain/" },
      to: { path: "^(provider|sdk)/", pathNot: "^provider/(domain/|errors\\.ts$|text\\.ts$)" },
    },
    {
      name: "no-runtime-cycle",
      comment:
        "A cycle of imports that all exist at run time (a module may then read another's exports before they are " +
        "set). A cycle through at least one type-only import (`import type`, `import { type X }`) is allowed: " +
        "the compiler erases that edge.",
      severity: "error",
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } },
    },
    {
      name: "bench-imports-no-cli-or-test",
      comment:
        "bench/ measures the provider's code, not the command line's or the tests': it imports nothing from " +
        "provider/cli/ or test/ (a helper both need lives in provider/ or tools/).",
      severity: "error",
      from: { path: "^bench/" },
      to: { path: "^(provider/cli|test)/" },
    },
  ],
  options: {
    // Type-only imports are dependencies too (rule domain-imports-no-outer-layer), marked `type-only`.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(node_modules|dist|test-output)/" },
    moduleSystems: ["cjs", "es6", "tsd"],
    enhancedResolveOptions: { extensions: [".ts", ".js", ".json", ".d.ts"] },
  },
};
