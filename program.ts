/**
 * The composition root: the whole program as a function of its settings, so `index.ts` stays a few lines and unit tests
 * (with
 * Pulumi mocks) run exactly what `pulumi up` runs.
 */
import * as pulumi from "@pulumi/pulumi";
import { resolve } from "node:path";
import {
  bootstrapWebOrigins,
  bootstrapWebRedirectUris,
  checkRepository,
  CONFIG_NAMESPACE,
  entraSettings,
  keycloakBootstrapPlan,
  parseStackConfig,
  planIdentity,
  refusePlainSecrets,
  DefinitionsError,
  isMcpAccessError,
  ServiceError,
  StackSettingsError,
  textLine,
  type AccessModel,
  type BrokeredProvider,
  type IdentityProvider,
  keycloakRealmUrl,
  type RawSettings,
  type StackConfig,
} from "./lib";
import { ScopeStore } from "./components/scopes/store";
import { keycloakErrorHooks } from "./components/keycloak/error-hook";
import { KeycloakAccess, declaredKeycloakObjects, type KeycloakAccessArgs } from "./components/keycloak/access";
import { BrokeredIdentityProviders, providersNeedingSecrets } from "./components/keycloak/identity-providers";
import {
  findAdoptableProviders,
  idpAdoptedCount,
  type IdentityProviderAdoption,
} from "./components/keycloak/identity-provider-adoption";
import { adoptedCount, findAdoptable } from "./components/keycloak/adoption";
import { changedStockSecrets, stockSecretWarning } from "./components/keycloak/stock-secrets";
import { connectKeycloakAdmin, providerSettings, providerUrl, type KeycloakAdmin } from "./clients/keycloak-admin";
import { readStackState, type StackStateReader } from "./clients/stack-state";
import { declaredEntraObjects, EntraAccess } from "./components/entra/access";
import { entraAdoptedCount, findEntraAdoptable } from "./components/entra/adoption";
import { connectGraph, graphSettingsFrom, type EntraDirectory } from "./clients/graph";
import { legacyPasswordsInState } from "./components/identity";
import type { IdentityAccess } from "./components/outputs";

export interface ProgramResult {
  model: AccessModel;
  idp: IdentityProvider;
  store: ScopeStore;
  /** Absent when the stack does not manage the identity provider. */
  access?: IdentityAccess;
}

/** What the program reads besides config and definitions; replaced in unit tests. */
export interface ProgramDeps {
  readState: StackStateReader;
  /** Keycloak's admin API, for adoption: signed in to once per run. */
  connectKeycloak: () => Promise<KeycloakAdmin>;
  /** Microsoft Graph with the azuread provider's credentials; undefined when they are not client credentials. */
  connectEntra: () => Promise<EntraDirectory | undefined>;
  /** Hooks for every Keycloak resource (the engine supports them; Pulumi's mocks do not). */
  keycloakHooks: () => pulumi.ResourceHookBinding | undefined;
}

const defaultDeps: ProgramDeps = {
  readState: readStackState,
  connectKeycloak: () => {
    const settings = providerSettings();
    if (!settings) {
      const message =
        "set keycloak:url and keycloak:clientId (or KEYCLOAK_URL and KEYCLOAK_CLIENT_ID): the " +
        "credentials the Keycloak provider uses";
      throw new StackSettingsError(message);
    }
    return connectKeycloakAdmin(settings);
  },
  connectEntra: async () => {
    const config = new pulumi.Config("azuread");
    const settings = graphSettingsFrom((k) => config.get(k), process.env);
    if (!settings) {
      void pulumi.log.warn(
        "the azuread provider's credentials are not client credentials (ARM_TENANT_ID, " +
          "ARM_CLIENT_ID, ARM_CLIENT_SECRET): existing Entra objects cannot be looked for, so none is adopted",
      );
      return undefined;
    }
    return connectGraph(settings);
  },
  keycloakHooks: keycloakErrorHooks,
};

/** The first call connects; later ones get the same connection (one sign-in per run). */
function once<T>(connect: () => Promise<T>): () => Promise<T> {
  let connection: Promise<T> | undefined;
  return () => (connection ??= connect());
}

