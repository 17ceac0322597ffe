/**
 * Rate-limit entries that can never apply: the registry would store them and its limiter would never match or never
 * refuse by them, so each is an error at its line with the reason. The limiter (registry/rate_limiting/limiter.py
 * `RateLimiter.check`, auth_server/server.py `_enforce_rate_limit`) looks definitions and memberships up by exact
 * key: it has no wildcard, and a name that strips to nothing is never a request's key.
 */
import type { FieldPath } from "../errors/diagnostics";
import type { Located } from "../load/definitions";
import { isWildcard, stripSlashes } from "../registry/rules";
import type { RateLimitPolicy, SubjectKey } from "../schema/rate-limits";
import { ModelDiagnostics, where } from "./diagnostics";
import type { RateLimitDefinition } from "./rate-limit-types";

type Policy = Located<RateLimitPolicy>;

/** What the limiter compares a name of this kind with, for messages. */
const KEYED_ON: Record<Exclude<SubjectKey, "quarantine">, string> = {
  caller_group: "the rate_limit_groups of users and M2M accounts, exactly",
  caller_target_group: "the rate_limit_groups of users and M2M accounts, exactly",
  mcp_server: "the request's server key, exactly (server.py _classify_rate_limit_target)",
  a2a_agent: "the request's agent path, exactly (server.py _get_a2a_agent_path)",
  server_group: "its members (the name is a label), and a blank label names no definition anyone can find",
};

/** A path of nothing but slashes and spaces: whatever the registry strips, no request is keyed on it. */
export function blankPath(raw: string): boolean {
  return !/[^\s/]/.test(raw);
}

/** Servers and agents are keyed on paths: `*` and `all` there read as "every one", which the limiter has not. */
function wildcardTarget(name: string): boolean {
  return isWildcard(stripSlashes(name.trim()));
}

/**
 * The subject of a limit: not blank (after its slashes, for a server or an agent) and not a wildcard, which the
 * limiter would compare as a plain name. False after reporting.
 */
export function checkSubjectName(o: ModelDiagnostics, loc: Policy, key: Exclude<SubjectKey, "quarantine">): boolean {
  const written = loc.value[key] as string;
  const path = key === "mcp_server" || key === "a2a_agent";
  if (path ? blankPath(written) : !written.trim()) {
    const what = path ? "strips to nothing (surrounding spaces and slashes dropped)" : "is blank";
    const noun = key === "a2a_agent" ? "agent" : key === "mcp_server" ? "server" : "group";
    o.error(
      loc,
      [key],
      `${key} ${JSON.stringify(written)} ${what}: the registry keys it on ${KEYED_ON[key]}, so ` +
        `no request would ever match it; name the ${noun}`,
    );
    return false;
  }
  // A server_group's name is a label (its members are what the limiter keys on), so `all` there is just a name.
  const wild = path ? wildcardTarget(written) : key !== "server_group" && written.trim() === "*";
  if (wild) {
    o.error(
      loc,
      [key],
      `${key} ${JSON.stringify(written)} is not a wildcard: the registry keys it on ` +
        `${KEYED_ON[key]}, and has no "every" limit; write one limit per ${path ? "target" : "group"}, or use a ` +
        `server_group`,
    );
    return false;
  }
  return true;
}

/** A server_group member or a quarantined server/agent written as a wildcard: the membership matches no request. */
export function wildcardEntry(o: ModelDiagnostics, loc: Policy, path: FieldPath, raw: string, what: string): boolean {
  if (!wildcardTarget(raw)) return false;
  o.error(
    loc,
    path,
    `${JSON.stringify(raw)} is not a wildcard here: the registry matches ${what} exactly and ` +
      `would store a membership no request has; list each one`,
  );
  return true;
}

/**
 * An agent path ending in the agent card: server.py `_get_a2a_agent_path` drops a trailing
 * `.well-known/agent-card.json`, so no request's agent path ends in it.
 */
export function agentCardEntry(o: ModelDiagnostics, loc: Policy, path: FieldPath, raw: string): boolean {
  const p = stripSlashes(raw.trim());
  if (!p.endsWith(".well-known/agent-card.json")) return false;
  const agent = `/${stripSlashes(p.slice(0, -".well-known/agent-card.json".length))}`;
  o.error(
    loc,
    path,
    `${JSON.stringify(raw)} is the agent card's path: the auth server drops the card from the ` +
      `agent path (server.py _get_a2a_agent_path), so requests are keyed "${agent}" and this never applies; write ` +
      `"${agent}"`,
  );
  return true;
}

/** A quarantined user or M2M account written `*`: the registry has no "everyone" in quarantine-callers. */
export function wildcardCaller(o: ModelDiagnostics | null, loc: Policy, path: FieldPath, raw: string): boolean {
  if (raw.trim() !== "*") return false;
  o?.error(
    loc,
    path,
    `"*" is not a wildcard in a quarantine: the registry quarantines one caller per membership ` +
      `(rate_limit_routes.py add_quarantine); list each user or M2M account`,
  );
  return true;
}

