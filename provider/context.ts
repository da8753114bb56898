/**
 * Per-process state of the provider implementation: the raw config from `configure`, and the
 * settings, profile and backend derived from it on first use (one backend per process).
 */
import { openBackend } from "./backends";
import type { StateBackend } from "./backends/types";
import { type Profile } from "./domain/profiles";
import { loadProfile } from "./profileLoader";
import { resolveSettings, type RawConfig, type Settings } from "./settings";

/** What a resource provider needs to do its work. */
export interface ProviderContext {
  settings: Settings;
  profile: Profile;
  backend: StateBackend;
}

let rawConfig: RawConfig = {};
/**
 * One context per distinct settings, kept open for the process's life: the engine may configure
 * the provider with different settings while calls made under the earlier ones are still running
 * (an update that changes `secgroups:backend`), and closing their backend under them would fail
 * those calls. Pools let the process exit when idle; `closeContext` closes them all.
 */
const contexts = new Map<string, ProviderContext>();

/** Stores the stack config the engine sent; takes effect on the next `getContext`. */
export function configure(config: RawConfig): void {
  rawConfig = { ...config };
}

/** Settings from the stored config, the environment and defaults (cheap; no I/O). */
export function getSettings(): Settings {
  return resolveSettings(rawConfig, process.env, process.cwd());
}

let profileCache: { key: string; profile: Profile } | undefined;

/** The profile of the current settings (no backend needed: what `check` uses). */
export function getProfile(): Profile {
  const settings = getSettings();
  const key = JSON.stringify([settings.profile, settings.programDir]);
  if (!profileCache || profileCache.key !== key) profileCache = { key, profile: loadProfile(settings.profile, settings.programDir) };
  return profileCache.profile;
}

/** The context for the current settings, opening the backend and loading the profile once. */
export function getContext(): ProviderContext {
  const settings = getSettings();
  const key = JSON.stringify([settings.backend, settings.backendPassword ?? null, settings.profile, settings.programDir]);
  let ctx = contexts.get(key);
  if (!ctx) {
    ctx = { settings, profile: getProfile(), backend: openBackend(settings.backend, settings.programDir, settings.backendPassword) };
    contexts.set(key, ctx);
  }
  return ctx;
}

/** Closes the backend (tests and the CLI; the provider process simply exits). */
export async function closeContext(): Promise<void> {
  const open = [...contexts.values()];
  contexts.clear();
  await Promise.all(open.map((c) => c.backend.close()));
}
