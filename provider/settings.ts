/**
 * Provider settings: Pulumi config `secgroups:*` first, `SECGROUPS_*` environment second, default third.
 * The dynamic provider process gets the stack's whole config through `configure`.
 */
import * as path from "node:path";

/** The config keys the provider reads, and their environment variables. */
export const SETTING_KEYS = {
  backend: { config: "secgroups:backend", env: "SECGROUPS_BACKEND" },
  profile: { config: "secgroups:profile", env: "SECGROUPS_PROFILE" },
  project: { config: "secgroups:project", env: "SECGROUPS_PROJECT" },
  backendPassword: { config: "secgroups:backendPassword", env: "PGPASSWORD" },
} as const;

/** Resolved settings of one provider process. */
export interface Settings {
  /** Backend URL (`sqlite:PATH`, `postgres://user@host:port/db`, `openstack` or `openstack://CLOUD`). */
  backend: string;
  /** Built-in profile name or path to a JSON profile. */
  profile: string;
  /** Default project for resources that do not name one. */
  project: string;
  /** Directory relative paths are resolved against: the Pulumi program's directory. */
  programDir: string;
  /** Password for a postgres backend, or the Keystone password or application credential secret of an openstack one; never logged. */
  backendPassword?: string;
}

/** Raw config values by `namespace:key`, as `configure` received them. */
export type RawConfig = Record<string, string | undefined>;

/** The profile when none is set. */
export const DEFAULT_PROFILE = "openstack";
/** The project resources go to when neither they nor the settings name one. */
export const DEFAULT_PROJECT = "default";

/** Resolves the settings from config, environment and defaults. */
export function resolveSettings(config: RawConfig, env: NodeJS.ProcessEnv, programDir: string): Settings {
  const pick = (k: keyof typeof SETTING_KEYS): string | undefined => {
    const fromConfig = config[SETTING_KEYS[k].config];
    if (fromConfig !== undefined && fromConfig !== "") return fromConfig;
    const fromEnv = env[SETTING_KEYS[k].env];
    return fromEnv !== undefined && fromEnv !== "" ? fromEnv : undefined;
  };
  const settings: Settings = {
    backend: pick("backend") ?? `sqlite:${path.join(programDir, ".secgroups", "cloud.db")}`,
    profile: pick("profile") ?? DEFAULT_PROFILE,
    project: pick("project") ?? DEFAULT_PROJECT,
    programDir,
  };
  // PGPASSWORD is PostgreSQL's variable: an openstack backend takes its password from the secret or
  // from its own OS_* variables and clouds.yaml (backends/openstack/config.ts), never from PGPASSWORD.
  const fromConfig = config[SETTING_KEYS.backendPassword.config];
  const password = settings.backend.startsWith("openstack") ? (fromConfig === "" ? undefined : fromConfig) : pick("backendPassword");
  if (password !== undefined) settings.backendPassword = password;
  return settings;
}
