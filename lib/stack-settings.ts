/**
 * The few stack settings the core needs (bootstrap, existing groups), read from `stacks/Pulumi.<stack>.yaml`
 * so the CLI checks definitions exactly as `pulumi up` on that stack will.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { ModelOptions } from "./model";
import { GuardSettings } from "./guards";
import type { IdentityProvider } from "./registry-documents";

export const CONFIG_NAMESPACE = "mcp-gateway-access";

export interface StackSettings extends ModelOptions {
  idp?: IdentityProvider;
  guards?: GuardSettings;
}

export class StackSettingsError extends Error {}

/** Reads the core's settings from a Pulumi stack config object (`{"ns:key": value}`). */
export function settingsFromConfig(config: Record<string, unknown>, where: string): StackSettings {
  const get = (key: string): unknown => config[`${CONFIG_NAMESPACE}:${key}`];
  const settings: StackSettings = {};
  const bootstrap = get("bootstrap");
  if (bootstrap !== undefined) {
    if (typeof bootstrap !== "boolean" && bootstrap !== "true" && bootstrap !== "false") {
      throw new StackSettingsError(`${where}: ${CONFIG_NAMESPACE}:bootstrap must be true or false`);
    }
    settings.bootstrap = bootstrap === true || bootstrap === "true";
  }
  const existing = get("existingGroups");
  if (existing !== undefined) {
    const list = typeof existing === "string" ? safeJson(existing) : existing;
    if (!Array.isArray(list) || !list.every((g) => typeof g === "string")) {
      throw new StackSettingsError(`${where}: ${CONFIG_NAMESPACE}:existingGroups must be a list of group names`);
    }
    settings.existingGroups = list;
  }
  for (const key of ["bootstrapAdminUsername", "bootstrapAdminEmail"] as const) {
    const value = get(key);
    if (value === undefined) continue;
    if (typeof value !== "string") throw new StackSettingsError(`${where}: ${CONFIG_NAMESPACE}:${key} must be a string`);
    settings[key] = value;
  }
  const idp = get("identityProvider");
  if (idp !== undefined) {
    if (idp !== "keycloak" && idp !== "entra") {
      throw new StackSettingsError(`${where}: ${CONFIG_NAMESPACE}:identityProvider must be "keycloak" or "entra"`);
    }
    settings.idp = idp;
  }
  const guards = get("guards");
  if (guards !== undefined) {
    const parsed = GuardSettings.safeParse(typeof guards === "string" ? safeJson(guards) : guards);
    if (!parsed.success) {
      throw new StackSettingsError(`${where}: ${CONFIG_NAMESPACE}:guards: ${parsed.error.issues.map((i) => `${i.path.join(".") || "value"}: ${i.message}`).join("; ")}`);
    }
    settings.guards = parsed.data;
  }
  return settings;
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

export function stackFilePath(root: string, stack: string): string {
  return join(root, "stacks", `Pulumi.${stack}.yaml`);
}

export function readStackSettings(root: string, stack: string): StackSettings {
  const file = stackFilePath(root, stack);
  if (!existsSync(file)) throw new StackSettingsError(`stack file ${join("stacks", `Pulumi.${stack}.yaml`)} not found; create it or pick another --stack`);
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new StackSettingsError(`${file}: invalid YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  const config = (doc && typeof doc === "object" && (doc as Record<string, unknown>).config) || {};
  return settingsFromConfig(config as Record<string, unknown>, `stacks/Pulumi.${stack}.yaml`);
}
