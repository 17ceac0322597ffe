/**
 * Adoption: the Keycloak objects this stack declares that already exist in Keycloak but are missing from the
 * stack's state — a create whose response was lost (the realm POST that outlived the client timeout), or an
 * engine killed in the middle of `up`. Such objects are imported (Pulumi's `import` option) instead of created,
 * so a rerun converges: nothing duplicated, no 409. Objects are matched by their names in the realm, the way
 * the registry itself finds them. Objects already in the state are never imported again.
 */
import type { KeycloakAdmin } from "../../clients/keycloak-admin";
import type { StateResource } from "../../clients/stack-state";
import { ownedKey, RESOURCE_TYPES, type DeclaredObject } from "../../lib";
import {
  adoptWhatStateLacks,
  askOnce,
  findLacking,
  importCount,
  importIdsOf,
  lackingIn,
  memo,
  passwordlessUsers,
  type Find,
  type Found,
  type Held,
  type ImportIds,
} from "../adoption";

/** What the program will declare: the plan's list (lib/model/declared-objects.ts `keycloakDeclaredObjects`). */
export interface DeclaredKeycloakObjects {
  realm: string;
  objects: readonly DeclaredObject[];
  /** Users whose own generated password an earlier run left in the state (components/identity.ts). */
  legacyPasswordUsers?: ReadonlySet<string>;
}

/** Import ids (the provider's import format) of declared objects that exist in Keycloak but not in the state. */
export interface KeycloakAdoption {
  realm?: string;
  groups: ImportIds;
  users: ImportIds;
  clients: ImportIds;
  /** `${clientId}/${mapperName}` → import id. */
  mappers: ImportIds;
  /**
   * `membershipKey(kind, name)` → import id of the principal's UserGroups: only for adopted principals whose
   * groups in Keycloak are exactly the declared ones (otherwise the UserGroups is created, which sets them).
   */
  userGroups?: ImportIds;
  /**
   * Users whose password Keycloak keeps: adopted users this stack never gave an initial password (made by the
   * registry's tools, see `mcp-access import`), and users the state holds without one. No initial password is
   * declared or generated for them.
   */
  keepPasswords?: string[];
}

export const NO_ADOPTION: KeycloakAdoption = { groups: {}, users: {}, clients: {}, mappers: {} };

/** Users the state holds without an initial password (imported ones): their password stays Keycloak's. */
function passwordlessInState(state: readonly StateResource[], realm: string): string[] {
  const fields = { name: "username", password: "initialPassword" };
  return passwordlessUsers(state, T.user, fields, (r) => r.outputs.realmId === realm);
}

/** The key of a mapper on a client. */
export const mapperKey: (clientId: string, mapper: string) => string = ownedKey;

const T = RESOURCE_TYPES.keycloak;
const PROTOCOL_MAPPERS: readonly string[] = [T.groupsMapper, T.audienceMapper];

interface Managed {
  realm: boolean;
  groups: Set<string>;
  users: Set<string>;
  clients: Map<string, string>; // clientId → internal id
  mappers: Set<string>;
  /** Names of the mappers on client scopes (see scopeMapperKey). */
  scopeMappers: Set<string>;
}

/** The Keycloak objects of `realm` that the state holds, by name. */
export function managedInState(state: readonly StateResource[], realm: string): Managed {
  const m: Managed = {
    realm: false,
    groups: new Set(),
    users: new Set(),
    clients: new Map(),
    mappers: new Set(),
    scopeMappers: new Set(),
  };
  const inRealm = state.filter((r) => r.outputs.realmId === realm || (r.type === T.realm && r.outputs.realm === realm));
  const byUuid = new Map<string, string>();
  for (const r of inRealm) {
    const o = r.outputs;
    if (r.type === T.realm) m.realm = true;
    else if (r.type === T.group && !o.parentId) m.groups.add(String(o.name));
    else if (r.type === T.user) m.users.add(String(o.username));
    else if (r.type === T.client && r.id) {
      m.clients.set(String(o.clientId), r.id);
      byUuid.set(r.id, String(o.clientId));
    }
  }
  for (const r of inRealm.filter((x) => PROTOCOL_MAPPERS.includes(x.type))) {
    if (r.outputs.clientScopeId) m.scopeMappers.add(String(r.outputs.name));
    const clientId = byUuid.get(String(r.outputs.clientId));
    if (clientId) m.mappers.add(mapperKey(clientId, String(r.outputs.name)));
  }
  return m;
}

/** Whether the state holds a declared object, per type (a membership is held with its principal). */
function heldIn(m: Managed): Held {
  return {
    realmExists: () => m.realm,
    topLevelGroupIds: (o) => m.groups.has(o.name),
    userIds: (o) => m.users.has(o.name),
    clientIds: (o) => m.clients.has(o.name),
    protocolMapperIds: (o) => m.mappers.has(o.name),
    clientScopeMapperIds: (o) => m.scopeMappers.has(o.within!.name),
    groupNamesOf: ({ member }) => (member!.kind === "user" ? m.users : m.clients).has(member!.principal),
  };
}

