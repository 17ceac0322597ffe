export * from "./registry";
export {
  RATE_LIMITS_DIR,
  MIN_WINDOW_SECONDS,
  MAX_WINDOW_SECONDS,
  type RateLimitPolicy,
  type QuarantineLists,
} from "./schema";
export {
  buildRateLimitModel,
  loadRateLimitFiles,
  loadRateLimits,
  EMPTY_RATE_LIMITS,
  type RateLimitDefinition,
  type RateLimitMembership,
  type RateLimitModel,
} from "./model";
export { withRateLimits } from "./check";
export * from "./render";
export * from "./identity";
export * from "./diff";
export { runRateLimitExpectations } from "./access-tests";
