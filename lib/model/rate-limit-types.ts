/**
 * The rate-limit part of the access model (kept apart so lib/model/access-model.ts can name it without an import
 * cycle).
 */
import type { Axis, EntityType, SubjectType } from "../registry/rate-limits";

export interface RateLimitDefinition {
  /** `<axis>:<entity_type>:<name>:<window_seconds>` */
  id: string;
  axis: Axis;
  entityType: EntityType;
  name: string;
  members: string[] | null;
  maxRequests: number | null;
  userMaxRequests: number | null;
  agentMaxRequests: number | null;
  windowSeconds: number;
  failClosed: boolean;
  enabled: boolean;
  description: string;
  file: string;
}

export interface RateLimitMembership {
  /** `<subject_type>:<subject>` */
  id: string;
  subjectType: SubjectType;
  subject: string;
  groups: string[];
  file: string;
}

export interface RateLimitModel {
  definitions: RateLimitDefinition[];
  memberships: RateLimitMembership[];
}
