/**
 * Reading a running registry for `mcp-access import`: the Keycloak realm through its admin REST API, and the
 * registry's documents through the mongodb driver. Only names, ids, flags and memberships are read; client
 * secrets are never asked for (client representations carry one: it is dropped here, at the edge).
 */
import {
  M2M_CLIENTS_COLLECTION,
  rateLimitMembershipsCollectionName,
  rateLimitsCollectionName,
  scopesCollectionName,
} from "../lib";
import { SERVICE_ACCOUNT_PREFIX } from "../lib";
import type { Doc, SnapshotClient, SnapshotGroup, SnapshotUser } from "../lib";
import { ServiceError, UsageError } from "../lib";
import { connectGraph, graphSettingsFrom, type EntraDirectory } from "../clients/graph";
import {
  keycloakReader,
  pages,
  signInKeycloak,
  topLevelGroupNames,
  type KeycloakAdminClient,
  type KeycloakAdminSettings,
} from "../clients/keycloak-admin";
import type { SnapshotIdentityProvider } from "../lib";
import { baseUrl } from "../lib";

/**
 * Credentials as the Keycloak provider reads them from the environment (never from the command line). The admin
 * signs in to `KEYCLOAK_REALM` (default master) as `KEYCLOAK_CLIENT_ID` (default admin-cli).
 */
export function keycloakSettingsFromEnv(url: string, env: NodeJS.ProcessEnv): KeycloakAdminSettings {
  const username = env.KEYCLOAK_USER;
  const clientSecret = env.KEYCLOAK_CLIENT_SECRET;
  if (!username && !clientSecret) {
    throw new UsageError(
      "set KEYCLOAK_USER and KEYCLOAK_PASSWORD (an admin of the realm), or KEYCLOAK_CLIENT_ID and " +
        "KEYCLOAK_CLIENT_SECRET (a client with realm-management view rights): the import reads the realm with them",
    );
  }
  return {
    url: baseUrl(url),
    basePath: "",
    realm: env.KEYCLOAK_REALM ?? "master",
    clientId: env.KEYCLOAK_CLIENT_ID ?? "admin-cli",
    clientSecret,
    username,
    password: env.KEYCLOAK_PASSWORD,
  };
}

export interface IdentitySnapshot {
  groups: SnapshotGroup[];
  users: SnapshotUser[];
  clients: SnapshotClient[];
  /** Brokered identity providers and their mappers (client secrets are masked by Keycloak and never read). */
  identityProviders?: SnapshotIdentityProvider[];
  /** Keycloak: the realm's login and brute-force settings (lib/import/bootstrap.ts compares them). */
  realmSettings?: Record<string, unknown>;
}

/** The realm settings the registry's bootstrap writes (lib/registry/keycloak-bootstrap.ts). */
const REALM_SETTINGS = [
  "registrationAllowed",
  "loginWithEmailAllowed",
  "duplicateEmailsAllowed",
  "resetPasswordAllowed",
  "editUsernameAllowed",
  "bruteForceProtected",
  "failureFactor",
  "waitIncrementSeconds",
  "maxFailureWaitSeconds",
  "permanentLockout",
] as const;

function attributeValue(attrs: Record<string, unknown> | undefined, key: string): string | undefined {
  const v = attrs?.[key];
  if (Array.isArray(v)) return v.length ? v.map(String).join("##") : "";
  return typeof v === "string" ? v : undefined;
}

/** Everything the import needs from one realm, read as the admin of `s` (its `realm` is where the admin signs in). */
export async function readKeycloakRealm(s: KeycloakAdminSettings, realm: string): Promise<IdentitySnapshot> {
  const kc = await signInKeycloak(s).catch((e: Error) => Promise.reject(new ServiceError(e.message, { cause: e })));
  const found = await kc.realms.findOne({ realm });
  if (!found) throw new ServiceError(`Keycloak at ${s.url} has no realm "${realm}"`);
  const read = { kc, realm, membership: memberships(kc, realm) };
  const settings = found as Record<string, unknown>;
  return {
    realmSettings: Object.fromEntries(REALM_SETTINGS.map((k) => [k, settings[k]])),
    groups: await readGroups(read),
    users: await readUsers(read),
    clients: await readClients(read),
    identityProviders: await keycloakReader(kc).identityProviders(realm),
  };
}

