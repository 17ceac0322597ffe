/**
 * The identity side of a stack as plain data: which groups to create and which to look up, which users and M2M
 * clients to declare (with the token claims they need) and who joins which group. Pure, so it is tested
 * without Pulumi; the Keycloak and Entra components only turn a plan into resources.
 */
import type { AccessModel } from "./access-model";
import type { IdentityProvider } from "../registry/rules";
import {
  AUDIENCE_MAPPER,
  BOOTSTRAP_ADMIN_GROUP,
  BOOTSTRAP_M2M_CLIENT,
  BOOTSTRAP_WEB_CLIENT,
  DEFAULT_CLIENT_SCOPE,
  GROUPS_MAPPER,
  SERVICE_ACCOUNT_MAPPERS,
} from "../registry/rules";
import { PlanError } from "../errors/errors";

export interface GroupPlan {
  name: string;
  description?: string;
  /** "create": this stack owns it; "lookUp": it exists already and is found by name. */
  action: "create" | "lookUp";
  /** The registry's bootstrap admin group: created with the bootstrap and protected from deletion. */
  bootstrap: boolean;
  /** Entra: the one Object ID the definition lists in group_mappings (an imported group's), to adopt that group. */
  objectId?: string;
}

const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface PrincipalPlan {
  /** The definition's name: key of the outputs and of resource names. */
  name: string;
  enabled: boolean;
  /** Groups it joins, every one of them in `groups` of the plan. */
  groups: string[];
  file: string;
}

export interface UserPlan extends PrincipalPlan {
  kind: "user";
  /** The sign-in name in the IdP: Keycloak's username, Entra's UPN. */
  signInName: string;
  email: string;
  firstName: string;
  lastName: string;
  /** Declared `email_verified` (Keycloak); undefined: created false, then Keycloak's value is kept. */
  emailVerified?: boolean;
  /** "lookUp": the tenant syncs its users; they are only found (Entra `entraExistingUsers`). */
  action: "create" | "lookUp";
}

export interface ClientPlan extends PrincipalPlan {
  kind: "m2m";
  description: string;
  /** Protocol mappers the registry needs in its tokens (Keycloak); Entra's come from the gateway application. */
  mappers: readonly string[];
}

export interface IdentityPlan {
  idp: IdentityProvider;
  bootstrap: boolean;
  groups: GroupPlan[];
  users: UserPlan[];
  clients: ClientPlan[];
}

export interface PlanSettings {
  idp: IdentityProvider;
  /** Entra: domain of UPNs for usernames without `@`. */
  userDomain?: string;
  /** Entra: look users up instead of creating them. */
  existingUsers?: boolean;
  /**
   * Keycloak: each M2M client gets its own audience mapper (default true; false when the realm's `basic` scope adds
   * it).
   */
  audienceMapper?: boolean;
}

/** A Keycloak M2M client's own mappers: `groups`, and the audience unless the realm's `basic` scope adds it. */
const serviceAccountMappers = (s: Pick<PlanSettings, "audienceMapper">): readonly string[] =>
  s.audienceMapper === false ? [GROUPS_MAPPER] : SERVICE_ACCOUNT_MAPPERS;

const missingUpnDomain = (username: string, file: string): PlanError =>
  new PlanError(`user "${username}" (${file}) needs a UPN domain: set mcp-gateway-access:entraUserDomain`);

function signInName(username: string, file: string, s: PlanSettings): string {
  if (s.idp !== "entra" || username.includes("@")) return username;
  if (!s.userDomain) throw missingUpnDomain(username, file);
  return `${username}@${s.userDomain}`;
}

/** Entra signs users in by UPN: a plan with a sign-in name that is none cannot be applied there. */
export function checkEntraPlan(plan: IdentityPlan): void {
  const bad = plan.users.find((u) => !u.signInName.includes("@"));
  if (bad) throw missingUpnDomain(bad.name, bad.file);
}

