/**
 * The format of `rate-limits/` files: one policy (a mapping) or a list of them. A policy is either a limit (a
 * caller group, a caller group per target, an MCP server, an A2A agent or a server group, with a window and the
 * counts) or a quarantine list (users, M2M accounts, servers, agents). Which one is said by the key that names its
 * subject; the checks of lib/model/rate-limits.ts require exactly one.
 */
import { z } from "zod";

/** registry/rate_limiting/models.py MIN_WINDOW_SECONDS / MAX_WINDOW_SECONDS (PR #1467). */
export const MIN_WINDOW_SECONDS = 1;
export const MAX_WINDOW_SECONDS = 86400;

const count = z.number().int().min(1);
const names = z.array(z.string().min(1)).min(1);

export const QuarantineLists = z
  .strictObject({
    users: names
      .optional()
      .describe("usernames from users/ (or the bootstrap admin's): every request of theirs is refused with 403"),
    m2m: names.optional().describe("M2M account names (client ids) from m2m/"),
    servers: names
      .optional()
      .describe(
        "MCP server names (the first segment of their path): every request to them is refused, admins' included",
      ),
    agents: names
      .optional()
      .describe("A2A agent paths (/flight-booking): every request to them is refused, admins' included"),
  })
  .describe("Quarantine: membership in the registry's reserved groups quarantine-callers / quarantine-targets");

export const RateLimitPolicy = z
  .strictObject({
    caller_group: z
      .string()
      .min(1)
      .optional()
      .describe("a rate-limit group: each member is limited on its own, across all targets (axis caller)"),
    caller_target_group: z
      .string()
      .min(1)
      .optional()
      .describe("a rate-limit group: each member is limited on its own, per target (axis caller_target)"),
    mcp_server: z
      .string()
      .min(1)
      .optional()
      .describe("an MCP server (its path without slashes): all callers together (axis target)"),
    a2a_agent: z
      .string()
      .min(1)
      .optional()
      .describe("an A2A agent path (/flight-booking): all callers together (axis target)"),
    server_group: z
      .string()
      .min(1)
      .optional()
      .describe("a label for a set of servers (members): each member gets its own count"),
    members: names.optional().describe("server_group only: the MCP servers it covers"),
    window_seconds: z
      .number()
      .int()
      .min(MIN_WINDOW_SECONDS)
      .max(MAX_WINDOW_SECONDS)
      .optional()
      .describe("the fixed window, 1 to 86400 seconds (default 60, as the registry's model)"),
    user_max_requests: count.optional().describe("caller groups: requests per window for a human user"),
    agent_max_requests: count.optional().describe("caller groups: requests per window for an M2M account"),
    max_requests: count.optional().describe("targets: requests per window across all callers"),
    fail_closed: z.boolean().optional().describe("deny when the counter store fails (default false)"),
    enabled: z.boolean().optional().describe("default true; false keeps the definition but the registry ignores it"),
    quarantine: QuarantineLists.optional(),
    description: z.string().optional().describe("for reviewers; not stored in the registry"),
  })
  .describe("A rate limit or a quarantine list, stored in mcp_rate_limits_<ns> / rate_limit_memberships_<ns>");

export const RateLimitFile = z.union([RateLimitPolicy, z.array(RateLimitPolicy)]);

export type RateLimitPolicy = z.infer<typeof RateLimitPolicy>;
export type QuarantineLists = z.infer<typeof QuarantineLists>;

/** The keys that name what a policy is about; exactly one per policy. */
export const SUBJECT_KEYS = [
  "caller_group",
  "caller_target_group",
  "mcp_server",
  "a2a_agent",
  "server_group",
  "quarantine",
] as const;
export type SubjectKey = (typeof SUBJECT_KEYS)[number];

/** The field users/ and m2m/ files name their rate-limit groups in. */
export const rateLimitGroupsField = z
  .array(z.string().min(1))
  .min(1)
  .describe(
    "rate-limit groups (rate-limits/ caller_group or caller_target_group) this identity's requests " +
      "count against; separate from groups",
  );

/** An access test's expectation of a rate limit (lib/review/rate-limit-tests.ts). */
export const RateLimitExpectation = z
  .strictObject({
    window_seconds: z.number().int().min(MIN_WINDOW_SECONDS).max(MAX_WINDOW_SECONDS),
    max_requests: count.describe(
      "the limit the identity gets in that window (user_max_requests for users, agent_max_requests for M2M accounts)",
    ),
    per_target: z
      .boolean()
      .optional()
      .describe("true: a caller_target_group limit (per target); default false: a caller_group limit"),
  })
  .describe("a rate limit the identity must have");
export type RateLimitExpectation = z.infer<typeof RateLimitExpectation>;
export const rateLimitTestFields = {
  quarantined: z.boolean().optional().describe("the identity (a user or M2M account) is quarantined: true or false"),
  rate_limits: z.array(RateLimitExpectation).optional().describe("rate limits the identity must have; [] for none"),
};