interface RealmRead {
  kc: KeycloakAdminClient;
  realm: string;
  /** A user's top-level groups and the paths of its subgroups. */
  membership: (userId: string) => Promise<{ topLevel: string[]; nested: string[] }>;
}

function memberships(kc: KeycloakAdminClient, realm: string): RealmRead["membership"] {
  return async (id) => {
    const list = await kc.users.listGroups({ realm, id, briefRepresentation: true, max: 1000 });
    const topLevel = topLevelGroupNames(list);
    const nested = list.filter((x) => x.path && x.path.split("/").length > 2).map((x) => x.path!);
    return { topLevel, nested };
  };
}

async function readGroups({ kc, realm }: RealmRead): Promise<SnapshotGroup[]> {
  const top = await pages((first, max) => kc.groups.find({ realm, first, max, briefRepresentation: false }));
  const groups: SnapshotGroup[] = [];
  for (const g of top) {
    const subs = g.subGroupCount
      ? await kc.groups.listSubGroups({ realm, parentId: g.id!, first: 0, max: 1000 })
      : (g.subGroups ?? []);
    groups.push({
      name: g.name!,
      id: g.id!,
      description: attributeValue(g.attributes, "description"),
      subGroups: subs.map((x) => x.name!),
    });
  }
  return groups;
}

async function readUsers({ kc, realm, membership }: RealmRead): Promise<SnapshotUser[]> {
  const users: SnapshotUser[] = [];
  const all = await pages((first, max) => kc.users.find({ realm, first, max, briefRepresentation: false }));
  for (const u of all) {
    // Service-account users belong to their clients.
    if (u.serviceAccountClientId || u.username?.startsWith(SERVICE_ACCOUNT_PREFIX)) continue;
    const m = await membership(u.id!);
    users.push({
      username: u.username!,
      email: u.email,
      firstName: u.firstName,
      lastName: u.lastName,
      enabled: u.enabled !== false,
      emailVerified: u.emailVerified === true,
      groups: m.topLevel,
      subGroupPaths: m.nested,
      attributes: Object.keys(u.attributes ?? {}),
    });
  }
  return users;
}

async function readClients({ kc, realm, membership }: RealmRead): Promise<SnapshotClient[]> {
  const clients: SnapshotClient[] = [];
  for (const c of await pages((first, max) => kc.clients.find({ realm, first, max }))) {
    const serviceAccountOnly =
      c.serviceAccountsEnabled === true &&
      c.publicClient !== true &&
      c.bearerOnly !== true &&
      c.standardFlowEnabled !== true &&
      c.implicitFlowEnabled !== true &&
      c.directAccessGrantsEnabled !== true &&
      (c.protocol ?? "openid-connect") === "openid-connect";
    let groupNames: string[] = [];
    if (c.serviceAccountsEnabled) {
      const sa = await kc.clients.getServiceAccountUser({ realm, id: c.id! });
      if (sa?.id) groupNames = (await membership(sa.id)).topLevel;
    }
    clients.push({
      clientId: c.clientId!,
      name: c.name,
      description: c.description,
      enabled: c.enabled !== false,
      serviceAccountOnly,
      groups: groupNames,
      mappers: (c.protocolMappers ?? []).map((m) => m.name!),
      redirectUris: c.redirectUris ?? [],
      webOrigins: c.webOrigins ?? [],
      postLogoutRedirectUris: (attributeValue(c.attributes, "post.logout.redirect.uris") ?? "")
        .split("##")
        .filter(Boolean),
      fullScopeAllowed: c.fullScopeAllowed !== false,
    });
  }
  return clients;
}

