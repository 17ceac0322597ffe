/** Rate limits joined to a checked access model: one call in checkRepository and checkFiles (lib/index.ts). */
import type { Definitions, Located } from "../load/definitions";
import type { ModelOptions, ModelResult } from "./access-model";
import type { RateLimitPolicy } from "../schema/rate-limits";
import { buildRateLimitModel } from "./rate-limits";

export function withRateLimits(
  built: ModelResult,
  defs: Definitions,
  policies: Located<RateLimitPolicy>[],
  options: Pick<ModelOptions, "identityProvider"> = {},
): ModelResult {
  const rated = buildRateLimitModel(
    { policies, users: defs.users, m2m: defs.m2m },
    built.model,
    options.identityProvider ?? "keycloak",
  );
  built.model.rateLimits = rated.rateLimits;
  return { model: built.model, diagnostics: [...built.diagnostics, ...rated.diagnostics] };
}
