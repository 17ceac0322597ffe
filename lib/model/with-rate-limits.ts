/** Rate limits joined to a checked access model: one call in checkRepository and checkFiles (lib/index.ts). */
import type { Definitions } from "../load/definitions";
import type { ModelOptions, ModelResult } from "./access-model";
import type { RawFile, ReadOptions } from "../source/file";
import { buildRateLimitModel, loadRateLimitFiles, loadRateLimits } from "./rate-limits";

export function withRateLimits(
  built: ModelResult,
  defs: Definitions,
  from: { root: string } | { files: readonly RawFile[] },
  options: ReadOptions & Pick<ModelOptions, "identityProvider"> = {},
): ModelResult {
  const loaded = "root" in from ? loadRateLimits(from.root, options) : loadRateLimitFiles(from.files, options);
  const rated = buildRateLimitModel(
    { policies: loaded.policies, users: defs.users, m2m: defs.m2m },
    built.model,
    options.identityProvider ?? "keycloak",
  );
  built.model.rateLimits = rated.rateLimits;
  return { model: built.model, diagnostics: [...built.diagnostics, ...loaded.diagnostics, ...rated.diagnostics] };
}
