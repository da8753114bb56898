/**
 * A real OpenStack Neutron API (29.0.0, from PyPI) for the tests, optionally behind a real Keystone
 * (30.0.0): no mock, no skip. What it runs and why is recorded in docs/toolchain.md; the facts it
 * rests on (the WSGI entry points, the sys.argv quirk, the PostgreSQL migration workaround) were
 * found on these machines.
 *
 * `startNeutron()`:
 *  - makes sure the venv of scripts/neutron-venv.sh exists (it installs neutron, keystone, gunicorn
 *    and psycopg2 into the project cache when missing: about a minute, once); the script is found
 *    from the repository's root, the nearest directory above the module whose package.json is
 *    pulumi-secgroups, so the harness compiled elsewhere (the bench's build) finds it too;
 *  - writes a private directory: neutron.conf (ML2 with no mechanism driver, no broker, no agents,
 *    `auth_strategy = noauth` unless Keystone is asked for), a launcher module that sets `sys.argv`
 *    before importing `neutron.wsgi.api` (the module parses `sys.argv` as its command line, which
 *    under gunicorn would be gunicorn's), and the services' log files;
 *  - gives the Neutron its own database on a private PostgreSQL (the server passed in, or one it
 *    starts and stops itself): the migrations run once per server into a template database, with
 *    the workaround for Neutron's MySQL-only migration (`upgrade ad80a9f07c5c`, `stamp d553edeb540f`,
 *    `upgrade heads`), and each Neutron gets a copy of it (`CREATE DATABASE … TEMPLATE`);
 *  - runs gunicorn (one sync worker) on a free loopback port and waits for the first 200 on
 *    `GET /v2.0/networks`; a service or set-up step that exits or does not answer in time fails
 *    the start with the errors it logged and the tail of its log (logReport).
 *
 * With `keystone: true` it also runs Keystone on SQLite (db_sync, fernet and credential keys,
 * bootstrap of an admin user with a password; fast password hashing and an in-memory cache), adds
 * a `network` service with Neutron's endpoint and a `neutron` service user, and runs Neutron with
 * `auth_strategy = keystone`. The admin password goes to keystone-manage through its environment,
 * never on a command line or into a log this harness writes.
 *
 * Everything runs in its own process group and is started through a tiny exec wrapper that sets
 * the parent-death signal (prctl PR_SET_PDEATHSIG), so a test process that dies, even by SIGKILL,
 * takes its services along; a normal exit kills every group still alive and removes the
 * directories (process 'exit'). `stop()` does the same for one Neutron, gracefully.
 *
 * This file is the entry point the tests and the bench import; the harness lives in tools/neutron/:
 * processes.ts (process groups, the watchdog, clean-up on exit), logs.ts (what an error quotes of a
 * log), venv.ts (the repository's root and the venv), gunicorn.ts (serving a WSGI app, waiting for
 * its first 200), database.ts (the migrated template and each Neutron's copy), keystone.ts
 * (Keystone's set-up and tokens) and neutron.ts (the configuration and startNeutron itself).
 */
export { keystoneToken, type KeystoneServer } from "./neutron/keystone";
export { logReport, tail } from "./neutron/logs";
export { startNeutron, type NeutronServer, type NeutronTimings, type StartNeutronOptions } from "./neutron/neutron";
export { harnessLeftovers } from "./neutron/processes";
export { neutronVenvPython } from "./neutron/venv";
