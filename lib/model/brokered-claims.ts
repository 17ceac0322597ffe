/**
 * Which groups a brokered person gets from the claims (OIDC) or attributes (SAML) a provider sends: what the
 * Keycloak mappers do at login, so `explain --idp` and access tests see the groups the token will carry.
 * Keycloak's rules: AdvancedClaimToGroupMapper / AdvancedAttributeToGroupMapper match when every listed key holds
 * the value (one element of a list is enough; `are.claim.values.regex`: the whole value matches the pattern);
 * a claim name is always a path split on unescaped dots (AbstractClaimMapper.getClaimValue); a SAML attribute is
 * looked up by its name as is; HardcodedGroupMapper always applies. With syncMode FORCE a mapper that no longer
 * matches removes the group at the next login.
 */
import type { BrokeredMapper, BrokeredProvider } from "./identity-provider-types";
import { wholeValueMatches } from "./mapper-regex";
import { javaValueEquals, javaValueText } from "./claim-values";

export type Claims = Readonly<Record<string, unknown>>;

/**
 * Keycloak's OIDCAttributeMapperHelper.splitClaimPath, rule for rule: CLAIM_COMPONENT `^((\\.|[^\\.])+?)\.` takes
 * one component up to an unescaped dot (a backslash escapes any character but a line terminator, Java's `.`), the
 * rest after the last match is the last component, and BACKSLASHED_CHARACTER `\\(.)` unescapes each. So `a..b` is
 * ["a", ".b"], `a.` is ["a"], `.a` is [".a"].
 */
const CLAIM_COMPONENT = /((?:\\[^\n\r\u0085\u2028\u2029]|[^\\.])+?)\./y;
const BACKSLASHED_CHARACTER = /\\([^\n\r\u0085\u2028\u2029])/g;

