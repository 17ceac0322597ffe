/**
 * Every object the identity components declare for a plan, as data: its Pulumi resource name and type token, its
 * name in the identity provider, and how adoption imports it (the provider's import id format, and the lookup in the
 * identity provider that yields the ids in it). Adoption reads what to look for here; the components declare the
 * same list (test/unit/lib/model/declared-objects.test.ts runs the program with mocks and holds the two together).
 */
import type { BrokeredProvider } from "./identity-provider-types";
import { AUDIENCE_MAPPER, GROUPS_MAPPER } from "../registry/rules";
import {
  entraMemberResourceName,
  membershipKey,
  type ClientPlan,
  type IdentityPlan,
  type KeycloakBootstrapPlan,
  type UserPlan,
} from "./identity-plan";

/** The type tokens of what the identity components declare (and adoption reads in the state). */
export const RESOURCE_TYPES = {
  keycloak: {
    realm: "keycloak:index/realm:Realm",
    group: "keycloak:index/group:Group",
    user: "keycloak:index/user:User",
    userGroups: "keycloak:index/userGroups:UserGroups",
    client: "keycloak:openid/client:Client",
    groupsMapper: "keycloak:openid/groupMembershipProtocolMapper:GroupMembershipProtocolMapper",
    audienceMapper: "keycloak:openid/audienceProtocolMapper:AudienceProtocolMapper",
    oidcProvider: "keycloak:oidc/identityProvider:IdentityProvider",
    samlProvider: "keycloak:saml/identityProvider:IdentityProvider",
    identityProviderMapper: "keycloak:index/customIdentityProviderMapping:CustomIdentityProviderMapping",
  },
  entra: {
    group: "azuread:index/group:Group",
    user: "azuread:index/user:User",
    application: "azuread:index/application:Application",
    applicationIdentifierUri: "azuread:index/applicationIdentifierUri:ApplicationIdentifierUri",
    servicePrincipal: "azuread:index/servicePrincipal:ServicePrincipal",
    applicationPassword: "azuread:index/applicationPassword:ApplicationPassword",
    member: "azuread:index/groupMember:GroupMember",
  },
  generatedSecret: "pulumi-nodejs:dynamic/mcp-gateway-access:GeneratedSecret",
  replicationDelay: "pulumi-nodejs:dynamic/mcp-gateway-access:ReplicationDelay",
} as const;

/**
 * How adoption finds an object's import id: the identity provider's lookup (what it is asked), and the import id's
 * format, whose `{...}` parts are the ids the lookups yield. Absent on an object that is never adopted.
 */
export interface Adoptable {
  /** The adoption table that keys its import id by `name` (e.g. Keycloak's `groups`, Entra's `members`). */
  table: string;
  lookup: string;
  importId: string;
}

export interface DeclaredObject {
  /** Pulumi's resource name (the component's prefix first). */
  resource: string;
  type: string;
  /** Its name in the identity provider: the key adoption's tables use (`owner/name` for one named in another). */
  name: string;
  adopt?: Adoptable;
  /** An object named within another (a mapper on its client, client scope or provider): the owner's name, its own. */
  within?: { owner: string; name: string };
  /** A membership: whose (Keycloak: all its groups in one UserGroups; Entra: one group per GroupMember). */
  member?: { kind: "user" | "m2m"; principal: string; groups: readonly string[] };
  /** An id its definition already gives (Entra: the one Object ID a group's group_mappings lists). */
  knownId?: string;
  /** Declared only in some runs (a generated secret when nothing is configured, a wait for new principals). */
  optional?: true;
}

/** The key of an object named within another: a mapper on its client or provider (`owner/name`). */
export const ownedKey = (owner: string, name: string): string => `${owner}/${name}`;

/**
 * The adoption key of a mapper on a client scope. The state records a scope mapper's scope by id only, and the
 * program declares mappers on one scope (`basic`), so the key is the scope's name and the mapper's.
 */
export const scopeMapperKey = (scope: string, mapper: string): string => `client-scope:${scope}/${mapper}`;

export const passwordSeedName = (prefix: string): string => `${prefix}-initial-password-seed`;

