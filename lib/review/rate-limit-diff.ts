/** What a change does to rate limits and quarantine, per identity and per target (for `mcp-access diff`). */
import type { AccessModel } from "../model/access-model";
import { callerRateLimits, gateText, targetRateLimits } from "./rate-limit-identity";

export interface RateLimitChange {
  /** `user alice`, `M2M account bot`, `server currenttime`, `agent /flights`. */
  subject: string;
  quarantinedBefore: boolean;
  quarantinedAfter: boolean;
  /** Limits as people read them (`30 requests per 60 s (group interactive)`). */
  limitsAdded: string[];
  limitsRemoved: string[];
}

const minus = (a: readonly string[], b: readonly string[]) => a.filter((x) => !b.includes(x));

function callerView(model: AccessModel, ref: { user: string } | { m2m: string }) {
  const r = callerRateLimits(model, ref);
  return { quarantined: r.quarantined, limits: r.gates.map(gateText) };
}

function targetView(model: AccessModel, ref: { server: string } | { agent: string }) {
  const r = targetRateLimits(model, ref);
  return {
    quarantined: r.quarantined,
    limits: r.gates.map(
      (g) => `${g.maxRequests} requests per ${g.windowSeconds} s across all callers (${g.definition})`,
    ),
  };
}

/** Targets any definition or quarantine names, in either model. */
function targets(model: AccessModel): Array<{ server: string } | { agent: string }> {
  const rl = model.rateLimits;
  const out: Array<{ server: string } | { agent: string }> = [];
  for (const d of rl?.definitions ?? []) {
    if (d.entityType === "mcp_server") out.push({ server: d.name });
    if (d.entityType === "a2a_agent") out.push({ agent: d.name });
    for (const m of d.members ?? []) out.push({ server: m });
  }
  for (const m of rl?.memberships ?? []) {
    if (m.subjectType === "server") out.push({ server: m.subject });
    if (m.subjectType === "agent") out.push({ agent: m.subject });
  }
  return out;
}

export function diffRateLimits(base: AccessModel, head: AccessModel): RateLimitChange[] {
  const out: RateLimitChange[] = [];
  const compare = (
    subject: string,
    b: { quarantined: boolean; limits: string[] },
    a: { quarantined: boolean; limits: string[] },
  ) => {
    const change = {
      subject,
      quarantinedBefore: b.quarantined,
      quarantinedAfter: a.quarantined,
      limitsAdded: minus(a.limits, b.limits),
      limitsRemoved: minus(b.limits, a.limits),
    };
    if (
      change.quarantinedBefore !== change.quarantinedAfter ||
      change.limitsAdded.length ||
      change.limitsRemoved.length
    )
      out.push(change);
  };
  const users = [...new Set([...base.users, ...head.users].map((u) => u.username))].sort();
  for (const u of users) compare(`user ${u}`, callerView(base, { user: u }), callerView(head, { user: u }));
  const m2m = [...new Set([...base.m2m, ...head.m2m].map((a) => a.name))].sort();
  for (const a of m2m) compare(`M2M account ${a}`, callerView(base, { m2m: a }), callerView(head, { m2m: a }));
  const seen = new Set<string>();
  for (const t of [...targets(base), ...targets(head)]) {
    const key = "server" in t ? `server ${t.server}` : `agent ${t.agent}`;
    if (seen.has(key)) continue;
    seen.add(key);
    compare(key, targetView(base, t), targetView(head, t));
  }
  return out;
}

/** The diff comment's section. */
export function rateLimitMarkdown(changes: readonly RateLimitChange[]): string[] {
  if (!changes.length) return [];
  const out = ["### Rate limits and quarantine", ""];
  for (const c of changes) {
    const parts: string[] = [];
    if (!c.quarantinedBefore && c.quarantinedAfter) parts.push("**quarantined** (every request refused)");
    if (c.quarantinedBefore && !c.quarantinedAfter) parts.push("released from quarantine");
    for (const l of c.limitsAdded) parts.push(`+ ${l}`);
    for (const l of c.limitsRemoved) parts.push(`− ${l}`);
    out.push(`- ${c.subject}: ${parts.join("; ")}`);
  }
  out.push("");
  return out;
}