export function planIdentity(model: AccessModel, settings: PlanSettings): IdentityPlan {
  const groups: GroupPlan[] = [];
  if (model.bootstrap) {
    groups.push({
      name: BOOTSTRAP_ADMIN_GROUP,
      description: "MCP Gateway Registry administrators",
      action: "create",
      bootstrap: true,
    });
  }
  for (const g of model.groups.filter((x) => x.createInIdp)) {
    const ids = settings.idp === "entra" ? g.groupMappings.filter((m) => OBJECT_ID.test(m)) : [];
    groups.push({
      name: g.name,
      ...(g.description ? { description: g.description } : {}),
      action: "create",
      bootstrap: false,
      ...(ids.length === 1 ? { objectId: ids[0] } : {}),
    });
  }
  const planned = new Set(groups.map((g) => g.name));
  for (const name of model.externalGroups.filter((g) => !planned.has(g))) {
    groups.push({ name, action: "lookUp", bootstrap: false });
  }
  const users: UserPlan[] = model.users.map((u) => ({
    kind: "user",
    name: u.username,
    signInName: signInName(u.username, u.file, settings),
    email: u.email,
    firstName: u.firstName,
    lastName: u.lastName,
    enabled: u.enabled,
    ...(u.emailVerified === undefined ? {} : { emailVerified: u.emailVerified }),
    groups: [...u.groups],
    file: u.file,
    action: settings.idp === "entra" && settings.existingUsers ? "lookUp" : "create",
  }));
  const clients: ClientPlan[] = model.m2m.map((a) => ({
    kind: "m2m",
    name: a.name,
    description: a.description ?? `Service account for ${a.name}`,
    enabled: a.enabled,
    groups: [...a.groups],
    file: a.file,
    mappers: settings.idp !== "keycloak" ? [] : serviceAccountMappers(settings),
  }));
  return { idp: settings.idp, bootstrap: model.bootstrap, groups, users, clients };
}

/** Every principal → group membership of a plan. */
export function memberships(plan: IdentityPlan): Array<{ kind: "user" | "m2m"; principal: string; group: string }> {
  return [...plan.users, ...plan.clients].flatMap((p) =>
    p.groups.map((group) => ({ kind: p.kind, principal: p.name, group })),
  );
}

/** A Keycloak client the plan declares, by client id, with the protocol mappers on it. */
export interface NamedClient {
  clientId: string;
  mappers: readonly string[];
}

/**
 * The registry's Keycloak bootstrap (its `init-keycloak.sh`) as names: what `KeycloakBootstrap` declares and what
 * adoption looks for in a realm, from one place.
 */
export interface KeycloakBootstrapPlan {
  /** The group the bootstrap creates (`registry-admins`). */
  adminGroup: string;
  adminUsername: string;
  /** The groups the admin is in: the bootstrap's, or groups the plan creates or looks up. */
  adminGroups: readonly string[];
  webClient: NamedClient;
  m2mClient: NamedClient;
  /** The realm's default client scope and the mappers the bootstrap puts on it. */
  clientScope: { name: string; mappers: readonly string[] };
}

/**
 * The bootstrap's names. Its M2M client gets the mappers every M2M client of the stack gets (`audienceMapper`): both
 * versions of upstream's script give it only `groups`, its audience coming from the `basic` scope's mapper.
 */
export function keycloakBootstrapPlan(
  admin: { username: string; groups?: readonly string[] },
  settings: Pick<PlanSettings, "audienceMapper"> = {},
): KeycloakBootstrapPlan {
  return {
    adminGroup: BOOTSTRAP_ADMIN_GROUP,
    adminUsername: admin.username,
    adminGroups: admin.groups ?? [BOOTSTRAP_ADMIN_GROUP],
    webClient: { clientId: BOOTSTRAP_WEB_CLIENT, mappers: [GROUPS_MAPPER] },
    m2mClient: { clientId: BOOTSTRAP_M2M_CLIENT, mappers: serviceAccountMappers(settings) },
    clientScope: { name: DEFAULT_CLIENT_SCOPE, mappers: [GROUPS_MAPPER, AUDIENCE_MAPPER] },
  };
}

/** The key of a principal's memberships: `user:<sign-in name>` or `m2m:<client id>`. */
export const membershipKey = (kind: "user" | "m2m", name: string): string => `${kind}:${name}`;

/** The resource name of one Entra membership (a `GroupMember`): the key adoption imports it by. */
export const entraMemberResourceName = (prefix: string, kind: "user" | "m2m", principal: string, group: string) =>
  `${prefix}-member-${kind === "user" ? "user" : "sp"}-${principal}-${group}`;