/** The resource name of a user's own generated password (before the stack's seed); kept for those users. */
export const legacyPasswordResourceName = (prefix: string, user: string): string => `${prefix}-password-${user}`;

/** A principal's name in the identity provider: a user's sign-in name, an M2M account's name. */
const principalName = (p: UserPlan | ClientPlan): string => (p.kind === "user" ? p.signInName : p.name);

const K = RESOURCE_TYPES.keycloak;
const E = RESOURCE_TYPES.entra;

/** The registry's protocol mappers by name: their type, and the end of their resource name after their owner's. */
const MAPPERS: Readonly<Record<string, { type: string; suffix: string }>> = {
  [GROUPS_MAPPER]: { type: K.groupsMapper, suffix: "groups" },
  [AUDIENCE_MAPPER]: { type: K.audienceMapper, suffix: "audience" },
};

type Kind = "user" | "m2m";

/**
 * Resource names, each after its component's name (`c`): the list's and the components' own, from one place. A
 * mapper's is its owner's resource name (a client's) or its component's and scope's, then the mapper's short name.
 */
export const RESOURCE_NAMES = {
  keycloak: {
    group: (c: string, group: string) => `${c}-group-${group}`,
    user: (c: string, user: string) => `${c}-user-${user}`,
    m2m: (c: string, account: string) => `${c}-m2m-${account}`,
    memberships: (c: string, kind: Kind, principal: string) => `${c}-${kind}-groups-${principal}`,
    mapper: (owner: string, mapper: string) => `${owner}-${MAPPERS[mapper]!.suffix}`,
    scopeMapper: (c: string, scope: string, mapper: string) => `${c}-${scope}-${MAPPERS[mapper]!.suffix}`,
    bootstrap: (c: string) => `${c}-bootstrap`,
    realm: (c: string) => `${c}-realm`,
    webClient: (c: string) => `${c}-web`,
    m2mClient: (c: string) => `${c}-m2m`,
    adminGroup: (c: string, group: string) => `${c}-${group}`,
    admin: (c: string) => `${c}-admin`,
    adminGroups: (c: string) => `${c}-admin-groups`,
    adminPassword: (c: string) => `${c}-admin-password`,
    provider: (c: string, alias: string) => `${c}-${alias}`,
    providerMapper: (c: string, alias: string, mapper: string) => `${c}-${alias}-mapper-${mapper}`,
  },
  entra: {
    gateway: (c: string) => `${c}-gateway`,
    gatewayUri: (c: string) => `${c}-gateway-uri`,
    group: (c: string, group: string) => `${c}-group-${group}`,
    // The bootstrap admin group keeps the name it has always had in the state.
    bootstrapGroup: (c: string, group: string) => `${c}-${group}`,
    user: (c: string, user: string) => `${c}-user-${user}`,
    application: (c: string, account: string) => `${c}-app-${account}`,
    servicePrincipal: (c: string, account: string) => `${c}-sp-${account}`,
    secret: (c: string, account: string) => `${c}-secret-${account}`,
    replicationDelay: (c: string) => `${c}-replication-delay`,
    member: entraMemberResourceName,
  },
} as const;

const KN = RESOURCE_NAMES.keycloak;
const EN = RESOURCE_NAMES.entra;

/** The initial-password secrets of component `prefix`: one seed, and the users' own passwords of earlier runs. */
function passwordSecrets(prefix: string, users: readonly UserPlan[]): DeclaredObject[] {
  const secret = (resource: string): DeclaredObject => ({
    resource,
    type: RESOURCE_TYPES.generatedSecret,
    name: resource,
    optional: true,
  });
  const created = users.filter((u) => u.action === "create");
  if (!created.length) return [];
  return [secret(passwordSeedName(prefix)), ...created.map((u) => secret(legacyPasswordResourceName(prefix, u.name)))];
}

/** A Keycloak client (`resource`) and the registry's mappers on it, named `<resource>-<mapper>`. */
function keycloakClient(resource: string, clientId: string, mappers: readonly string[]): DeclaredObject[] {
  return [
    {
      resource,
      type: K.client,
      name: clientId,
      adopt: { table: "clients", lookup: "clientIds", importId: "{realm}/{clientUuid}" },
    },
    ...mappers.map((m): DeclaredObject => ({
      resource: KN.mapper(resource, m),
      type: MAPPERS[m]!.type,
      name: ownedKey(clientId, m),
      within: { owner: clientId, name: m },
      adopt: { table: "mappers", lookup: "protocolMapperIds", importId: "{realm}/client/{clientUuid}/{mapperId}" },
    })),
  ];
}

