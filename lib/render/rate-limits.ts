/**
 * The documents of `mcp_rate_limits_<ns>` and `rate_limit_memberships_<ns>` as the registry's own repositories
 * write them: registry/rate_limiting/definitions_repository.py `upsert` stores `RateLimitDefinition.model_dump()`
 * (every field, unset ones as null) with `_id` from `build_id`; memberships_repository.py `upsert` stores
 * `RateLimitMembership.model_dump()` with `_id` and `enabled: true`. Neither writes timestamps. The database puts
 * `_id` first (checked against the registry's own code in test/e2e/rate-limits.e2e.test.ts).
 */
import type { RateLimitDefinition, RateLimitMembership, RateLimitModel } from "../model/rate-limit-types";
import type { Axis, EntityType, SubjectType } from "../registry/rate-limits";

/** Key order of models.py `RateLimitDefinition` (pydantic dumps fields in declaration order). */
export interface RateLimitDocument {
  _id: string;
  axis: Axis;
  entity_type: EntityType;
  name: string;
  max_requests: number | null;
  members: string[] | null;
  user_max_requests: number | null;
  agent_max_requests: number | null;
  window_seconds: number;
  scope: string | null;
  fail_closed: boolean;
  enabled: boolean;
}

/** Key order of models.py `RateLimitMembership`, then `enabled` as memberships_repository.py `upsert` adds it. */
export interface RateLimitMembershipDocument {
  _id: string;
  subject_type: SubjectType;
  subject: string;
  groups: string[];
  enabled: boolean;
}

export function renderRateLimitDocument(d: RateLimitDefinition): RateLimitDocument {
  return {
    _id: d.id,
    axis: d.axis,
    entity_type: d.entityType,
    name: d.name,
    max_requests: d.maxRequests,
    members: d.members ? [...d.members] : null,
    user_max_requests: d.userMaxRequests,
    agent_max_requests: d.agentMaxRequests,
    window_seconds: d.windowSeconds,
    scope: null,
    fail_closed: d.failClosed,
    enabled: d.enabled,
  };
}

export function renderRateLimitMembership(m: RateLimitMembership): RateLimitMembershipDocument {
  return { _id: m.id, subject_type: m.subjectType, subject: m.subject, groups: [...m.groups], enabled: true };
}

export interface RateLimitDocuments {
  rate_limits: RateLimitDocument[];
  rate_limit_memberships: RateLimitMembershipDocument[];
}

export function renderRateLimitDocuments(model: RateLimitModel | undefined): RateLimitDocuments {
  return {
    rate_limits: (model?.definitions ?? []).map(renderRateLimitDocument),
    rate_limit_memberships: (model?.memberships ?? []).map(renderRateLimitMembership),
  };
}
