/**
 * An identity's rate limits and quarantine as the auth server resolves them (registry/rate_limiting/limiter.py
 * `RateLimiter.check`, auth_server/server.py `_enforce_rate_limit`, PR #1467/#1541): for explain, diff and the
 * access tests.
 */
import type { AccessModel } from "../model/access-model";
import {
  QUARANTINE_CALLER_GROUP,
  QUARANTINE_TARGET_GROUP,
  membershipId,
  rateLimitAgentPath,
} from "../registry/rate-limits";
import type { RateLimitDefinition } from "../model/rate-limit-types";
import { byCodeUnit } from "../errors/order";
import { serverKey } from "../registry/rules";
import { proxyPrefixOf, REGISTRY_DEFAULTS } from "../registry/switches";
import type { DecisionRequest } from "./decide";
import { limitedTarget } from "./rate-limit-quarantine";

/** One gate on the caller: the most restrictive limit of its groups for one window and axis. */
export interface CallerGate {
  /** `caller`: across all targets; `caller_target`: per target. */
  axis: "caller" | "caller_target";
  windowSeconds: number;
  maxRequests: number;
  /** The group whose definition sets the limit (models.py `_build_caller_gates` takes the smallest). */
  group: string;
}

export interface CallerRateLimits {
  /** Rate-limit groups (memberships), reserved ones included. */
  groups: string[];
  quarantined: boolean;
  gates: CallerGate[];
}

/** The limits of `user:<name>` / `client:<name>` for a user (user_max_requests) or M2M account (agent_max_requests). */
export function callerRateLimits(model: AccessModel, ref: { user: string } | { m2m: string }): CallerRateLimits {
  const rl = model.rateLimits;
  const id = "user" in ref ? membershipId("user", ref.user) : membershipId("client", ref.m2m);
  const groups = rl?.memberships.find((m) => m.id === id)?.groups ?? [];
  // server.py `_resolve_rate_limit_caller`: a client_credentials token is an agent, a user's token a user.
  const perType = (d: RateLimitDefinition) => ("user" in ref ? d.userMaxRequests : d.agentMaxRequests);
  const best = new Map<string, CallerGate>();
  for (const d of rl?.definitions ?? []) {
    if (!d.enabled || d.entityType !== "group" || !groups.includes(d.name)) continue;
    const n = perType(d);
    if (n === null) continue;
    const axis = d.axis as CallerGate["axis"];
    const key = `${axis}:${d.windowSeconds}`;
    const prev = best.get(key);
    if (!prev || n < prev.maxRequests)
      best.set(key, { axis, windowSeconds: d.windowSeconds, maxRequests: n, group: d.name });
  }
  const gates = [...best.values()].sort((a, b) => a.windowSeconds - b.windowSeconds || byCodeUnit(a.axis, b.axis));
  return { groups, quarantined: groups.includes(QUARANTINE_CALLER_GROUP), gates };
}

export interface TargetRateLimits {
  /** `mcp_server` or `a2a_agent`, and the name the auth server keys on. */
  entityType: "mcp_server" | "a2a_agent";
  name: string;
  quarantined: boolean;
  gates: Array<{ windowSeconds: number; maxRequests: number; definition: string }>;
}

/** definitions_repository.py `list_target_limits`: the target's own definitions and the server_groups holding it. */
export function targetRateLimits(model: AccessModel, target: { server: string } | { agent: string }): TargetRateLimits {
  const rl = model.rateLimits;
  const entityType = "server" in target ? "mcp_server" : "a2a_agent";
  // The auth server keys a request on its whole server key (server.py `_classify_rate_limit_target`): a path's
  // transport segment dropped, a federated `peer/x` kept whole (lib/model/rate-limits.ts refuses to store one).
  const name = "server" in target ? serverKey(target.server) : rateLimitAgentPath(target.agent);
  const member = name;
  const gates = (rl?.definitions ?? [])
    .filter(
      (d) =>
        d.enabled &&
        d.axis === "target" &&
        ((d.entityType === entityType && d.name === name) ||
          (entityType === "mcp_server" && d.entityType === "server_group" && d.members?.includes(name))),
    )
    .map((d) => ({ windowSeconds: d.windowSeconds, maxRequests: d.maxRequests!, definition: d.id }))
    .sort((a, b) => a.windowSeconds - b.windowSeconds);
  const subject = membershipId("server" in target ? "server" : "agent", member);
  const quarantined =
    rl?.memberships.some((m) => m.id === subject && m.groups.includes(QUARANTINE_TARGET_GROUP)) ?? false;
  return { entityType, name, quarantined, gates };
}

/** The limits of the target a request goes to, in any form (server, URL, agent, plain HTTP); null where none run. */
export function requestTargetLimits(model: AccessModel, request: DecisionRequest): TargetRateLimits | null {
  const id = limitedTarget(request, proxyPrefixOf(model.registry ?? REGISTRY_DEFAULTS));
  if (id === null) return null;
  const name = id.slice(id.indexOf(":") + 1);
  return targetRateLimits(model, id.startsWith("server:") ? { server: name } : { agent: name });
}

export function gateText(g: CallerGate): string {
  return (
    `${g.maxRequests} requests per ${g.windowSeconds} ` +
    `s${g.axis === "caller_target" ? " to each target" : ""} (group ${g.group})`
  );
}

/** Lines for `explain`: what the auth server does to this caller's requests when RATE_LIMITING_ENABLED is on. */
export function callerRateLimitLines(r: CallerRateLimits, admin: boolean): string[] {
  if (!r.groups.length) return [];
  const lines = [`  rate-limit groups: ${r.groups.join(", ")}`];
  if (r.quarantined) lines.push("  QUARANTINED: every request is refused (403 quarantined)");
  for (const g of r.gates) lines.push(`  rate limit: ${gateText(g)}`);
  // server.py `_enforce_rate_limit` reads validation_result["is_admin"], which no validator sets at 8c5b834b.
  if (admin && (r.quarantined || r.gates.length))
    lines.push(
      "  (an admin: the limiter's admin bypass never applies at 8c5b834b, where /validate sets no " +
        "is_admin; see README)",
    );
  return lines;
}