const keycloakGroup = (resource: string, name: string): DeclaredObject => ({
  resource,
  type: K.group,
  name,
  adopt: { table: "groups", lookup: "topLevelGroupIds", importId: "{realm}/{groupId}" },
});

const keycloakUser = (resource: string, name: string): DeclaredObject => ({
  resource,
  type: K.user,
  name,
  adopt: { table: "users", lookup: "userIds", importId: "{realm}/{userId}" },
});

/** The registry's bootstrap (component `prefix`, KeycloakBootstrap): realm, clients, scope mappers, admin. */
function keycloakBootstrapObjects(prefix: string, realm: string, b: KeycloakBootstrapPlan): DeclaredObject[] {
  const scope = b.clientScope.name;
  return [
    {
      resource: KN.realm(prefix),
      type: K.realm,
      name: realm,
      adopt: { table: "realm", lookup: "realmExists", importId: "{realm}" },
    },
    ...keycloakClient(KN.webClient(prefix), b.webClient.clientId, b.webClient.mappers),
    ...b.clientScope.mappers.map((m): DeclaredObject => ({
      resource: KN.scopeMapper(prefix, scope, m),
      type: MAPPERS[m]!.type,
      name: scopeMapperKey(scope, m),
      within: { owner: scope, name: m },
      adopt: {
        table: "mappers",
        lookup: "clientScopeMapperIds",
        importId: "{realm}/client-scope/{scopeId}/{mapperId}",
      },
    })),
    ...keycloakClient(KN.m2mClient(prefix), b.m2mClient.clientId, b.m2mClient.mappers),
    keycloakGroup(KN.adminGroup(prefix, b.adminGroup), b.adminGroup),
    { resource: KN.adminPassword(prefix), type: RESOURCE_TYPES.generatedSecret, name: "admin", optional: true },
    keycloakUser(KN.admin(prefix), b.adminUsername),
    // Imported only when the admin's groups in Keycloak are exactly the declared ones (upstream's script's).
    {
      resource: KN.adminGroups(prefix),
      type: K.userGroups,
      name: membershipKey("user", b.adminUsername),
      member: { kind: "user", principal: b.adminUsername, groups: b.adminGroups },
      adopt: { table: "userGroups", lookup: "groupNamesOf", importId: "{realm}/{userId}" },
    },
  ];
}

/** Brokered identity providers (component `prefix`, BrokeredIdentityProviders) and their mappers. */
export function keycloakProviderObjects(prefix: string, providers: readonly BrokeredProvider[]): DeclaredObject[] {
  return providers.flatMap((p): DeclaredObject[] => [
    {
      resource: KN.provider(prefix, p.alias),
      type: p.type === "oidc" ? K.oidcProvider : K.samlProvider,
      name: p.alias,
      adopt: { table: "providers", lookup: "identityProviders", importId: "{realm}/{alias}" },
    },
    ...p.mappers.map((m): DeclaredObject => ({
      resource: KN.providerMapper(prefix, p.alias, m.name),
      type: K.identityProviderMapper,
      name: ownedKey(p.alias, m.name),
      within: { owner: p.alias, name: m.name },
      adopt: { table: "mappers", lookup: "identityProviders", importId: "{realm}/{alias}/{mapperId}" },
    })),
  ]);
}

/**
 * Every Keycloak object component `prefix` (KeycloakAccess) declares for this plan, its bootstrap's (component
 * `<prefix>-bootstrap`) included.
 */
