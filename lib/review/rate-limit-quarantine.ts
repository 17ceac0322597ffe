/**
 * The quarantine as the auth server applies it to one request. auth_server/server.py `_enforce_rate_limit` runs
 * after authorisation, on MCP and A2A requests only (never on `/api/*`); registry/rate_limiting/limiter.py
 * `RateLimiter.check` then refuses a quarantined target (`403 {"error":"quarantined","axis":"tgt"}`), then a
 * quarantined caller (`"axis":"clr"`), before any rate is counted. `decideFor` (lib/review/explain.ts) applies it to
 * every decision, so explain in every form, the access tests and diff's flipped expectations carry the same facts.
 */
import type { RateLimitModel } from "../model/rate-limit-types";
import type { ResolvedIdentity } from "../model/identities";
import {
  membershipId,
  QUARANTINE_CALLER_GROUP,
  QUARANTINE_TARGET_GROUP,
  rateLimitAgentPath,
} from "../registry/rate-limits";
import { isRegistryApiPath, requestTarget, serverKey, stripSlashes } from "../registry/rules";
import { proxyRoute } from "../registry/generic-proxy";
import { DEFAULT_GATEWAY_PROXY_PREFIX } from "../registry/switches";
import type { AccessDecision, DecisionRequest, QuarantineFacts } from "./decide";

export type { QuarantineFacts };

export const QUARANTINE_DECIDED_BY =
  "auth_server/server.py _enforce_rate_limit (registry/rate_limiting/limiter.py RateLimiter.check)";

/** The limiter runs only where the registry enforces rate limits at all. */
export const RATE_LIMITING_NOTE =
  "the quarantine is enforced when the registry's auth server runs with RATE_LIMITING_ENABLED=true; the stack " +
  "writes the memberships either way";

/**
 * A path's target as `_classify_rate_limit_target` keys it: `server:<key>`, `agent:<path>`; null for /api. A generic
 * proxy client URL is keyed on its authorisation key, as `{server: kind/path, http}` is (whether the limiter runs on
 * the generic hop is not known: release 1.30.0's auth server is not reachable).
 */
function urlTarget(url: string, proxyPrefix: string): string | null {
  const route = proxyRoute(url, proxyPrefix);
  if (route) return membershipId("server", route.key);
  const t = requestTarget(url);
  if (t.kind === "server") return membershipId("server", t.key);
  if (t.kind === "agent") return membershipId("agent", rateLimitAgentPath(t.path));
  return null;
}

/**
 * The membership id the limiter keys the request's target on, or null when the limiter does not run on it: the
 * registry API (`/api/*`, and every agent action but `invoke_agent`, which are API calls) is not rate limited.
 * A server is keyed on its whole key (a federated `peer/x` too), an agent on its path with one leading slash.
 */
export function limitedTarget(
  request: DecisionRequest,
  proxyPrefix: string = DEFAULT_GATEWAY_PROXY_PREFIX,
): string | null {
  if ("url" in request) return urlTarget(request.url, proxyPrefix);
  if ("agent" in request)
    return request.action === "invoke_agent" ? membershipId("agent", rateLimitAgentPath(request.agent)) : null;
  // A plain HTTP request reaches the auth server as a body-less request to `/<server>`, proxied or not.
  if ("http" in request) return urlTarget(`/${stripSlashes(request.server)}`, proxyPrefix);
  return isRegistryApiPath(request.server) ? null : membershipId("server", serverKey(request.server));
}

function inGroup(rl: RateLimitModel | undefined, id: string, group: string): boolean {
  return rl?.memberships.some((m) => m.id === id && m.groups.includes(group)) ?? false;
}

/** The caller's and the target's quarantine memberships; `refuses` is left to `applyQuarantine`. */
export function quarantineFacts(
  rl: RateLimitModel | undefined,
  identity: Pick<ResolvedIdentity, "account">,
  request: DecisionRequest,
  proxyPrefix: string = DEFAULT_GATEWAY_PROXY_PREFIX,
): Omit<QuarantineFacts, "refuses"> {
  const a = identity.account;
  const callerId = a ? ("user" in a ? membershipId("user", a.user) : membershipId("client", a.m2m)) : null;
  const targetId = limitedTarget(request, proxyPrefix);
  return {
    caller: callerId !== null && inGroup(rl, callerId, QUARANTINE_CALLER_GROUP) ? callerId : null,
    target: targetId !== null && inGroup(rl, targetId, QUARANTINE_TARGET_GROUP) ? targetId : null,
    limited: targetId !== null,
  };
}

/**
 * The decision with the quarantine applied: a request the scopes allow is refused when the limiter runs on it and
 * its target, then its caller, is quarantined. A denied request keeps its reason (authorisation answers first).
 */
export function applyQuarantine(d: AccessDecision, facts: Omit<QuarantineFacts, "refuses">): AccessDecision {
  const refuses = d.allowed && facts.limited && (facts.target !== null || facts.caller !== null);
  const quarantine: QuarantineFacts = { ...facts, refuses };
  if (!refuses) return { ...d, quarantine };
  const [who, axis] =
    facts.target !== null ? [`the target ${facts.target}`, "tgt"] : [`the caller ${facts.caller}`, "clr"];
  const reason =
    `${who} is quarantined: the auth server refuses the request after authorisation with 403 ` +
    `{"error":"quarantined","axis":"${axis}"}; the scopes alone would allow it (${d.reason})`;
  return {
    ...d,
    allowed: false,
    branch: "quarantined",
    decidedBy: QUARANTINE_DECIDED_BY,
    reason,
    quarantine,
    notes: [...(d.notes ?? []), RATE_LIMITING_NOTE],
  };
}
