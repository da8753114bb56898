/**
 * The backend contract (keyv's test-suite pattern): every invariant of the StateBackend interface,
 * registered once as vitest tests against a factory of fresh backends, and run by
 * sqlite.contract.test.ts and postgres.contract.test.ts against real SQLite files and a real
 * PostgreSQL server. Both backends are one SqlStore over two drivers, so every test expects the
 * same codes, values and counts from both. What only one backend has (files and their modes, the
 * pool, the masked password) is tested in that backend's file.
 *
 * The tests live in suite/, one file per part of the interface; suite/context.ts holds what they
 * share and gives each test a fresh backend. This function composes them, in this order.
 */
import { afterAll, describe } from "vitest";
import { removeCompiledProvider } from "./children";
import { attachmentsContract } from "./suite/attachments";
import { clientTokensContract } from "./suite/clientTokens";
import { connectionsContract } from "./suite/connections";
import { freshBackendPerTest, type BackendFactory } from "./suite/context";
import { groupsContract } from "./suite/groups";
import { managersAndNamesContract } from "./suite/managersAndNames";
import { namesAreDataContract } from "./suite/namesAreData";
import { networksServersContract } from "./suite/networksServers";
import { processesContract } from "./suite/processes";
import { projectsContract } from "./suite/projects";
import { racesContract } from "./suite/races";
import { rulesContract } from "./suite/rules";

export type { BackendFactory, BackendUnderTest } from "./suite/context";

/** Registers the contract's tests for the backends `factory` makes. */
export function backendContract(name: string, factory: BackendFactory): void {
  // At the file's top level: after every test of the file, the backend's own ones included.
  afterAll(removeCompiledProvider);

  describe(`${name} backend contract`, () => {
    const contract = freshBackendPerTest(factory);
    groupsContract(contract);
    rulesContract(contract);
    projectsContract(contract);
    networksServersContract(contract);
    managersAndNamesContract(contract);
    attachmentsContract(contract);
    clientTokensContract(contract);
    namesAreDataContract(contract);
    connectionsContract(contract);
    racesContract(contract);
    processesContract(contract);
  });
}