/**
 * The log line of a run that adopts objects (`what`: which objects, `where`: where they were found). It names the
 * adoption and nothing more: the state cannot tell objects the registry's own scripts made (`mcp-access import`)
 * from ones a run cut short created.
 */
export function adoptedMessage(n: number, what: string, where: string): string {
  return `adopting ${n} ${what} found in ${where} (adopted), not in this stack's state: imported, not created again`;
}

function logAdopted(n: number, what: string, where: string): void {
  if (n) void pulumi.log.info(adoptedMessage(n, what, where));
}

/** The URL agents get tokens from: `mcp-gateway-access:keycloakUrl`, else the provider's. */
function keycloakUrlOf(config: StackConfig): string {
  const keycloakUrl = config.keycloakUrl ?? providerUrl();
  if (keycloakUrl) return keycloakUrl;
  throw new StackSettingsError(
    "set keycloak:url (the Keycloak the provider talks to) or mcp-gateway-access:keycloakUrl (the " +
      "URL agents use for tokens)",
  );
}

/** Brokered IdPs' client secrets: all of them or nothing is applied (a provider without its secret cannot log in). */
function checkProviderSecrets(config: StackConfig, providers: readonly BrokeredProvider[]): void {
  const missing = providersNeedingSecrets(providers).filter((a) => !config.identityProviderSecrets?.[a]);
  if (!missing.length) return;
  throw new StackSettingsError(
    `no client secret for the identity provider(s) ${missing.join(", ")}; nothing was applied. Set each with ` +
      `pulumi config set --secret --path 'mcp-gateway-access:identityProviderSecrets.<alias>' <secret>`,
  );
}

/** KeycloakAccess's arguments from stack config and the model: the plan and the bootstrap, before adoption. */
function keycloakArgs(config: StackConfig, model: AccessModel, keycloakUrl: string): KeycloakAccessArgs {
  const { registryUrl, authServerUrl } = config;
  return {
    plan: planIdentity(model, { idp: "keycloak", audienceMapper: config.keycloakM2MAudienceMapper }),
    realm: config.keycloakRealm,
    keycloakUrl,
    initialPasswords: pulumi.secret(config.initialPasswords),
    bootstrap: model.bootstrap
      ? {
          webRedirectUris: config.webRedirectUris ?? bootstrapWebRedirectUris(registryUrl, authServerUrl),
          webOrigins: config.webOrigins ?? bootstrapWebOrigins(registryUrl, config.bootstrapRelease),
          release: config.bootstrapRelease,
          names: keycloakBootstrapPlan(
            { username: config.bootstrapAdminUsername, groups: model.bootstrapAdmin?.groups },
            { audienceMapper: config.keycloakM2MAudienceMapper },
          ),
          adminEmail: config.bootstrapAdminEmail,
          adminNames: { firstName: config.bootstrapAdminFirstName, lastName: config.bootstrapAdminLastName },
          adminPassword:
            config.bootstrapAdminPassword === undefined ? undefined : pulumi.secret(config.bootstrapAdminPassword),
        }
      : undefined,
  };
}

/**
 * The stock clients' secrets that something regenerated since the last run, said on the stack (stock-secrets.ts).
 * Only a warning: what it compares decides nothing, so a failure to compare is one too.
 */
async function warnOfRegeneratedSecrets(
  state: Awaited<ReturnType<StackStateReader>>,
  realm: string,
  connect: () => Promise<KeycloakAdmin>,
): Promise<void> {
  try {
    for (const clientId of await changedStockSecrets(state, realm, connect))
      void pulumi.log.warn(stockSecretWarning(clientId, realm));
  } catch (e) {
    const what = "could not compare the stock clients' secrets with the ones this stack recorded";
    void pulumi.log.warn(`Keycloak: ${what}: ${(e as Error).message}`);
  }
}

/**
 * Objects a cut-short run created (or the registry's tools made) that the state does not hold: adopted, not created a
 * second time. Keycloak is signed in to once, and only when something is missing from the state.
 */
