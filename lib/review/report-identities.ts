/**
 * Every identity the definitions can hand a token to, for the questions that start from a request (`who`) or
 * from the whole (`report`): users, M2M accounts, the bootstrap admin (with bootstrap), and the people brokered
 * identity providers map into a group (one per mapper: "people from corp whose claim … matches"). Each is the
 * same `ResolvedIdentity` explain decides for (lib/model/identities.ts), so an answer about it is explain's.
 */
import type { AccessModel } from "../model/access-model";
import { mapperText } from "../model/brokered-claims";
import { resolveIdentity, type ResolvedIdentity } from "../model/identities";
import { byCodeUnit } from "../errors/order";
import { ADMIN_GROUP_MARKERS } from "../registry/rules";
import { authScopes, grantsOf, type AuthScope } from "./effective-access";
import { callerRateLimits, gateText } from "./rate-limit-identity";
import { scopeIndex } from "../registry/evaluate";

export type ReportIdentityKind = "user" | "m2m" | "admin" | "brokered";

export interface ReportIdentity {
  kind: ReportIdentityKind;
  /** The user name, client id, or `<alias>: <mapper>` for brokered people. */
  name: string;
  /** As explain labels it, or "people from <alias> whose …" for a mapper. */
  label: string;
  /** What to pass explain for the same answer, e.g. `--user alice` (`--groups g` for brokered people). */
  explainArgs: string[];
  groups: string[];
  enabled: boolean;
  /** The scopes its groups map to, in the documents' order. */
  scopes: string[];
  /** A registry admin: a mutating UI action granted "all" (rules.ts `confersAdmin`). */
  admin: boolean;
  /** In a group the registry treats as admin (ADMIN_GROUP_MARKERS), or holding an admin scope. */
  inAdminGroup: boolean;
  quarantined: boolean;
  /** The caller's rate limits in words (rate-limit-identity.ts `gateText`). */
  limits: string[];
  /** The identity as explain resolves it: what `decideFor` is given. */
  resolved: ResolvedIdentity;
}

/** A brokered mapper's people in words: `people from corp whose claim groups holds "x"`. */
function brokeredLabel(alias: string, text: string, kind: string): string {
  if (kind === "everyone") return `everyone from ${alias}`;
  return `people from ${alias} whose ${kind} ${text.slice(0, text.lastIndexOf(" -> "))}`;
}

/** Every identity, users first (the bootstrap admin after them), then M2M accounts, then brokered people. */
export function reportIdentities(model: AccessModel, docs: readonly AuthScope[] = authScopes(model)): ReportIdentity[] {
  const held = scopeIndex(docs);
  const one = (
    kind: ReportIdentityKind,
    name: string,
    explainArgs: string[],
    resolved: ResolvedIdentity,
    label = resolved.label,
  ): ReportIdentity => {
    const scopes = held(resolved.groups);
    const rated = resolved.account ? callerRateLimits(model, resolved.account) : null;
    const admin = grantsOf(scopes).admin;
    const markers = [...resolved.groups, ...scopes.map((s) => s._id)];
    return {
      kind,
      name,
      label,
      explainArgs,
      groups: [...resolved.groups],
      enabled: resolved.enabled,
      scopes: scopes.map((s) => s._id),
      admin,
      inAdminGroup: admin || markers.some((m) => ADMIN_GROUP_MARKERS.includes(m)),
      quarantined: rated?.quarantined ?? false,
      limits: rated?.gates.map(gateText) ?? [],
      resolved,
    };
  };
  const out: ReportIdentity[] = [];
  for (const u of [...model.users].sort((a, b) => byCodeUnit(a.username, b.username)))
    out.push(one("user", u.username, ["--user", u.username], resolveIdentity(model, { user: u.username })!));
  const boot = model.bootstrapAdmin;
  if (boot && !model.users.some((u) => u.username === boot.username))
    out.push(one("admin", boot.username, ["--user", boot.username], resolveIdentity(model, { user: boot.username })!));
  for (const a of [...model.m2m].sort((x, y) => byCodeUnit(x.name, y.name)))
    out.push(one("m2m", a.name, ["--m2m", a.name], resolveIdentity(model, { m2m: a.name })!));
  for (const p of model.identityProviders ?? []) {
    for (const m of p.mappers) {
      // The people a mapper applies to carry its group (and a disabled provider gives them no token): decided as
      // bare groups, as `explain --groups` decides them.
      const bare = resolveIdentity(model, { groups: [m.group] })!;
      const resolved = { ...bare, enabled: p.enabled && bare.enabled };
      const label = brokeredLabel(p.alias, mapperText(m), m.kind);
      out.push(one("brokered", `${p.alias}: ${m.name}`, ["--groups", m.group], resolved, label));
    }
  }
  return out;
}
