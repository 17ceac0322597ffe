/**
 * What the registry does with rate-limit documents, restated from its code at 8c5b834b (PR #1467, 2026-07-13;
 * #1541, 07-23). Each constant or function names the upstream one it follows; none of the code is copied.
 */

import { stripSlashes } from "./rules";

/** registry/rate_limiting/definitions_repository.py DEFINITIONS_COLLECTION_BASE, namespaced like every collection. */
export const RATE_LIMITS_COLLECTION_BASE = "mcp_rate_limits";
/** registry/rate_limiting/memberships_repository.py MEMBERSHIPS_COLLECTION_BASE. */
export const MEMBERSHIPS_COLLECTION_BASE = "rate_limit_memberships";

export function rateLimitsCollectionName(namespace: string): string {
  return `${RATE_LIMITS_COLLECTION_BASE}_${namespace}`;
}
export function rateLimitMembershipsCollectionName(namespace: string): string {
  return `${MEMBERSHIPS_COLLECTION_BASE}_${namespace}`;
}

/** models.py AXIS_ABBREVIATION keys. */
export type Axis = "caller" | "target" | "caller_target" | "quarantine";
/** models.py CALLER_ENTITY_TYPES, the enforced TARGET_ENTITY_TYPES (mcp_tool / a2a_skill are refused by
 * rate_limit_routes.py `_validate_enforceable`) and SERVER_GROUP_ENTITY_TYPE. */
export type EntityType = "group" | "mcp_server" | "a2a_agent" | "server_group";

/**
 * What a definition's subject key says: the axis and entity type of the registry's document (models.py
 * RateLimitDefinition). The model reads it one way, import the other.
 */
export const RATE_LIMIT_SUBJECTS = {
  caller_group: { axis: "caller", entityType: "group" },
  caller_target_group: { axis: "caller_target", entityType: "group" },
  mcp_server: { axis: "target", entityType: "mcp_server" },
  a2a_agent: { axis: "target", entityType: "a2a_agent" },
  server_group: { axis: "target", entityType: "server_group" },
} as const satisfies Record<string, { axis: Axis; entityType: EntityType }>;
/** models.py MEMBERSHIP_SUBJECT_TYPES. */
export type SubjectType = "user" | "client" | "server" | "agent";

/** models.py QUARANTINE_CALLER_GROUP / QUARANTINE_TARGET_GROUP (RESERVED_GROUP_NAMES). */
export const QUARANTINE_CALLER_GROUP = "quarantine-callers";
export const QUARANTINE_TARGET_GROUP = "quarantine-targets";
export const RESERVED_GROUP_NAMES: readonly string[] = [QUARANTINE_CALLER_GROUP, QUARANTINE_TARGET_GROUP];

/**
 * rate_limit_routes.py `_validate_caller_floor`: on windows of at most 60 s a group's user limit must be at least
 * `rate_limit_user_floor_per_min` (default 20) and its agent limit at least `rate_limit_agent_floor_per_min`
 * (default 10); the registry's API refuses a definition below them.
 */
export const FLOOR_WINDOW_SECONDS = 60;
export const USER_FLOOR_PER_MIN = 20;
export const AGENT_FLOOR_PER_MIN = 10;

/** models.py `RateLimitDefinition.build_id`: `<axis>:<entity_type>:<name>:<window_seconds>`. */
export function definitionId(axis: Axis, entityType: EntityType, name: string, windowSeconds: number): string {
  return `${axis}:${entityType}:${name}:${windowSeconds}`;
}

/** models.py `RateLimitMembership.build_id`: `<subject_type>:<subject>`. */
export function membershipId(subjectType: SubjectType, subject: string): string {
  return `${subjectType}:${subject}`;
}

/**
 * models.py `normalize_server_name`: surrounding whitespace and slashes dropped, then the first path segment
 * (the auth server keys a server_group member and a `server:` quarantine on it).
 */
export function rateLimitServerName(name: string): string {
  const stripped = stripSlashes(name.trim());
  return stripped ? stripped.split("/")[0]! : "";
}

/** models.py `normalize_agent_path`: one leading slash, no trailing one (server.py `_get_a2a_agent_path`'s form). */
export function rateLimitAgentPath(path: string): string {
  let p = path.trim();
  if (!p) return "";
  if (!p.startsWith("/")) p = `/${p}`;
  if (p.length > 1) p = p.replace(/\/+$/, "");
  return p || "/";
}
