/**
 * Who an identity named in `explain` or an access test is: its groups and whether it gets a token. One resolver
 * for both, so a test asserts what `explain` shows. Users are those of users/ and, with bootstrap, the admin the
 * stack creates (a member of `registry-admins`, as the registry's init-keycloak.sh makes it).
 */
import type { AccessModel, HumanUser, M2MAccount } from "./access-model";
import { isFrozenModel } from "./build";
import { brokeredGroups, type Claims } from "./brokered-claims";

export interface ResolvedIdentity {
  /** `user alice`, `M2M account bot`, `groups a, b`. */
  label: string;
  groups: string[];
  enabled: boolean;
  /**
   * The account the rate limiter keys the caller on (`user:<name>`, `client:<name>`); absent for bare groups and
   * brokered people, whom the definitions cannot quarantine or limit.
   */
  account?: { user: string } | { m2m: string };
}

/** `idp`: a person brokered through that provider's alias, with the claims (or SAML attributes) it sends. */
export type IdentityRef =
  { user: string } | { m2m: string } | { groups: readonly string[] } | { idp: string; claims: Claims };

/** Every alias `{idp: ALIAS}` may take. */
export function identityProviderAliases(model: AccessModel): string[] {
  return (model.identityProviders ?? []).map((p) => p.alias);
}

/** Every user name `{user: NAME}` may take, the bootstrap admin's included. */
export function userNames(model: AccessModel): string[] {
  return [...model.users.map((u) => u.username), ...(model.bootstrapAdmin ? [model.bootstrapAdmin.username] : [])];
}

export function m2mNames(model: AccessModel): string[] {
  return model.m2m.map((a) => a.name);
}

/**
 * Users and M2M accounts by name, once per model: `who` and `report` resolve every identity, and a scan per name
 * would make 10,000 users 50 million comparisons. Kept only for a model `buildModel` froze (it cannot go stale).
 */
const BY_NAME = new WeakMap<AccessModel, { users: Map<string, HumanUser>; m2m: Map<string, M2MAccount> }>();
function byName(model: AccessModel) {
  let index = BY_NAME.get(model);
  if (!index) {
    // The first of a name wins, as `find` would pick it (the loader refuses duplicates anyway).
    const users = new Map<string, HumanUser>();
    for (const u of model.users) if (!users.has(u.username)) users.set(u.username, u);
    const m2m = new Map<string, M2MAccount>();
    for (const a of model.m2m) if (!m2m.has(a.name)) m2m.set(a.name, a);
    index = { users, m2m };
    if (isFrozenModel(model)) BY_NAME.set(model, index);
  }
  return index;
}

/** The identity, or null when the model has no such user or M2M account. */
export function resolveIdentity(model: AccessModel, ref: IdentityRef): ResolvedIdentity | null {
  if ("m2m" in ref) {
    const a = byName(model).m2m.get(ref.m2m);
    if (!a) return null;
    return { label: `M2M account ${a.name}`, groups: [...a.groups], enabled: a.enabled, account: { m2m: a.name } };
  }
  if ("idp" in ref) {
    const p = (model.identityProviders ?? []).find((x) => x.alias === ref.idp);
    if (!p) return null;
    // The token's groups are the Keycloak groups the mappers gave; the auth server reads them as they are
    // (auth_server/providers/keycloak.py `claims.get("groups", [])`, guide 1.2, PR #1629).
    // A disabled provider shows no login button and refuses its callback: the person gets no token.
    return { label: `a person from ${p.alias}`, groups: brokeredGroups(p, ref.claims).groups, enabled: p.enabled };
  }
  if ("user" in ref) {
    const u = byName(model).users.get(ref.user);
    const account = { user: ref.user };
    if (u) return { label: `user ${u.username}`, groups: [...u.groups], enabled: u.enabled, account };
    const admin = model.bootstrapAdmin;
    if (admin && admin.username === ref.user)
      return {
        label: `user ${admin.username} (the bootstrap admin)`,
        groups: [...admin.groups],
        enabled: true,
        account,
      };
    return null;
  }
  return { label: `groups ${ref.groups.join(", ")}`, groups: [...ref.groups], enabled: true };
}
