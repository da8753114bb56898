import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // End-to-end tests drive the real Pulumi CLI; a single `pulumi up` can take several seconds.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: "forks",
  },
});
