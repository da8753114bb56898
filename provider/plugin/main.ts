/**
 * The entry point of the `secgroups` provider plugin (plugin/package.json's `main`): the Node
 * language host's RunPlugin loads it with the engine's address as the first argument.
 */
import { main } from "./server";

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`secgroups provider: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
