/**
 * `mcp-access import` for rate limits: the registry's `mcp_rate_limits_<ns>` and `rate_limit_memberships_<ns>`
 * documents back into a `rate-limits/` file and `rate_limit_groups` on the imported users and M2M accounts.
 * What the definitions cannot say is reported, never dropped silently.
 */
import type { Doc, ImportFile, ImportFinding, ImportLedger, KindImport } from "./types";
import { stringify } from "yaml";
import { sortedByCodeUnit, yamlFile } from "./files";
import {
  QUARANTINE_CALLER_GROUP,
  QUARANTINE_TARGET_GROUP,
  RATE_LIMIT_SUBJECTS,
  RESERVED_GROUP_NAMES,
} from "../registry/rate-limits";
import type { QuarantineLists, RateLimitPolicy } from "../schema/rate-limits";

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

/** `axis:entity_type` of a stored definition → the subject key that writes it (the registry's table, inverted). */
const KEY_OF: Record<string, keyof RateLimitPolicy> = Object.fromEntries(
  Object.entries(RATE_LIMIT_SUBJECTS).map(([key, s]) => [`${s.axis}:${s.entityType}`, key as keyof RateLimitPolicy]),
);

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isInteger(v) ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

export interface RateLimitSnapshot {
  rateLimits?: Doc[];
  rateLimitMemberships?: Doc[];
}

/** The rate-limit file, and `rate_limit_groups` added to the users/ and m2m/ files written before it. */
export function importRateLimits(s: RateLimitSnapshot, ledger: Pick<ImportLedger, "files">): KindImport {
  const findings: ImportFinding[] = [];
  const policies = convertDefinitions(s.rateLimits ?? [], findings);
  const { quarantine, amended } = convertMemberships(s.rateLimitMemberships ?? [], ledger.files, findings);
  const q = Object.fromEntries(Object.entries(quarantine).filter(([, v]) => v.length)) as QuarantineLists;
  if (Object.keys(q).length) policies.push({ quarantine: q });
  if (!policies.length) return { files: [], findings, amended };
  const file = yamlFile("rate-limits", "imported", policies, ["Imported from the registry's rate-limit collections."]);
  return { files: [file], findings, amended };
}

/** `mcp_rate_limits_<ns>` documents → policies; the registry's quarantine switches are its own and not written. */
function convertDefinitions(docs: readonly Doc[], findings: ImportFinding[]): RateLimitPolicy[] {
  const policies: RateLimitPolicy[] = [];
  for (const d of sortedByCodeUnit(docs, (x) => String(x._id))) {
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
    policies.push(policyOf(d, key));
  }
  return policies;
}

/** One enforced definition as a policy, defaults left out. */
function policyOf(d: Doc, key: keyof RateLimitPolicy): RateLimitPolicy {
  const p: RateLimitPolicy = { [key]: d.name } as RateLimitPolicy;
  if (key === "server_group") p.members = strings(d.members);
  p.window_seconds = num(d.window_seconds) ?? 60;
  for (const f of ["user_max_requests", "agent_max_requests", "max_requests"] as const) {
    const v = num(d[f]);
    if (v !== undefined) p[f] = v;
  }
  if (d.fail_closed === true) p.fail_closed = true;
  if (d.enabled === false) p.enabled = false;
  return p;
}

/**
 * `rate_limit_memberships_<ns>` documents → the quarantine lists, and the written users/ and m2m/ files with their
 * `rate_limit_groups` added (a membership of an identity not written is reported, not written).
 */
function convertMemberships(
  docs: readonly Doc[],
  written: readonly ImportFile[],
  findings: ImportFinding[],
): { quarantine: Required<QuarantineLists>; amended: Map<ImportFile, ImportFile> } {
  const quarantine: Required<QuarantineLists> = { users: [], m2m: [], servers: [], agents: [] };
  const amended = new Map<ImportFile, ImportFile>();
  const byFile = new Map(written.map((f) => [`${f.kind}:${f.name}`, f]));
  for (const m of sortedByCodeUnit(docs, (x) => String(x._id))) {
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
    const before = amended.get(file) ?? file;
    if (own.length)
      amended.set(file, { ...before, text: before.text + stringify({ rate_limit_groups: own }, { lineWidth: 0 }) });
  }
  return { quarantine, amended };
}
