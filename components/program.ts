/**
 * The whole program as a function of its settings, so `index.ts` stays a few lines and unit tests (with
 * Pulumi mocks) run exactly what `pulumi up` runs.
 */
import * as pulumi from "@pulumi/pulumi";
import { resolve } from "node:path";
import { checkRepository, CONFIG_NAMESPACE, settingsFromConfig, StackSettingsError, type AccessModel, type IdentityProvider } from "../lib";
import { textLine } from "../cli/report";
import { CONFLICT_POLICIES, type ConflictPolicy } from "./scopes/provider";
import { ScopeStore } from "./scopes/store";
import { KeycloakAccess, declaredKeycloakObjects, type KeycloakAccessArgs } from "./keycloak/access";
import { adoptedCount, findAdoptable } from "./keycloak/adoption";
import { connectKeycloakAdmin, providerSettings, type KeycloakAdmin } from "./keycloak/admin-connection";
import { readStackState, type StackStateReader } from "./stack-state";
import { EntraAccess } from "./entra/access";
import type { AccessOutputs } from "./outputs";

export interface ProgramResult {
  model: AccessModel;
  idp: IdentityProvider;
  store: ScopeStore;
  /** Absent when the stack does not manage the identity provider. */
  access?: AccessOutputs;
  /** Secret; the bootstrap admin's generated initial password, when this stack generated it. */
  bootstrapAdminPassword?: pulumi.Output<string>;
}

/** What the program reads besides config and definitions; replaced in unit tests. */
export interface ProgramDeps {
  readState: StackStateReader;
  connectKeycloak: () => Promise<KeycloakAdmin>;
}

const defaultDeps: ProgramDeps = {
  readState: readStackState,
  connectKeycloak: () => {
    const settings = providerSettings();
    if (!settings) throw new pulumi.RunError("set keycloak:url and keycloak:clientId (or KEYCLOAK_URL and KEYCLOAK_CLIENT_ID): the credentials the Keycloak provider uses");
    return connectKeycloakAdmin(settings);
  },
};

/** The Keycloak side, from stack config (`keycloak:url` configures the provider itself). */
export async function keycloakAccess(config: pulumi.Config, model: AccessModel, deps: ProgramDeps = defaultDeps): Promise<KeycloakAccess> {
  const providerUrl = new pulumi.Config("keycloak").get("url");
  // KEYCLOAK_URL is the provider's own environment fallback.
  const keycloakUrl = config.get("keycloakUrl") ?? providerUrl ?? process.env.KEYCLOAK_URL;
  if (!keycloakUrl) {
    throw new pulumi.RunError("set keycloak:url (the Keycloak the provider talks to) or mcp-gateway-access:keycloakUrl (the URL agents use for tokens)");
  }
  const registryUrl = (config.get("registryUrl") ?? "http://localhost:7860").replace(/\/+$/, "");
  const authServerUrl = (config.get("authServerUrl") ?? "http://localhost:8888").replace(/\/+$/, "");
  const args: KeycloakAccessArgs = {
    model,
    realm: config.get("keycloakRealm") ?? "mcp-gateway",
    keycloakUrl,
    initialPasswords: config.getSecretObject<Record<string, string>>("initialPasswords"),
    bootstrap: model.bootstrap
      ? {
          webRedirectUris: config.getObject<string[]>("webRedirectUris") ?? [`${authServerUrl}/oauth2/callback/keycloak`, `${registryUrl}/*`],
          webOrigins: config.getObject<string[]>("webOrigins") ?? [registryUrl, authServerUrl],
          adminUsername: config.get("bootstrapAdminUsername") ?? "admin",
          adminEmail: config.get("bootstrapAdminEmail") ?? "admin@example.com",
          adminPassword: config.getSecret("bootstrapAdminPassword"),
        }
      : undefined,
  };
  // Objects a cut-short run created but the state does not hold are adopted, not created a second time.
  let adoption;
  try {
    adoption = await findAdoptable(declaredKeycloakObjects(args), await deps.readState(), deps.connectKeycloak);
  } catch (e) {
    if (e instanceof pulumi.RunError) throw e;
    throw new pulumi.RunError(`Keycloak: ${(e as Error).message}. Nothing was applied; check that Keycloak is running and reachable, then run pulumi up again.`);
  }
  const n = adoptedCount(adoption);
  if (n) void pulumi.log.info(`adopting ${n} Keycloak object(s) that exist in realm ${args.realm} but not in this stack's state (a run was cut short): imported, not created again`);
  return new KeycloakAccess("keycloak", { ...args, adoption });
}

