/**
 * Who an identity named in `explain` or an access test is: its groups and whether it gets a token. One resolver
 * for both, so a test asserts what `explain` shows. Users are those of users/ and, with bootstrap, the admin the
 * stack creates (a member of `registry-admins`, as the registry's init-keycloak.sh makes it).
 */
import type { AccessModel } from "./access-model";
import { BOOTSTRAP_ADMIN_GROUP } from "../registry/rules";

export interface ResolvedIdentity {
  /** `user alice`, `M2M account bot`, `groups a, b`. */
  label: string;
  groups: string[];
  enabled: boolean;
}

export type IdentityRef = { user: string } | { m2m: string } | { groups: readonly string[] };

/** Every user name `{user: NAME}` may take, the bootstrap admin's included. */
export function userNames(model: AccessModel): string[] {
  return [...model.users.map((u) => u.username), ...(model.bootstrapAdmin ? [model.bootstrapAdmin.username] : [])];
}

export function m2mNames(model: AccessModel): string[] {
  return model.m2m.map((a) => a.name);
}

/** The identity, or null when the model has no such user or M2M account. */
export function resolveIdentity(model: AccessModel, ref: IdentityRef): ResolvedIdentity | null {
  if ("m2m" in ref) {
    const a = model.m2m.find((x) => x.name === ref.m2m);
    return a ? { label: `M2M account ${a.name}`, groups: [...a.groups], enabled: a.enabled } : null;
  }
  if ("user" in ref) {
    const u = model.users.find((x) => x.username === ref.user);
    if (u) return { label: `user ${u.username}`, groups: [...u.groups], enabled: u.enabled };
    const admin = model.bootstrapAdmin;
    if (admin && admin.username === ref.user) return { label: `user ${admin.username} (the bootstrap admin)`, groups: [BOOTSTRAP_ADMIN_GROUP], enabled: true };
    return null;
  }
  return { label: `groups ${ref.groups.join(", ")}`, groups: [...ref.groups], enabled: true };
}