export function splitClaimPath(claim: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (;;) {
    CLAIM_COMPONENT.lastIndex = start;
    const m = CLAIM_COMPONENT.exec(claim);
    if (!m) break;
    out.push(m[1]!.replace(BACKSLASHED_CHARACTER, "$1"));
    start = CLAIM_COMPONENT.lastIndex;
  }
  if (claim.length > start) out.push(claim.slice(start).replace(BACKSLASHED_CHARACTER, "$1"));
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * AbstractClaimMapper.getClaimValue(JsonWebToken, claim): always the split path, never the whole name as one key
 * first; each step but the last must be an object (Map), a list in between reads nothing.
 */
function claimValue(claims: Claims, claim: string): unknown {
  const path = splitClaimPath(claim);
  if (path.length === 0) return undefined; // Keycloak's loop never runs: null
  let v: unknown = claims;
  for (const p of path) {
    if (!isObject(v) || !Object.prototype.hasOwnProperty.call(v, p)) return undefined;
    v = v[p];
  }
  return v;
}

/** AdvancedAttributeToGroupMapper.applies: the attribute whose name equals the key; no path. */
function attributeValue(claims: Claims, name: string): unknown {
  return Object.prototype.hasOwnProperty.call(claims, name) ? claims[name] : undefined;
}

/** A SAML attribute value is text in the assertion; a number or boolean given here stands for its text. */
function samlText(v: unknown): string | null {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return null;
}

/** One (non-list) value against the mapper: Keycloak's comparison for an OIDC claim, text equality for SAML. */
function matchesOne(mapper: BrokeredMapper, desired: string, x: unknown): boolean {
  const saml = mapper.kind === "attribute";
  if (!mapper.regex) return saml ? samlText(x) === desired : javaValueEquals(desired, x);
  const text = saml ? samlText(x) : javaValueText(x);
  return text !== null && wholeValueMatches(desired, text);
}

/**
 * AbstractClaimMapper.valueEquals / valueMatchesRegex: a list matches when one element does, lists inside lists
 * too. Walked with a stack, not recursion, so no nesting depth overflows it.
 */
function matches(mapper: BrokeredMapper, v: unknown): boolean {
  const desired = mapper.value;
  if (desired === null) return false;
  const stack: unknown[] = [v];
  while (stack.length) {
    const x = stack.pop();
    if (Array.isArray(x)) {
      for (let i = x.length - 1; i >= 0; i--) stack.push(x[i]);
    } else if (matchesOne(mapper, desired, x)) return true;
  }
  return false;
}

function mapperValue(mapper: BrokeredMapper, claims: Claims): unknown {
  if (mapper.key === null) return undefined;
  return mapper.kind === "attribute" ? attributeValue(claims, mapper.key) : claimValue(claims, mapper.key);
}

export interface MapperOutcome {
  mapper: BrokeredMapper;
  applies: boolean;
  /** Why a claim path read nothing when the claims hold its dotted name as one claim; null otherwise. */
  note: string | null;
}

export interface BrokeredGroups {
  /** The groups the person's Keycloak user holds after this login (sorted, once each). */
  groups: string[];
  outcomes: MapperOutcome[];
}

export function brokeredGroups(provider: BrokeredProvider, claims: Claims): BrokeredGroups {
  const outcomes = provider.mappers.map((mapper) => {
    const value = mapperValue(mapper, claims);
    const applies = mapper.kind === "everyone" || matches(mapper, value);
    return { mapper, applies, note: value === undefined ? flatClaimNote(mapper, claims) : null };
  });
  const groups = [...new Set(outcomes.filter((o) => o.applies).map((o) => o.mapper.group))].sort();
  return { groups, outcomes };
}

/**
 * A claim that looks like a URL (`https://corp.example.com/groups`) with an unescaped dot: Keycloak splits it into
 * nested claims (AbstractClaimMapper.getClaimValue, OIDCAttributeMapperHelper.splitClaimPath), so the mapper reads
 * nothing. The message says how to escape it, or null.
 */
/** A scheme (`https://`), a URN (`urn:`) or a host name before a path (`corp.example.com/groups`). */
const URL_LIKE = /:\/\/|^urn:|^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+\//i;

export function urlClaimProblem(claim: string): string | null {
  if (!URL_LIKE.test(claim)) return null;
  const parts = splitClaimPath(claim);
  if (parts.length < 2) return null;
  const escaped = escapedClaim(parts);
  const path = parts.map((p) => JSON.stringify(p)).join(" -> ");
  return (
    `Keycloak splits a claim name on every unescaped ".": it reads ${path}` +
    `, nested claims, not the claim ${JSON.stringify(claim)}; escape each dot with a backslash: ` +
    `claim: ${escaped} (in YAML double quotes, "${escaped.replace(/\\/g, "\\\\")}")`
  );
}

/** The escaped form of a claim whose every dot is part of one name. */
function escapedClaim(parts: readonly string[]): string {
  return parts.map((p) => p.replace(/\\/g, "\\\\").replace(/\./g, "\\.")).join("\\.");
}

/**
 * The claims hold `https://corp.example.com/groups` as one top-level claim, but the mapper's unescaped name is a
 * path (splitClaimPath) that reads nothing: say so, since that is what Keycloak does at login too.
 */
function flatClaimNote(mapper: BrokeredMapper, claims: Claims): string | null {
  if (mapper.kind !== "claim" || mapper.key === null) return null;
  const parts = splitClaimPath(mapper.key);
  const whole = parts.join(".");
  if (parts.length < 2 || !Object.prototype.hasOwnProperty.call(claims, whole)) return null;
  return (
    `Keycloak reads the nested path ${parts.map((p) => JSON.stringify(p)).join(" -> ")}, not the claim ` +
    `${JSON.stringify(whole)}: write claim: ${escapedClaim(parts)} to match that claim`
  );
}

/** The mapper in words, for explain. */
export function mapperText(m: BrokeredMapper): string {
  if (m.kind === "everyone") return `everyone -> ${m.group}`;
  return `${m.key} ${m.regex ? "matches" : "holds"} ${JSON.stringify(m.value)} -> ${m.group}`;
}