/**
 * Keycloak's lookups per type, each realm-wide list asked once: users by the names the state lacks, a client's
 * mappers by its internal id, a scope's by the scope's id.
 */
function findIn(admin: KeycloakAdmin, realm: string, lacking: readonly DeclaredObject[]): Find {
  const groups = askOnce(() => admin.topLevelGroupIds(realm));
  const wantedUsers = lacking.filter((o) => o.adopt!.lookup === "userIds").map((o) => o.name);
  const users = askOnce(() => admin.userIds(realm, wantedUsers));
  const clients = askOnce(() => admin.clientIds(realm));
  const clientMappers = memo((uuid: string) => admin.protocolMapperIds(realm, uuid));
  const scopes = askOnce(() => admin.clientScopeIds(realm));
  const scopeMappers = memo((scopeId: string) => admin.clientScopeMapperIds(realm, scopeId));
  const inRealm = (id: string | undefined) => (id === undefined ? undefined : `${realm}/${id}`);
  /** The Keycloak user of a principal: the user, or the M2M client's service account. */
  const userOf = async ({ kind, principal }: NonNullable<DeclaredObject["member"]>) => {
    if (kind === "user") return (await users()).get(principal);
    const uuid = (await clients()).get(principal);
    return uuid === undefined ? undefined : admin.serviceAccountUserId(realm, uuid);
  };
  return {
    realmExists: async () => realm,
    topLevelGroupIds: async (o) => inRealm((await groups()).get(o.name)),
    userIds: async (o) => inRealm((await users()).get(o.name)),
    clientIds: async (o) => inRealm((await clients()).get(o.name)),
    protocolMapperIds: async ({ within }) => {
      const uuid = (await clients()).get(within!.owner);
      const id = uuid === undefined ? undefined : (await clientMappers(uuid)).get(within!.name);
      return id === undefined ? undefined : `${realm}/client/${uuid}/${id}`;
    },
    clientScopeMapperIds: async ({ within }) => {
      const scopeId = (await scopes()).get(within!.owner);
      const id = scopeId === undefined ? undefined : (await scopeMappers(scopeId)).get(within!.name);
      return id === undefined ? undefined : `${realm}/client-scope/${scopeId}/${id}`;
    },
    // A UserGroups is imported when Keycloak's groups of the principal are exactly the declared ones.
    groupNamesOf: async ({ member }) => {
      const userId = await userOf(member!);
      if (!userId) return undefined;
      const live = [...new Set(await admin.groupNamesOf(realm, userId))].sort();
      const want = [...new Set(member!.groups)].sort();
      return live.length === want.length && want.every((g, i) => g === live[i]) ? `${realm}/${userId}` : undefined;
    },
  };
}

/**
 * Finds what to adopt. `state` undefined (unreadable) adopts nothing: the run behaves as Pulumi alone would.
 */
export function findAdoptable(
  declared: DeclaredKeycloakObjects,
  state: readonly StateResource[] | undefined,
  connect: () => Promise<KeycloakAdmin>,
): Promise<KeycloakAdoption> {
  return adoptWhatStateLacks(state, {
    nothing: NO_ADOPTION,
    fromState: (s) => {
      const lacking = lackingIn(declared.objects, heldIn(managedInState(s, declared.realm)));
      const kept = passwordlessInState(s, declared.realm);
      return {
        lacking: lacking.length ? lacking : undefined,
        unasked: kept.length ? { ...NO_ADOPTION, keepPasswords: kept } : NO_ADOPTION,
      };
    },
    connect,
    adopt: async (admin, lacking, unasked) => {
      const kept = unasked.keepPasswords ?? [];
      if (!(await admin.realmExists(declared.realm))) return adoptionOf(declared, new Map(), kept);
      return adoptionOf(declared, await findLacking(lacking, findIn(admin, declared.realm, lacking)), kept);
    },
  });
}

/** The adoption's tables, keyed by name in Keycloak, from what the walk found. */
function adoptionOf(declared: DeclaredKeycloakObjects, found: Found, kept: readonly string[]): KeycloakAdoption {
  const table = (name: string) => importIdsOf(declared.objects, found, name);
  const users = table("users");
  const realm = Object.values(table("realm"))[0];
  return {
    ...(realm ? { realm } : {}),
    groups: table("groups"),
    users,
    clients: table("clients"),
    mappers: table("mappers"),
    userGroups: table("userGroups"),
    // A user whose generated password is in the state (a run cut short after it, before the user) gets it.
    keepPasswords: [...kept, ...Object.keys(users).filter((u) => !declared.legacyPasswordUsers?.has(u))],
  };
}

/** How many objects a run adopts, for the log. */
export function adoptedCount(a: KeycloakAdoption): number {
  return (a.realm ? 1 : 0) + importCount(a.groups, a.users, a.clients, a.mappers, a.userGroups);
}
