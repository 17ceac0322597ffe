/**
 * Access tests' rate-limit expectations: `quarantined: true|false` and `rate_limits: [{window_seconds,
 * max_requests, per_target}]` on a user or M2M account, checked against what the limiter would resolve
 * (lib/review/rate-limit-identity.ts). A broken one is an error at the test.
 */
import type { Diagnostic } from "../errors/diagnostics";
import type { Located } from "../load/definitions";
import type { AccessModel } from "../model/access-model";
import type { AccessTest } from "../schema";
import { diagnosticAt } from "../source/file";
import { callerRateLimits, gateText } from "./rate-limit-identity";

export function runRateLimitExpectations(model: AccessModel, tests: readonly Located<AccessTest>[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const t of tests) {
    const { quarantined, rate_limits: limits } = t.value;
    if (quarantined === undefined && limits === undefined) continue;
    const id = t.value.identity;
    if ("groups" in id || "idp" in id) {
      out.push(
        diagnosticAt(
          t.source,
          [...t.at, "identity"],
          "rate limits and quarantine belong to a user or an M2M account (their memberships), not " +
            "to groups or a brokered person: use {user: NAME} or {m2m: NAME}",
        ),
      );
      continue;
    }
    const ref = "user" in id ? { user: id.user } : { m2m: id.m2m };
    const label = "user" in id ? `user ${id.user}` : `M2M account ${id.m2m}`;
    const r = callerRateLimits(model, ref);
    if (quarantined !== undefined && quarantined !== r.quarantined) {
      out.push(
        diagnosticAt(
          t.source,
          [...t.at, "quarantined"],
          `access test: ${label} should ${quarantined ? "" : "not "}be quarantined, but ` +
            `${r.quarantined ? "is" : "is not"} (quarantine lists in rate-limits/)`,
        ),
      );
    }
    if (limits) {
      const have = r.gates.map(gateText);
      if (limits.length === 0 && r.gates.length) {
        out.push(
          diagnosticAt(
            t.source,
            [...t.at, "rate_limits"],
            `access test: ${label} should have no rate limit, but has ${have.join("; ")}`,
          ),
        );
      }
      limits.forEach((l, i) => {
        const axis = l.per_target ? "caller_target" : "caller";
        const hit = r.gates.some(
          (g) => g.axis === axis && g.windowSeconds === l.window_seconds && g.maxRequests === l.max_requests,
        );
        if (!hit) {
          out.push(
            diagnosticAt(
              t.source,
              [...t.at, "rate_limits", i],
              `access test: ${label} should have ${l.max_requests} requests per ${l.window_seconds} ` +
                `s${l.per_target ? " to each target" : ""}, but has ${have.length ? have.join("; ") : "no rate limit"}`,
            ),
          );
        }
      });
    }
  }
  return out;
}