/** `quarantine: {}`: a quarantine that lists nobody stores no membership. */
export function checkQuarantineNotEmpty(o: ModelDiagnostics, loc: Policy): void {
  const q = loc.value.quarantine ?? {};
  if (q.users || q.m2m || q.servers || q.agents) return;
  o.error(
    loc,
    ["quarantine"],
    `the quarantine lists nobody: it would store no membership and refuse nothing; ` +
      `list users, m2m, servers or agents under it`,
  );
}

/** The count each kind of definition refuses by, per field. */
function counts(d: RateLimitDefinition): Array<["user_max_requests" | "agent_max_requests" | "max_requests", number]> {
  const out: Array<["user_max_requests" | "agent_max_requests" | "max_requests", number]> = [];
  if (d.userMaxRequests !== null) out.push(["user_max_requests", d.userMaxRequests]);
  if (d.agentMaxRequests !== null) out.push(["agent_max_requests", d.agentMaxRequests]);
  if (d.maxRequests !== null) out.push(["max_requests", d.maxRequests]);
  return out;
}

/**
 * A window that can never refuse: the limiter counts fixed windows aligned to the epoch (limiter.py), so when a
 * longer window of the same group or target is a multiple of a shorter one, each short window lies inside one long
 * window; if the short one allows at least as many requests, the long one refuses first, every time.
 */
export function checkShadowedWindows(
  o: ModelDiagnostics,
  definitions: readonly RateLimitDefinition[],
  locOf: (id: string) => Policy | undefined,
): void {
  const bySubject = new Map<string, RateLimitDefinition[]>();
  for (const d of definitions) {
    if (!d.enabled) continue;
    const k = `${d.axis}:${d.entityType}:${d.name}`;
    bySubject.set(k, [...(bySubject.get(k) ?? []), d]);
  }
  for (const same of bySubject.values()) {
    for (const short of same) {
      for (const long of same) {
        if (long.windowSeconds <= short.windowSeconds || long.windowSeconds % short.windowSeconds !== 0) continue;
        shadowed(o, short, long, locOf);
      }
    }
  }
}

function shadowed(
  o: ModelDiagnostics,
  short: RateLimitDefinition,
  long: RateLimitDefinition,
  locOf: (id: string) => Policy | undefined,
): void {
  const loc = locOf(short.id);
  const longLoc = locOf(long.id);
  if (!loc || !longLoc) return;
  const longCounts = new Map(counts(long));
  for (const [field, n] of counts(short)) {
    const cap = longCounts.get(field);
    if (cap === undefined || n < cap) continue;
    o.error(
      loc,
      [field],
      `${field} ${n} per ${short.windowSeconds} s can never refuse a request: the ` +
        `${long.windowSeconds} s window of the same ${short.entityType === "group" ? "group" : "target"} allows only ` +
        `${cap} (${where(longLoc, [field])}), and every ${short.windowSeconds} s window lies inside one ` +
        `${long.windowSeconds} s window (fixed windows aligned to the epoch, limiter.py); lower it below ${cap} or ` +
        `remove it`,
    );
  }
}

/** Per caller group: whether some limit of it counts users (user_max_requests) and M2M accounts (agent_...). */
export function groupReach(
  definitions: readonly RateLimitDefinition[],
): Map<string, { user: boolean; agent: boolean }> {
  const out = new Map<string, { user: boolean; agent: boolean }>();
  for (const d of definitions) {
    if (d.entityType !== "group") continue;
    const r = out.get(d.name) ?? { user: false, agent: false };
    out.set(d.name, { user: r.user || d.userMaxRequests !== null, agent: r.agent || d.agentMaxRequests !== null });
  }
  return out;
}

/**
 * An identity in a caller group none of whose limits counts its kind: server.py `_resolve_rate_limit_caller`
 * counts a client-credentials token as an agent (agent_max_requests), any other as a user (user_max_requests), and
 * the limiter skips a gate without that count.
 */
export function callerKindMissing(
  o: ModelDiagnostics,
  loc: Located<unknown>,
  path: FieldPath,
  group: string,
  kind: "user" | "client",
  reach: ReadonlyMap<string, { user: boolean; agent: boolean }>,
): boolean {
  const r = reach.get(group);
  if (!r || (kind === "user" ? r.user : r.agent)) return false;
  const [field, who] = kind === "user" ? ["user_max_requests", "user"] : ["agent_max_requests", "M2M account"];
  o.error(
    loc,
    path,
    `rate-limit group "${group}" sets no ${field} in any of its limits, so it never limits a ` +
      `${who} (server.py _resolve_rate_limit_caller counts ${
        kind === "user" ? "a user's token by user_max_requests" : "a client-credentials token by agent_max_requests"
      }); add ${field} to the group's limits, or remove it here`,
  );
  return true;
}
