/**
 * The program's own read-only view of Keycloak, with the credentials the Keycloak provider uses (`keycloak:*`
 * stack config, else the provider's environment variables), for adoption. Only names and ids are read, and a
 * digest of a client's secret (never the secret itself leaves this module).
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { errorReason } from "../lib/errors/reason";
import { ServiceError } from "../lib/errors/errors";
import type { SnapshotIdentityProvider } from "../lib";
import { baseUrl } from "../lib";

/** A brokered identity provider as the admin API gives it, each mapper with its id (what an import needs). */
export interface KeycloakIdentityProvider extends SnapshotIdentityProvider {
  mappers: Array<SnapshotIdentityProvider["mappers"][number] & { id: string }>;
}

export interface KeycloakAdmin {
  realmExists(realm: string): Promise<boolean>;
  /** Top-level group name → id. */
  topLevelGroupIds(realm: string): Promise<Map<string, string>>;
  /** username → id, for the usernames asked for that exist. */
  userIds(realm: string, usernames: readonly string[]): Promise<Map<string, string>>;
  /** clientId → internal id. */
  clientIds(realm: string): Promise<Map<string, string>>;
  /** mapper name → id. */
  protocolMapperIds(realm: string, clientUuid: string): Promise<Map<string, string>>;
  /** client scope name → id. */
  clientScopeIds(realm: string): Promise<Map<string, string>>;
  /** mapper name → id, of a client scope's mappers. */
  clientScopeMapperIds(realm: string, scopeId: string): Promise<Map<string, string>>;
  /** The id of a client's service-account user, if it has one. */
  serviceAccountUserId(realm: string, clientUuid: string): Promise<string | undefined>;
  /** Names of the top-level groups a user is a direct member of. */
  groupNamesOf(realm: string, userId: string): Promise<string[]>;
  /** The realm's brokered identity providers with their mappers; only those of `aliases` when given. */
  identityProviders(realm: string, aliases?: readonly string[]): Promise<KeycloakIdentityProvider[]>;
  /** `secretDigest` of a confidential client's current secret; undefined when it has none. */
  clientSecretDigest(realm: string, clientUuid: string): Promise<string | undefined>;
}

/**
 * A short, one-way fingerprint of a client secret: enough to tell two secrets apart, nothing to guess one from
 * (Keycloak's secrets are 32 random characters). What the stack keeps of the stock clients' secrets.
 */
export function secretDigest(secret: string): string {
  return `sha256:${createHash("sha256").update(secret, "utf8").digest("hex").slice(0, 16)}`;
}

/** How to sign in to Keycloak's admin API: the one settings type of the program and of `mcp-access import`. */
export interface KeycloakAdminSettings {
  url: string;
  basePath: string;
  /** The realm the admin signs in to (`keycloak:realm`, `KEYCLOAK_REALM`; default master). */
  realm: string;
  clientId: string;
  clientSecret?: string;
  username?: string;
  password?: string;
}

/** The URL the provider talks to: `keycloak:url`, else its environment variable. */
export function providerUrl(
  config = new pulumi.Config("keycloak"),
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  return config.get("url") ?? env.KEYCLOAK_URL;
}

/** The provider's settings as it reads them: stack config `keycloak:<key>`, then its environment variable. */
export function providerSettings(
  config = new pulumi.Config("keycloak"),
  env: NodeJS.ProcessEnv = process.env,
): KeycloakAdminSettings | undefined {
  const url = providerUrl(config, env);
  const clientId = config.get("clientId") ?? env.KEYCLOAK_CLIENT_ID;
  if (!url || !clientId) return undefined;
  return {
    url: baseUrl(url),
    basePath: config.get("basePath") ?? env.KEYCLOAK_BASE_PATH ?? "",
    realm: config.get("realm") ?? env.KEYCLOAK_REALM ?? "master",
    clientId,
    clientSecret: config.get("clientSecret") ?? env.KEYCLOAK_CLIENT_SECRET,
    username: config.get("username") ?? env.KEYCLOAK_USER,
    password: config.get("password") ?? env.KEYCLOAK_PASSWORD,
  };
}

const PAGE = 500;

/** Every page of a paged admin-API listing. */
export async function pages<T>(fetchPage: (first: number, max: number) => Promise<T[]>): Promise<T[]> {
  const all: T[] = [];
  for (let first = 0; ; first += PAGE) {
    const page = await fetchPage(first, PAGE);
    all.push(...page);
    if (page.length < PAGE) return all;
  }
}

export type KeycloakAdminClient = InstanceType<typeof import("@keycloak/keycloak-admin-client").default>;

/**
 * An admin client signed in with @keycloak/keycloak-admin-client (password grant when a username is set, else client
 * credentials).
 */