export function keycloakDeclaredObjects(
  plan: IdentityPlan,
  prefix: string,
  realm: string,
  bootstrap?: KeycloakBootstrapPlan,
): DeclaredObject[] {
  const principals = [...plan.users, ...plan.clients];
  return [
    ...(bootstrap ? keycloakBootstrapObjects(KN.bootstrap(prefix), realm, bootstrap) : []),
    // The bootstrap declares the registry's admin group itself.
    ...plan.groups
      .filter((g) => g.action === "create" && !(g.bootstrap && bootstrap))
      .map((g) => keycloakGroup(KN.group(prefix, g.name), g.name)),
    ...passwordSecrets(prefix, plan.users),
    ...plan.users.filter((u) => u.action === "create").map((u) => keycloakUser(KN.user(prefix, u.name), u.signInName)),
    ...plan.clients.flatMap((c) => keycloakClient(KN.m2m(prefix, c.name), c.name, c.mappers)),
    ...principals.map((p): DeclaredObject => ({
      resource: KN.memberships(prefix, p.kind, p.name),
      type: K.userGroups,
      name: membershipKey(p.kind, principalName(p)),
      member: { kind: p.kind, principal: principalName(p), groups: p.groups },
      // Imported only when the principal's groups in Keycloak are exactly the declared ones.
      adopt: { table: "userGroups", lookup: "groupNamesOf", importId: "{realm}/{userId}" },
    })),
  ];
}

/** Every Entra object component `prefix` (EntraAccess) declares for this plan. */
export function entraDeclaredObjects(
  plan: IdentityPlan,
  prefix: string,
  gateway: { managed: boolean } = { managed: false },
): DeclaredObject[] {
  const never = (resource: string, type: string, name: string, optional?: true): DeclaredObject => ({
    resource,
    type,
    name,
    ...(optional ? { optional } : {}),
  });
  return [
    ...(gateway.managed
      ? [
          never(EN.gateway(prefix), E.application, "gateway"),
          never(EN.gatewayUri(prefix), E.applicationIdentifierUri, "gateway"),
        ]
      : []),
    ...plan.groups
      .filter((g) => g.action === "create")
      .map((g): DeclaredObject =>
        // The bootstrap admin group keeps the name it has always had in the state, and is never adopted.
        g.bootstrap
          ? never(EN.bootstrapGroup(prefix, g.name), E.group, g.name)
          : {
              resource: EN.group(prefix, g.name),
              type: E.group,
              name: g.name,
              ...(g.objectId ? { knownId: g.objectId } : {}),
              adopt: { table: "groups", lookup: "groupByIdOrName", importId: "/groups/{groupId}" },
            },
      ),
    ...passwordSecrets(prefix, plan.users),
    ...plan.users
      .filter((u) => u.action === "create")
      .map((u): DeclaredObject => ({
        resource: EN.user(prefix, u.name),
        type: E.user,
        name: u.signInName,
        adopt: { table: "users", lookup: "userByUpn", importId: "/users/{userId}" },
      })),
    ...plan.clients.flatMap((c): DeclaredObject[] => [
      {
        resource: EN.application(prefix, c.name),
        type: E.application,
        name: c.name,
        adopt: { table: "applications", lookup: "applicationsNamed", importId: "/applications/{applicationId}" },
      },
      {
        resource: EN.servicePrincipal(prefix, c.name),
        type: E.servicePrincipal,
        name: c.name,
        adopt: {
          table: "servicePrincipals",
          lookup: "servicePrincipalOf",
          importId: "/servicePrincipals/{servicePrincipalId}",
        },
      },
      // Entra never returns a secret's value: an adopted application gets a new secret.
      never(EN.secret(prefix, c.name), E.applicationPassword, `${c.name}-secret`),
    ]),
    never(EN.replicationDelay(prefix), RESOURCE_TYPES.replicationDelay, "replication-delay", true),
    ...[...plan.users, ...plan.clients].flatMap((p) =>
      p.groups.map((group): DeclaredObject => {
        const resource = EN.member(prefix, p.kind, p.name, group);
        const adopt = { table: "members", lookup: "memberIds", importId: "{groupId}/member/{principalId}" };
        const member = { kind: p.kind, principal: principalName(p), groups: [group] };
        return { resource, type: E.member, name: resource, adopt, member };
      }),
    ),
  ];
}

/** The objects of `objects` adoption keys in `table`, by name in the identity provider. */
export function adoptableIn(objects: readonly DeclaredObject[], table: string): DeclaredObject[] {
  return objects.filter((o) => o.adopt?.table === table);
}
