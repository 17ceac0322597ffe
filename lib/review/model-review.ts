/**
 * The checks of a built model that need its rendered scope documents, run after the build (lib/index.ts): who is
 * a registry admin (a rate-limited admin, a quarantined one) and which groups some scope maps (a brokered group
 * nothing maps). The model itself is not changed: a model these checks refuse is not applied.
 */
import type { Diagnostic, FieldPath } from "../errors/diagnostics";
import type { Definitions, Located } from "../load/definitions";
import type { AccessModel } from "../model/access-model";
import { ModelDiagnostics, where, type At } from "../model/diagnostics";
import { keycloakGroups, type LoadedIdentityProviders } from "../model/identity-providers";
import { quarantinedM2M, quarantinedUsers, subjectKeys, type LoadedRateLimits } from "../model/rate-limits";
import { membershipId, type SubjectType } from "../registry/rate-limits";
import { ADMIN_GROUP_MARKERS, type IdentityProvider } from "../registry/rules";
import { scopeIndex } from "../registry/evaluate";
import { printable } from "../schema/names";
import type { RateLimitPolicy } from "../schema/rate-limits";
import { authScopes, grantsOf, identityAccess, type IdentityAccess } from "./effective-access";

export interface ReviewInputs {
  definitions: Pick<Definitions, "users" | "m2m">;
  rateLimits: Pick<LoadedRateLimits, "policies">;
  identityProviders: Pick<LoadedIdentityProviders, "definitions">;
}

type ProviderDefinition = Located<{
  alias: string;
  mappers?: ReadonlyArray<{ group: string; acknowledge_everyone_admin?: true }>;
}>;

export function reviewModel(
  model: AccessModel,
  inputs: ReviewInputs,
  idp: IdentityProvider = "keycloak",
): Diagnostic[] {
  const o = new ModelDiagnostics();
  const access = identityAccess(model);
  warnRateLimitedAdmins(o, access, inputs.definitions);
  const review: QuarantineReview = { o, model, access, idp, listed: new Map() };
  for (const loc of inputs.rateLimits.policies) if (isQuarantine(loc.value)) reviewQuarantine(review, loc);
  warnUnmappedGroups(o, model, inputs.identityProviders.definitions);
  reviewEveryoneAdmins(o, model, inputs.identityProviders.definitions);
  return o.diagnostics;
}

type WithRateLimitGroups = Located<{ rate_limit_groups?: string[] }>;

/**
 * limiter.py `check` skips caller gates for `is_admin`, but server.py `_enforce_rate_limit` reads
 * validation_result["is_admin"], which no validator sets at 8c5b834b: admins are limited like everyone
 * (test/e2e/rate-limits.e2e.test.ts shows it). Say so where an admin joins a rate-limit group.
 */
function warnRateLimitedAdmins(
  o: ModelDiagnostics,
  access: readonly IdentityAccess[],
  definitions: ReviewInputs["definitions"],
): void {
  const admins = new Set(
    access.filter((a) => a.admin).map((a) => membershipId(a.kind === "user" ? "user" : "client", a.name)),
  );
  const warn = (subjectType: SubjectType, subject: string, loc: WithRateLimitGroups) => {
    if (admins.has(membershipId(subjectType, subject)) && loc.value.rate_limit_groups?.length) {
      o.warn(
        loc,
        ["rate_limit_groups"],
        `${subject} is a registry admin, and admins are rate-limited too: the limiter's admin ` +
          `bypass depends on an is_admin flag the auth server's /validate never sets ` +
          `(auth_server/server.py _enforce_rate_limit at 8c5b834b)`,
      );
    }
  };
  for (const u of definitions.users) warn("user", u.value.username, u as WithRateLimitGroups);
  for (const a of definitions.m2m) warn("client", a.value.name, a as WithRateLimitGroups);
}

/** A policy the model took as a quarantine list: it names quarantine and nothing else. */
function isQuarantine(p: RateLimitPolicy): boolean {
  const keys = subjectKeys(p);
  return keys.length === 1 && keys[0] === "quarantine";
}

interface QuarantineReview {
  o: ModelDiagnostics;
  model: AccessModel;
  access: readonly IdentityAccess[];
  idp: IdentityProvider;
  /** Quarantined identities by membership id, where first listed (across all the lists). */
  listed: Map<string, { loc: At; path: FieldPath }>;
}

/**
 * rate_limit_routes.py `_refuse_if_admin_caller`: the registry refuses to quarantine an administrator (self-lockout
 * guard), whatever way the membership is written; an identity it would take is quarantined once.
 */