function conflictPolicy(value: unknown, key: string): ConflictPolicy {
  if (typeof value === "string" && (CONFLICT_POLICIES as readonly string[]).includes(value)) return value as ConflictPolicy;
  throw new pulumi.RunError(`${CONFIG_NAMESPACE}:${key} must be one of ${CONFLICT_POLICIES.join(", ")}, not ${JSON.stringify(value)}`);
}

/** The Entra side, from stack config (`azuread:*` configures the provider itself). */
export function entraAccess(config: pulumi.Config, model: AccessModel): EntraAccess {
  const endDate = config.get("entraSecretEndDate");
  if (!endDate || Number.isNaN(Date.parse(endDate))) {
    throw new pulumi.RunError("set mcp-gateway-access:entraSecretEndDate to the end date of M2M client secrets (RFC 3339, e.g. 2027-06-30T00:00:00Z)");
  }
  const manage = config.getBoolean("entraManageGatewayApplication") ?? false;
  return new EntraAccess("entra", {
    model,
    userDomain: config.get("entraUserDomain"),
    existingUsers: config.getBoolean("entraExistingUsers") ?? false,
    initialPasswords: config.getSecretObject<Record<string, string>>("initialPasswords"),
    gatewayClientId: config.get("entraGatewayClientId"),
    manageGatewayApplication: manage ? { displayName: config.get("entraGatewayApplicationName") ?? "mcp-gateway" } : undefined,
    secretEndDate: new Date(endDate).toISOString(),
    secretRotation: config.get("entraSecretRotation"),
    replicationDelaySeconds: config.getNumber("entraReplicationDelaySeconds") ?? 30,
    loginBaseUrl: config.get("entraLoginBaseUrl"),
  });
}

function settingsOrStop<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof StackSettingsError) throw new pulumi.RunError(e.message);
    throw e;
  }
}

/** Reads stack config, checks the definitions (stopping before anything is applied), declares the resources. */
export async function accessProgram(config: pulumi.Config = new pulumi.Config(CONFIG_NAMESPACE), deps: Partial<ProgramDeps> = {}): Promise<ProgramResult> {
  // Relative to the project (where Pulumi.yaml is), whatever directory the language host runs the program in.
  const definitionsDir = resolve(pulumi.runtime.getRootDirectory() || process.cwd(), config.get("definitionsDir") ?? ".");
  const settings = settingsOrStop(() => settingsFromConfig(
    {
      [`${CONFIG_NAMESPACE}:bootstrap`]: config.getBoolean("bootstrap"),
      [`${CONFIG_NAMESPACE}:existingGroups`]: config.getObject<string[]>("existingGroups"),
      [`${CONFIG_NAMESPACE}:identityProvider`]: config.get("identityProvider"),
      [`${CONFIG_NAMESPACE}:guards`]: config.getObject("guards"),
    },
    "stack config",
  ));
  const checked = checkRepository(definitionsDir, settings);
  for (const w of checked.warnings) void pulumi.log.warn(textLine(w));
  if (!checked.ok) {
    throw new pulumi.RunError(
      `the definitions in ${definitionsDir} have ${checked.errors.length} error(s); nothing was applied:\n` +
        checked.errors.map(textLine).join("\n"),
    );
  }
  const idp = settings.idp ?? "keycloak";
  // Every setting is checked before the first resource is declared: a bad one must apply nothing.
  const byGroup = config.getObject<Record<string, unknown>>("onScopeConflictByGroup") ?? {};
  const onConflict = conflictPolicy(config.get("onScopeConflict") ?? "fail", "onScopeConflict");
  const onConflictByGroup = Object.fromEntries(
    Object.entries(byGroup).map(([g, v]) => [g, conflictPolicy(v, `onScopeConflictByGroup.${g}`)]),
  );
  // Without the IdP, the stack keeps only the registry's documents (the IdP is managed elsewhere).
  const manageIdp = config.getBoolean("manageIdentityProvider") ?? true;
  const access = !manageIdp
    ? undefined
    : idp === "entra"
      ? entraAccess(config, checked.model)
      : await keycloakAccess(config, checked.model, { ...defaultDeps, ...deps });
  const store = new ScopeStore("registry", {
    model: checked.model,
    idp,
    database: config.get("database") ?? "mcp_registry",
    namespace: config.get("namespace") ?? "default",
    onConflict,
    onConflictByGroup,
    // Entra tokens carry Object IDs: each group's goes into its scope document's group_mappings.
    ...(access instanceof EntraAccess ? { groupObjectIds: access.groups, clientIds: access.clientIds } : {}),
  });
  return {
    model: checked.model,
    idp,
    store,
    access,
    bootstrapAdminPassword: access instanceof KeycloakAccess ? access.bootstrap?.generatedAdminPassword : undefined,
  };
}