async function keycloakAdoption(
  args: KeycloakAccessArgs,
  providers: readonly BrokeredProvider[],
  deps: ProgramDeps,
): Promise<{ access: KeycloakAccessArgs; providers: IdentityProviderAdoption }> {
  const connect = once(deps.connectKeycloak);
  try {
    const state = await deps.readState();
    const providerAdoption = await findAdoptableProviders(providers, state, args.realm, connect);
    const access: KeycloakAccessArgs = { ...args, ...legacyPasswordsInState(state, "keycloak") };
    access.adoption = await findAdoptable(declaredKeycloakObjects("keycloak", access), state, connect);
    if (args.bootstrap) await warnOfRegeneratedSecrets(state, args.realm, connect);
    return { access, providers: providerAdoption };
  } catch (e) {
    if (isMcpAccessError(e)) throw e;
    const message =
      `Keycloak: ${(e as Error).message}. Nothing was applied; check that Keycloak is ` +
      `running and reachable, then run pulumi up again.`;
    throw new ServiceError(message, { cause: e });
  }
}

/** The Keycloak side, from stack config (`keycloak:url` configures the provider itself). */
export async function keycloakAccess(
  config: StackConfig,
  model: AccessModel,
  deps: ProgramDeps = defaultDeps,
): Promise<IdentityAccess> {
  const keycloakUrl = keycloakUrlOf(config);
  const providers = model.identityProviders ?? [];
  checkProviderSecrets(config, providers);
  const adopted = await keycloakAdoption(keycloakArgs(config, model, keycloakUrl), providers, deps);
  const { realm } = adopted.access;
  logAdopted(idpAdoptedCount(adopted.providers), `identity provider(s) and mapper(s) of realm ${realm}`, "Keycloak");
  logAdopted(adoptedCount(adopted.access.adoption!), `object(s) of realm ${realm}`, "Keycloak");
  const hooks = deps.keycloakHooks();
  const access = new KeycloakAccess("keycloak", { ...adopted.access, hooks });
  if (providers.length) {
    // After the groups (and the realm) exist: a mapper names its group by path.
    new BrokeredIdentityProviders(
      "keycloak-idp",
      {
        realm: access.realmId,
        realmUrl: keycloakRealmUrl(keycloakUrl, realm),
        providers,
        secrets: pulumi.secret(config.identityProviderSecrets),
        hooks,
        adoption: adopted.providers,
      },
      { dependsOn: [access] },
    );
  }
  return access;
}

/** The Entra side, from stack config (`azuread:*` configures the provider itself). */
export async function entraAccess(
  config: StackConfig,
  model: AccessModel,
  deps: ProgramDeps = defaultDeps,
): Promise<IdentityAccess> {
  const plan = planIdentity(model, {
    idp: "entra",
    userDomain: config.entraUserDomain,
    existingUsers: config.entraExistingUsers,
  });
  // Objects that exist in the tenant but not in the state (made by the registry's tools, see `mcp-access import`):
  // imported, not created a second time.
  const state = await deps.readState();
  let adoption;
  try {
    adoption = await findEntraAdoptable(declaredEntraObjects("entra", plan), state, deps.connectEntra);
  } catch (e) {
    // A refusal of this tool's own (several objects of one name) says what to do itself.
    if (isMcpAccessError(e) && !(e instanceof ServiceError)) throw e;
    throw new ServiceError(`Entra ID: ${(e as Error).message}. Nothing was applied.`, { cause: e });
  }
  logAdopted(entraAdoptedCount(adoption), "object(s) of the tenant", "Entra ID");
  return new EntraAccess("entra", {
    plan,
    adoption,
    initialPasswords: pulumi.secret(config.initialPasswords),
    ...legacyPasswordsInState(state, "entra"),
    ...entraSettings(config),
    secretRotation: config.entraSecretRotation,
    replicationDelaySeconds: config.entraReplicationDelaySeconds,
    loginBaseUrl: config.entraLoginBaseUrl,
  });
}

/** One adapter per identity provider: a new provider is one more entry. */
const IDENTITY_ACCESS: Record<
  IdentityProvider,
  (config: StackConfig, model: AccessModel, deps: ProgramDeps) => Promise<IdentityAccess>