function reviewQuarantine({ o, model, access, idp, listed }: QuarantineReview, loc: Located<RateLimitPolicy>): void {
  const adminOf = new Map(access.map((a) => [`${a.kind}:${a.name}`, a]));
  const refused: string[] = [];
  const once = (path: FieldPath, subjectType: SubjectType, subject: string) => {
    const id = membershipId(subjectType, subject);
    const first = listed.get(id);
    if (first) o.error(loc, path, `${subject} is already quarantined at ${where(first.loc, first.path)}`);
    else listed.set(id, { loc, path });
  };
  for (const { path, user, bootstrap } of quarantinedUsers(null, loc, model)) {
    if (!bootstrap && !adminOf.get(`user:${user}`)?.admin) {
      once(path, "user", user);
      continue;
    }
    o.error(
      loc,
      path,
      `user "${user}" is a registry ` +
        `admin${bootstrap ? ` (the bootstrap admin, in ${model.bootstrapAdmin?.groups.join(", ")})` : ""}: the ` +
        `registry refuses to quarantine administrators (rate_limit_routes.py ` +
        `_refuse_if_admin_caller); take them out of the admin groups first, or disable the user`,
    );
    refused.push(`user:${user}`);
  }
  for (const { path, m2m } of quarantinedM2M(null, loc, model, idp)) {
    if (!adminOf.get(`m2m:${m2m}`)?.admin) {
      once(path, "client", m2m);
      continue;
    }
    o.error(
      loc,
      path,
      `M2M account "${m2m}" is a registry admin: the registry refuses to quarantine administrators ` +
        `(rate_limit_routes.py _refuse_if_admin_caller)`,
    );
    refused.push(`m2m:${m2m}`);
  }
  // The guard of the brief: quarantining every admin would leave nobody to lift it.
  const admins = access.filter((a) => a.admin && a.enabled).map((a) => `${a.kind}:${a.name}`);
  if (model.bootstrapAdmin) admins.push(`user:${model.bootstrapAdmin.username}`);
  if (admins.length > 0 && admins.every((a) => refused.includes(a))) {
    o.error(
      loc,
      ["quarantine"],
      `this quarantines every registry admin (${admins.join(", ")}): nobody could lift it through the registry`,
    );
  }
}

/**
 * auth_server/group_filter.py `filter_session_groups` (Design C, the default) drops a group no scope's
 * group_mappings names, and server.py `map_groups_to_scopes` maps it to nothing (guide 3.4, PR #1629).
 */
function warnUnmappedGroups(o: ModelDiagnostics, model: AccessModel, definitions: readonly ProviderDefinition[]): void {
  const mapped = new Set(authScopes(model).flatMap((d) => d.group_mappings));
  const groups = keycloakGroups(model);
  const firstOf = firstDefinitions(definitions);
  for (const p of model.identityProviders ?? []) {
    const loc = firstOf.get(p.alias)!;
    (loc.value.mappers ?? []).forEach((m, i) => {
      if (!groups.has(m.group) || mapped.has(m.group)) return;
      o.warn(
        loc,
        ["mappers", i, "group"],
        `no scope maps group "${m.group}": the auth server drops it (auth_server/group_filter.py ` +
          "filter_session_groups), so the person gets no access from it",
      );
    });
  }
}

/** The definition of each alias the model kept: the first (a later one is refused). */
function firstDefinitions(definitions: readonly ProviderDefinition[]): Map<string, ProviderDefinition> {
  const firstOf = new Map<string, ProviderDefinition>();
  for (const loc of definitions) if (!firstOf.has(loc.value.alias)) firstOf.set(loc.value.alias, loc);
  return firstOf;
}

/**
 * Values of every ordinary shape a group claim holds: a letter, a digit, an Entra Object ID, a dotted name, a
 * random token. A regex matching all of them matches, in practice, every person's groups (`.*`, `.+`, `\S*`,
 * `[\w-]+`...). Short ones first: a regex that fails early is not run on the long ones.
 */
const ORDINARY_VALUES = ["a", "Z", "7", "q7Xv3kPz", "corp_group.name-2", "5510a1b0-1889-4b4b-bb69-fd6376b4b78a"];

/** Keycloak matches the whole value (java.util.regex `matches`); a regex that does not compile matches nothing. */
export function matchesEveryValue(regex: string): boolean {
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${regex})$`, "u");
  } catch {
    return false;
  }
  return ORDINARY_VALUES.every((v) => re.test(v));
}

/**
 * A mapper that gives every person of a provider (`everyone: true`, or a regex matching every value) a group whose
 * scopes make its members registry admins turns the whole corporate directory into admins. An error unless the
 * mapper says `acknowledge_everyone_admin: true`; then still the warning an admin M2M account gets.
 */
function reviewEveryoneAdmins(
  o: ModelDiagnostics,
  model: AccessModel,
  definitions: readonly ProviderDefinition[],
): void {
  const providers = model.identityProviders ?? [];
  if (!providers.length) return;
  const scopesOf = scopeIndex(authScopes(model));
  const admin = new Map<string, boolean>();
  const confersAdmin = (group: string) =>
    admin.get(group) ??
    admin.set(group, ADMIN_GROUP_MARKERS.includes(group) || grantsOf(scopesOf([group])).admin).get(group)!;
  const firstOf = firstDefinitions(definitions);
  // A disabled provider lets nobody in; enabling it brings the check back.
  for (const p of providers.filter((x) => x.enabled)) {
    const loc = firstOf.get(p.alias)!;
    for (const m of p.mappers) {
      const acknowledged = loc.value.mappers?.[m.index]?.acknowledge_everyone_admin === true;
      const path: FieldPath = ["mappers", m.index];
      const who =
        m.kind === "everyone"
          ? "everyone: true"
          : m.regex && m.value !== null && matchesEveryValue(m.value)
            ? `regex ${printable(m.value)} (it matches every value)`
            : null;
      if (who === null || !confersAdmin(m.group)) {
        if (acknowledged) {
          o.warn(
            loc,
            [...path, "acknowledge_everyone_admin"],
            "acknowledges nothing: this mapper makes no admin of everyone; remove it",
            true,
          );
        }
        continue;
      }
      const what =
        `${who} gives group "${m.group}" to every person provider "${p.alias}" lets in, and that group makes ` +
        `its members registry admins: the whole corporate directory would administer the registry`;
      if (acknowledged) o.warn(loc, path, `${what} (acknowledged)`);
      else
        o.error(
          loc,
          path,
          `${what}; map the upstream admins' group by its value instead, or, if this is meant, say so with ` +
            `acknowledge_everyone_admin: true on the mapper`,
        );
    }
  }
}