export interface DatabaseSnapshot {
  scopes: Doc[];
  m2mRecords: Doc[];
  /** mcp_rate_limits_<ns> and rate_limit_memberships_<ns>, as stored. */
  rateLimits?: Doc[];
  rateLimitMemberships?: Doc[];
}

/** The namespace's scope documents and the M2M records, as stored. */
export async function readRegistryDatabase(
  uri: string,
  database: string,
  namespace: string,
): Promise<DatabaseSnapshot> {
  const { MongoClient } = await import("mongodb");
  const client = new MongoClient(uri, { retryWrites: false, serverSelectionTimeoutMS: 10000 });
  try {
    await client.connect();
    const db = client.db(database);
    const scopes = await db.collection(scopesCollectionName(namespace)).find({}).toArray();
    const m2mRecords = await db.collection(M2M_CLIENTS_COLLECTION).find({}).toArray();
    const rateLimits = await db.collection(rateLimitsCollectionName(namespace)).find({}).toArray();
    const rateLimitMemberships = await db.collection(rateLimitMembershipsCollectionName(namespace)).find({}).toArray();
    return {
      scopes: scopes as Doc[],
      m2mRecords: m2mRecords.map((r) => ({ ...r, _id: String(r._id) })) as Doc[],
      rateLimits: rateLimits as Doc[],
      rateLimitMemberships: rateLimitMemberships as Doc[],
    };
  } catch (e) {
    const reason = (e as Error).message.replace(/\/\/[^@/]*@/g, "//***@");
    throw new ServiceError(`cannot read the registry database ${database}: ${reason}`);
  } finally {
    await client.close().catch(() => undefined);
  }
}

/**
 * Everything the import needs from an Entra ID tenant (credentials from AZURE_CLIENT_ID/AZURE_CLIENT_SECRET or ARM_*).
 */
export async function readEntraTenant(
  tenant: string,
  env: NodeJS.ProcessEnv,
  connect: typeof connectGraph = connectGraph,
): Promise<IdentitySnapshot> {
  const settings = graphSettingsFrom((k) => (k === "tenantId" ? tenant : undefined), env);
  if (!settings) {
    throw new UsageError(
      "set AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or ARM_CLIENT_ID and ARM_CLIENT_SECRET): an " +
        "application with Group.Read.All, User.Read.All and Application.Read.All; the import reads " +
        "the tenant with them",
    );
  }
  let dir: EntraDirectory;
  try {
    dir = await connect(settings);
  } catch (e) {
    throw new ServiceError((e as Error).message, { cause: e });
  }
  const groupsById = new Map((await dir.securityGroups()).map((g) => [g.id, g]));
  const names = async (objectId: string) =>
    (await dir.memberOf(objectId)).map((id) => groupsById.get(id)?.displayName).filter((n): n is string => !!n);
  const groups: SnapshotGroup[] = [...groupsById.values()].map((g) => ({
    name: g.displayName,
    id: g.id,
    description: g.description ?? undefined,
    subGroups: [],
  }));
  const users: SnapshotUser[] = [];
  for (const u of await dir.users()) {
    const memberOf = await names(u.id);
    if (!memberOf.length) continue; // not in any security group: nothing of the registry's
    users.push({
      username: u.userPrincipalName.toLowerCase(),
      email: u.mail ?? undefined,
      firstName: u.givenName ?? undefined,
      lastName: u.surname ?? undefined,
      enabled: u.accountEnabled !== false,
      groups: memberOf,
      subGroupPaths: [],
      attributes: [],
    });
  }
  const clients: SnapshotClient[] = [];
  for (const app of await dir.applications()) {
    const sp = await dir.servicePrincipalOf(app.appId);
    const memberOf = sp ? await names(sp.id) : [];
    clients.push({
      clientId: app.displayName,
      name: app.displayName,
      description: app.description ?? undefined,
      enabled: sp?.accountEnabled !== false,
      // An application whose service principal joins security groups is what user-create-m2m makes.
      serviceAccountOnly: !!sp && memberOf.length > 0,
      groups: memberOf,
      mappers: [],
    });
  }
  return { groups, users, clients };
}
