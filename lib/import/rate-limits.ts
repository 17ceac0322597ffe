/**
 * `mcp-access import` for rate limits: the registry's `mcp_rate_limits_<ns>` and `rate_limit_memberships_<ns>`
 * documents back into a `rate-limits/` file and `rate_limit_groups` on the imported users and M2M accounts.
 * What the definitions cannot say is reported, never dropped silently.
 */
import type { ImportFile, ImportFinding } from "./types";
import { stringify } from "yaml";
import { QUARANTINE_CALLER_GROUP, QUARANTINE_TARGET_GROUP, RESERVED_GROUP_NAMES } from "../registry/rate-limits";
import { RATE_LIMITS_DIR, type QuarantineLists, type RateLimitPolicy } from "../schema/rate-limits";
import { byCodeUnit } from "../errors/order";

/** models.py RateLimitDefinition fields, plus the `_id` the repository adds. */
const DEFINITION_FIELDS = [
  "_id",
  "axis",
  "entity_type",
  "name",
  "max_requests",
  "members",
  "user_max_requests",
  "agent_max_requests",
  "window_seconds",
  "scope",
  "fail_closed",
  "enabled",
];
const MEMBERSHIP_FIELDS = ["_id", "subject_type", "subject", "groups", "enabled"];

/** A stored document as the importer reads it. */
type Doc = Record<string, unknown>;

const KEY_OF: Record<string, keyof RateLimitPolicy> = {
  "caller:group": "caller_group",
  "caller_target:group": "caller_target_group",
  "target:mcp_server": "mcp_server",
  "target:a2a_agent": "a2a_agent",
  "target:server_group": "server_group",
};

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isInteger(v) ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

export interface RateLimitSnapshot {
  rateLimits?: Doc[];
  rateLimitMemberships?: Doc[];
}

/** Adds the rate-limit file and the identities' rate_limit_groups to what an import writes. */
export function importRateLimits<F extends ImportFile>(
  s: RateLimitSnapshot,
  files: F[],
  findings: ImportFinding[],
): void {
  const policies: RateLimitPolicy[] = [];
  for (const d of [...(s.rateLimits ?? [])].sort((a, b) => byCodeUnit(String(a._id), String(b._id)))) {
    const id = String(d._id);
    const object = `rate-limit definition "${id}"`;
    if (d.axis === "quarantine") {
      // The registry seeds these sentinels itself (definitions_repository.py `seed_reserved_groups`).
      if (d.enabled === false)
        findings.push({
          object,
          problem: "is the registry's quarantine switch, and it is off: quarantine memberships are not enforced",
          action: "not written (the registry owns the sentinel); turn it on with POST /api/rate-limits-enabled/" + id,
        });
      continue;
    }
    const key = KEY_OF[`${String(d.axis)}:${String(d.entity_type)}`];
    if (!key || typeof d.name !== "string") {
      findings.push({
        object,
        problem:
          `has axis ${JSON.stringify(d.axis)} and entity_type ` +
          `${JSON.stringify(d.entity_type)}, which the registry does not enforce (mcp_tool, ` +
          `a2a_skill) or the definitions cannot express`,
        action: "not written; the stack leaves it alone",
      });
      continue;
    }
    const extra = Object.keys(d).filter((k) => !DEFINITION_FIELDS.includes(k));
    if (extra.length)
      findings.push({
        object,
        problem: `has field(s) the definitions cannot express: ${extra.join(", ")}`,
        action:
          "the first pulumi up stops on the conflict guard for it; choose merge or overwrite with onScopeConflict",
      });
    const p: RateLimitPolicy = { [key]: d.name } as RateLimitPolicy;
    if (key === "server_group") p.members = strings(d.members);
    p.window_seconds = num(d.window_seconds) ?? 60;
    for (const f of ["user_max_requests", "agent_max_requests", "max_requests"] as const) {
      const v = num(d[f]);
      if (v !== undefined) p[f] = v;
    }
    if (d.fail_closed === true) p.fail_closed = true;
    if (d.enabled === false) p.enabled = false;
    policies.push(p);
  }

  const quarantine: Required<QuarantineLists> = { users: [], m2m: [], servers: [], agents: [] };
  const byFile = new Map(files.map((f) => [`${f.kind}:${f.name}`, f]));
  for (const m of [...(s.rateLimitMemberships ?? [])].sort((a, b) => byCodeUnit(String(a._id), String(b._id)))) {
    const id = String(m._id);
    const object = `rate-limit membership "${id}"`;
    const extra = Object.keys(m).filter((k) => !MEMBERSHIP_FIELDS.includes(k));
    if (extra.length)
      findings.push({
        object,
        problem: `has field(s) the definitions cannot express: ${extra.join(", ")}`,
        action: "the first pulumi up stops on the conflict guard for it",
      });
    if (m.enabled === false) {
      findings.push({
        object,
        problem: "is disabled (enabled: false); the registry ignores it",
        action: "not written",
      });
      continue;
    }
    const subject = String(m.subject ?? "");
    const groups = strings(m.groups);
    if (m.subject_type === "server" || m.subject_type === "agent") {
      if (groups.includes(QUARANTINE_TARGET_GROUP))
        quarantine[m.subject_type === "server" ? "servers" : "agents"].push(subject);
      continue;
    }
    const kind = m.subject_type === "user" ? "users" : m.subject_type === "client" ? "m2m" : null;
    const file = kind && byFile.get(`${kind}:${subject}`);
    if (!kind || !file) {
      findings.push({
        object,
        problem: kind
          ? `names ${kind === "users" ? "user" : "M2M account"} "${subject}", which this import did not write`
          : `has subject_type ${JSON.stringify(m.subject_type)}`,
        action:
          "not written; the stack leaves the membership alone (it fails on the conflict guard only " +
          "if a definition claims the same _id)",
      });
      continue;
    }
    if (groups.includes(QUARANTINE_CALLER_GROUP)) quarantine[kind].push(subject);
    const own = groups.filter((g) => !RESERVED_GROUP_NAMES.includes(g));
    if (own.length) file.text += stringify({ rate_limit_groups: own }, { lineWidth: 0 });
  }
  const q = Object.fromEntries(Object.entries(quarantine).filter(([, v]) => v.length)) as QuarantineLists;
  if (Object.keys(q).length) policies.push({ quarantine: q });
  if (!policies.length) return;
  const text =
    `# yaml-language-server: $schema=../schemas/${RATE_LIMITS_DIR}.schema.json\n# Imported from the ` +
    `registry's rate-limit collections.\n` +
    stringify(policies, { lineWidth: 0 });
  files.push({ kind: RATE_LIMITS_DIR, name: "imported", path: `${RATE_LIMITS_DIR}/imported.yaml`, text } as F);
}
