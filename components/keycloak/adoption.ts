/**
 * Adoption: the Keycloak objects this stack declares that already exist in Keycloak but are missing from the
 * stack's state — a create whose response was lost (the realm POST that outlived the client timeout), or an
 * engine killed in the middle of `up`. Such objects are imported (Pulumi's `import` option) instead of created,
 * so a rerun converges: nothing duplicated, no 409. Objects are matched by their names in the realm, the way
 * the registry itself finds them. Objects already in the state are never imported again.
 */
import type { KeycloakAdmin } from "../../clients/keycloak-admin";
import type { StateResource } from "../../clients/stack-state";
import { membershipKey, ownedKey, RESOURCE_TYPES, scopeMapperKey, type KeycloakObjectNames } from "../../lib";
import { adoptWhatStateLacks, importCount, passwordlessUsers, type ImportIds } from "../adoption";

/** What the program will declare, by name: the plan's names (lib/model/identity-plan.ts `keycloakObjectNames`). */
export interface DeclaredKeycloakObjects extends KeycloakObjectNames {
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

/** Whether the state lacks a declared object (when it does not, Keycloak is not asked anything). */
function missing(d: DeclaredKeycloakObjects, m: Managed): boolean {
  return (
    (d.managesRealm && !m.realm) ||
    d.groups.some((g) => !m.groups.has(g)) ||
    d.users.some((u) => !m.users.has(u)) ||
    Object.entries(d.clients).some(
      ([c, mappers]) => !m.clients.has(c) || mappers.some((x) => !m.mappers.has(mapperKey(c, x))),
    ) ||
    Object.values(d.clientScopes ?? {}).some((mappers) => mappers.some((x) => !m.scopeMappers.has(x)))
  );
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
      const managed = managedInState(s, declared.realm);
      const kept = passwordlessInState(s, declared.realm);
      return {
        lacking: missing(declared, managed) ? managed : undefined,
        unasked: kept.length ? { ...NO_ADOPTION, keepPasswords: kept } : NO_ADOPTION,
      };
    },
    connect,
    adopt: (admin, managed, unasked) => adoptFromKeycloak(admin, declared, managed, unasked.keepPasswords ?? []),
  });
}

async function adoptFromKeycloak(
  admin: KeycloakAdmin,
  declared: DeclaredKeycloakObjects,
  managed: Managed,
  kept: readonly string[],
): Promise<KeycloakAdoption> {
  const realm = declared.realm;
  const adoption: KeycloakAdoption = {
    groups: {},
    users: {},
    clients: {},
    mappers: {},
    userGroups: {},
    keepPasswords: [...kept],
  };
  if (!(await admin.realmExists(realm))) return adoption;
  if (declared.managesRealm && !managed.realm) adoption.realm = realm;
  const read: Read = { admin, realm, declared, managed, adoption };
  await adoptGroups(read);
  await adoptUsers(read);
  await adoptClients(read);
  await adoptScopeMappers(read);
  return adoption;
}

/** One adoption's inputs and its result, filled in by one function per object type. */
interface Read {
  admin: KeycloakAdmin;
  realm: string;
  declared: DeclaredKeycloakObjects;
  managed: Managed;
  adoption: KeycloakAdoption;
}

async function adoptGroups({ admin, realm, declared, managed, adoption }: Read): Promise<void> {
  const wantGroups = declared.groups.filter((g) => !managed.groups.has(g));
  if (!wantGroups.length) return;
  const ids = await admin.topLevelGroupIds(realm);
  for (const g of wantGroups) if (ids.has(g)) adoption.groups[g] = `${realm}/${ids.get(g)}`;
}

async function adoptUsers({ admin, realm, declared, managed, adoption }: Read): Promise<void> {
  const wantUsers = declared.users.filter((u) => !managed.users.has(u));
  if (!wantUsers.length) return;
  const ids = await admin.userIds(realm, wantUsers);
  for (const u of wantUsers) {
    const id = ids.get(u);
    if (!id) continue;
    adoption.users[u] = `${realm}/${id}`;
    // A user whose generated password is in the state (a run cut short after it, before the user) gets it.
    if (!declared.legacyPasswordUsers?.has(u)) adoption.keepPasswords!.push(u);
    await adoptMemberships(admin, realm, id, membershipKey("user", u), declared, adoption);
  }
}

async function adoptClients({ admin, realm, declared, managed, adoption }: Read): Promise<void> {
  const wantClients = Object.entries(declared.clients).filter(
    ([c, mappers]) => !managed.clients.has(c) || mappers.some((x) => !managed.mappers.has(mapperKey(c, x))),
  );
  if (!wantClients.length) return;
  const ids = await admin.clientIds(realm);
  for (const [clientId, mappers] of wantClients) {
    const uuid = ids.get(clientId);
    if (!uuid) continue;
    if (!managed.clients.has(clientId)) {
      adoption.clients[clientId] = `${realm}/${uuid}`;
      const key = membershipKey("m2m", clientId);
      if (declared.memberships?.[key]) {
        const saId = await admin.serviceAccountUserId(realm, uuid);
        if (saId) await adoptMemberships(admin, realm, saId, key, declared, adoption);
      }
    }
    const wantMappers = mappers.filter((x) => !managed.mappers.has(mapperKey(clientId, x)));
    if (!wantMappers.length) continue;
    const mapperIds = await admin.protocolMapperIds(realm, uuid);
    for (const x of wantMappers) {
      const id = mapperIds.get(x);
      if (id) adoption.mappers[mapperKey(clientId, x)] = `${realm}/client/${uuid}/${id}`;
    }
  }
}

async function adoptScopeMappers({ admin, realm, declared, managed, adoption }: Read): Promise<void> {
  const wantScopes = Object.entries(declared.clientScopes ?? {})
    .map(([scope, mappers]) => [scope, mappers.filter((x) => !managed.scopeMappers.has(x))] as const)
    .filter(([, mappers]) => mappers.length > 0);
  if (!wantScopes.length) return;
  const ids = await admin.clientScopeIds(realm);
  for (const [scope, mappers] of wantScopes) {
    const scopeId = ids.get(scope);
    if (!scopeId) continue;
    const mapperIds = await admin.clientScopeMapperIds(realm, scopeId);
    for (const x of mappers) {
      const id = mapperIds.get(x);
      if (id) adoption.mappers[scopeMapperKey(scope, x)] = `${realm}/client-scope/${scopeId}/${id}`;
    }
  }
}

/** A UserGroups is imported when Keycloak's groups of the principal are exactly the declared ones. */
async function adoptMemberships(
  admin: KeycloakAdmin,
  realm: string,
  userId: string,
  key: string,
  declared: DeclaredKeycloakObjects,
  adoption: KeycloakAdoption,
): Promise<void> {
  const want = declared.memberships?.[key];
  if (!want) return;
  const live = await admin.groupNamesOf(realm, userId);
  const a = [...new Set(want)].sort();
  const b = [...new Set(live)].sort();
  if (a.length === b.length && a.every((g, i) => g === b[i])) adoption.userGroups![key] = `${realm}/${userId}`;
}

/** How many objects a run adopts, for the log. */
export function adoptedCount(a: KeycloakAdoption): number {
  return (a.realm ? 1 : 0) + importCount(a.groups, a.users, a.clients, a.mappers, a.userGroups);
}
