/**
 * Which groups a brokered person gets from the claims (OIDC) or attributes (SAML) a provider sends: what the
 * Keycloak mappers do at login, so `explain --idp` and access tests see the groups the token will carry.
 * Keycloak's rules: AdvancedClaimToGroupMapper / AdvancedAttributeToGroupMapper match when every listed key holds
 * the value (one element of a list is enough; `are.claim.values.regex`: the whole value matches the pattern);
 * a claim name with dots reads a nested claim (AbstractClaimMapper.getClaimValue); HardcodedGroupMapper always
 * applies. With syncMode FORCE a mapper that no longer matches removes the group at the next login.
 */
import type { BrokeredMapper, BrokeredProvider } from "./identity-provider-types";

export type Claims = Readonly<Record<string, unknown>>;

/** `a.b` reads claims.a.b; `a\.b` is the top-level claim "a.b" (Keycloak's escape). */
function claimValue(claims: Claims, key: string): unknown {
  if (Object.prototype.hasOwnProperty.call(claims, key)) return claims[key];
  const parts = key.split(/(?<!\\)\./).map((p) => p.replace(/\\\./g, "."));
  let v: unknown = claims;
  for (const p of parts) {
    if (v === null || typeof v !== "object" || Array.isArray(v) || !Object.prototype.hasOwnProperty.call(v, p))
      return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}

function scalarText(v: unknown): string | null {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return null;
}

function matches(mapper: BrokeredMapper, v: unknown): boolean {
  if (Array.isArray(v)) return v.some((x) => matches(mapper, x));
  const text = scalarText(v);
  if (text === null || mapper.value === null) return false;
  if (!mapper.regex) return text === mapper.value;
  // java.util.regex Pattern.matches: the whole value.
  return new RegExp(`^(?:${mapper.value})$`, "u").test(text);
}

export interface MapperOutcome {
  mapper: BrokeredMapper;
  applies: boolean;
}

export interface BrokeredGroups {
  /** The groups the person's Keycloak user holds after this login (sorted, once each). */
  groups: string[];
  outcomes: MapperOutcome[];
}

export function brokeredGroups(provider: BrokeredProvider, claims: Claims): BrokeredGroups {
  const outcomes = provider.mappers.map((mapper) => ({
    mapper,
    applies: mapper.kind === "everyone" || (mapper.key !== null && matches(mapper, claimValue(claims, mapper.key))),
  }));
  const groups = [...new Set(outcomes.filter((o) => o.applies).map((o) => o.mapper.group))].sort();
  return { groups, outcomes };
}

/** The mapper in words, for explain. */
export function mapperText(m: BrokeredMapper): string {
  if (m.kind === "everyone") return `everyone -> ${m.group}`;
  return `${m.key} ${m.regex ? "matches" : "holds"} ${JSON.stringify(m.value)} -> ${m.group}`;
}
