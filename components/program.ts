/**
 * The whole program as a function of its settings, so `index.ts` stays a few lines and unit tests (with
 * Pulumi mocks) run exactly what `pulumi up` runs.
 */
import * as pulumi from "@pulumi/pulumi";
import { resolve } from "node:path";
import { checkRepository, CONFIG_NAMESPACE, settingsFromConfig, type AccessModel, type IdentityProvider } from "../lib";
import { textLine } from "../cli/report";
import { CONFLICT_POLICIES, type ConflictPolicy } from "./scopes/provider";
import { ScopeStore } from "./scopes/store";

export interface ProgramResult {
  model: AccessModel;
  idp: IdentityProvider;
  store: ScopeStore;
}

function conflictPolicy(value: unknown, key: string): ConflictPolicy {
  if (typeof value === "string" && (CONFLICT_POLICIES as readonly string[]).includes(value)) return value as ConflictPolicy;
  throw new pulumi.RunError(`${CONFIG_NAMESPACE}:${key} must be one of ${CONFLICT_POLICIES.join(", ")}, not ${JSON.stringify(value)}`);
}

/** Reads stack config, checks the definitions (stopping before anything is applied), declares the resources. */
export function accessProgram(config: pulumi.Config = new pulumi.Config(CONFIG_NAMESPACE)): ProgramResult {
  const definitionsDir = resolve(config.get("definitionsDir") ?? ".");
  const settings = settingsFromConfig(
    {
      [`${CONFIG_NAMESPACE}:bootstrap`]: config.getBoolean("bootstrap"),
      [`${CONFIG_NAMESPACE}:existingGroups`]: config.getObject<string[]>("existingGroups"),
      [`${CONFIG_NAMESPACE}:identityProvider`]: config.get("identityProvider"),
    },
    "stack config",
  );
  const checked = checkRepository(definitionsDir, settings);
  for (const w of checked.warnings) void pulumi.log.warn(textLine(w));
  if (!checked.ok) {
    throw new pulumi.RunError(
      `the definitions in ${definitionsDir} have ${checked.errors.length} error(s); nothing was applied:\n` +
        checked.errors.map(textLine).join("\n"),
    );
  }
  const idp = settings.idp ?? "keycloak";
  const byGroup = config.getObject<Record<string, unknown>>("onScopeConflictByGroup") ?? {};
  const store = new ScopeStore("registry", {
    model: checked.model,
    idp,
    database: config.get("database") ?? "mcp_registry",
    namespace: config.get("namespace") ?? "default",
    onConflict: conflictPolicy(config.get("onScopeConflict") ?? "fail", "onScopeConflict"),
    onConflictByGroup: Object.fromEntries(
      Object.entries(byGroup).map(([g, v]) => [g, conflictPolicy(v, `onScopeConflictByGroup.${g}`)]),
    ),
  });
  return { model: checked.model, idp, store };
}