> = {
  keycloak: keycloakAccess,
  entra: entraAccess,
};

/**
 * This tool's errors stop the run with their code and message (a RunError: no stack trace), before any resource;
 * anything else is left as it is, a bug to see whole.
 */
function asRunError(e: unknown): unknown {
  return isMcpAccessError(e) ? new pulumi.RunError(`${e.code}: ${e.message}`) : e;
}

function stopOnSettingsError<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    throw asRunError(e);
  }
}

/** The stack config as the engine gives it to the program (secrets included, as plain values). */
const stackConfigValue: RawSettings = (key) => pulumi.runtime.getConfig(`${CONFIG_NAMESPACE}:${key}`);

/** Reads stack config, checks the definitions (stopping before anything is applied), declares the resources. */
export async function accessProgram(
  read: RawSettings = stackConfigValue,
  deps: Partial<ProgramDeps> = {},
): Promise<ProgramResult> {
  // Relative to the project (where Pulumi.yaml is), whatever directory the language host runs the program in.
  const root = pulumi.runtime.getRootDirectory() || process.cwd();
  // Every setting is checked before the first resource is declared: a bad one must apply nothing.
  const config = stopOnSettingsError(() => {
    refusePlainSecrets(root, pulumi.getStack());
    return parseStackConfig(read, "stack config");
  });
  const definitionsDir = resolve(root, config.definitionsDir);
  const checked = checkRepository(definitionsDir, config);
  for (const w of checked.warnings) void pulumi.log.warn(textLine(w));
  if (!checked.ok) {
    const message =
      `the definitions in ${definitionsDir} have ${checked.errors.length} error(s); nothing was applied:\n` +
      checked.errors.map(textLine).join("\n");
    throw asRunError(new DefinitionsError(message));
  }
  const idp = config.identityProvider;
  // Without the IdP, the stack keeps only the registry's documents (the IdP is managed elsewhere).
  const access = config.manageIdentityProvider
    ? await IDENTITY_ACCESS[idp](config, checked.model, { ...defaultDeps, ...deps }).catch((e: unknown) =>
        Promise.reject(asRunError(e)),
      )
    : undefined;
  const store = new ScopeStore("registry", {
    model: checked.model,
    idp,
    database: config.database,
    namespace: config.namespace,
    onConflict: config.onScopeConflict,
    onConflictByGroup: config.onScopeConflictByGroup,
    ...access?.assignedIds,
  });
  return { model: checked.model, idp, store, access };
}

/**
 * The stack outputs (README, "Stack outputs"). `bootstrapAdminPassword` only when the bootstrap generated one: an
 * output set to undefined makes Pulumi print "Undefined value ... will not show as a stack output" on every run.
 */
export function stackOutputsOf(program: ProgramResult) {
  return {
    /** M2M name → {clientId, clientSecret (secret), tokenUrl, realm, keycloakUrl, authProvider}. */
    m2m: program.access?.m2m ?? {},
    /** Group name → IdP group id. */
    groups: program.access?.groups ?? {},
    /** Username → {id, initialPassword (secret, when generated)}. */
    users: program.access?.users ?? {},
    /** Scope name → when its document was created and last written. */
    scopes: program.store.written.scopes,
    /**
     * The issuers of the identity provider's tokens (realm URL; Entra v2 and v1 issuers): what `token --verify` trusts.
     */
    ...(program.access?.issuers ? { issuers: program.access.issuers } : {}),
    /** Secret; the bootstrap admin's generated initial password (temporary), when bootstrap generated it. */
    ...(program.access?.bootstrapAdminPassword
      ? { bootstrapAdminPassword: program.access.bootstrapAdminPassword }
      : {}),
    /** Keycloak bootstrap: digests of the stock clients' secrets (components/keycloak/stock-secrets.ts). */
    ...(program.access?.bootstrapClientSecretDigests
      ? { bootstrapClientSecretDigests: program.access.bootstrapClientSecretDigests }
      : {}),
  };
}

/** What the program exports as the stack's outputs. */
export type StackOutputValues = ReturnType<typeof stackOutputsOf>;