export async function signInKeycloak(s: KeycloakAdminSettings): Promise<KeycloakAdminClient> {
  const { default: KcAdminClient } = await import("@keycloak/keycloak-admin-client");
  const kc = new KcAdminClient({ baseUrl: `${s.url}${s.basePath}`, realmName: s.realm });
  try {
    if (s.username)
      await kc.auth({
        grantType: "password",
        clientId: s.clientId,
        clientSecret: s.clientSecret,
        username: s.username,
        password: s.password ?? "",
      });
    else await kc.auth({ grantType: "client_credentials", clientId: s.clientId, clientSecret: s.clientSecret ?? "" });
  } catch (e) {
    const where = `${s.url} (realm ${s.realm}, client ${s.clientId})`;
    throw new ServiceError(`cannot sign in to Keycloak at ${where}: ${errorReason(e)}`, { cause: e });
  }
  return kc;
}

/** The top-level groups of a user's group list (subgroups have longer paths). */
export function topLevelGroupNames(groups: ReadonlyArray<{ name?: string; path?: string }>): string[] {
  return groups.filter((g) => (g.path ?? `/${g.name}`).split("/").length === 2).map((g) => g.name!);
}

/** The read-only view adoption needs, over a signed-in admin client. */
export async function connectKeycloakAdmin(s: KeycloakAdminSettings): Promise<KeycloakAdmin> {
  const kc = await signInKeycloak(s).catch((e: ServiceError) =>
    // The sign-in's own error, its code kept, said with what the sign-in was for.
    Promise.reject(new ServiceError(`${e.message} (to look for existing objects)`, { cause: e })),
  );
  return keycloakReader(kc);
}

/** The realm's identity providers, each with its mappers (one request per provider). */
async function readIdentityProviders(
  kc: KeycloakAdminClient,
  realm: string,
  aliases?: readonly string[],
): Promise<KeycloakIdentityProvider[]> {
  const out: KeycloakIdentityProvider[] = [];
  for (const p of await kc.identityProviders.find({ realm })) {
    if (!p.alias || (aliases && !aliases.includes(p.alias))) continue;
    const mappers = await kc.identityProviders.findMappers({ realm, alias: p.alias });
    out.push({
      alias: p.alias,
      providerId: p.providerId ?? "",
      displayName: p.displayName,
      enabled: p.enabled,
      trustEmail: p.trustEmail,
      storeToken: p.storeToken,
      hideOnLogin: (p as { hideOnLogin?: boolean }).hideOnLogin,
      firstBrokerLoginFlowAlias: p.firstBrokerLoginFlowAlias,
      config: { ...(p.config as Record<string, string> | undefined) },
      mappers: mappers.map((m) => ({
        id: m.id ?? "",
        name: m.name ?? "",
        identityProviderMapper: m.identityProviderMapper ?? "",
        config: { ...(m.config as Record<string, string> | undefined) },
      })),
    });
  }
  return out;
}

/** The read-only view over an admin client already signed in. */
export function keycloakReader(kc: KeycloakAdminClient): KeycloakAdmin {
  return {
    async realmExists(realm) {
      return (await kc.realms.findOne({ realm })) != null;
    },
    async topLevelGroupIds(realm) {
      const groups = await pages((first, max) => kc.groups.find({ realm, first, max, briefRepresentation: true }));
      return new Map(groups.map((g) => [g.name!, g.id!]));
    },
    async userIds(realm, usernames) {
      const out = new Map<string, string>();
      // One page of the realm's users is cheaper than one request per name once there are many.
      if (usernames.length > 20) {
        const users = await pages((first, max) => kc.users.find({ realm, first, max, briefRepresentation: true }));
        const wanted = new Set(usernames);
        for (const u of users) if (wanted.has(u.username!)) out.set(u.username!, u.id!);
        return out;
      }
      for (const username of usernames) {
        const [u] = await kc.users.find({ realm, username, exact: true, briefRepresentation: true });
        if (u?.id) out.set(username, u.id);
      }
      return out;
    },
    async clientIds(realm) {
      const clients = await pages((first, max) => kc.clients.find({ realm, first, max }));
      return new Map(clients.map((c) => [c.clientId!, c.id!]));
    },
    async protocolMapperIds(realm, id) {
      const mappers = await kc.clients.listProtocolMappers({ realm, id });
      return new Map(mappers.map((m) => [m.name!, m.id!]));
    },
    async clientScopeIds(realm) {
      const scopes = await kc.clientScopes.find({ realm });
      return new Map(scopes.map((c) => [c.name!, c.id!]));
    },
    async clientScopeMapperIds(realm, id) {
      const mappers = await kc.clientScopes.listProtocolMappers({ realm, id });
      return new Map(mappers.map((m) => [m.name!, m.id!]));
    },
    async serviceAccountUserId(realm, id) {
      return (await kc.clients.getServiceAccountUser({ realm, id }))?.id;
    },
    async groupNamesOf(realm, id) {
      return topLevelGroupNames(await kc.users.listGroups({ realm, id, briefRepresentation: true, max: 1000 }));
    },
    identityProviders: (realm, aliases) => readIdentityProviders(kc, realm, aliases),
    async clientSecretDigest(realm, id) {
      const { value } = await kc.clients.getClientSecret({ realm, id });
      return value ? secretDigest(value) : undefined;
    },
  };
}
