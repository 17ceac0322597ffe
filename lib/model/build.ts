/**
 * The one model build: definitions, rate limits and identity providers in, one access model out, frozen. The checks
 * that need the model's rendered documents (who is a registry admin, which groups a scope maps) come after, in the
 * review (lib/review/model-review.ts); lib/index.ts composes the two.
 */
import type { Definitions } from "../load/definitions";
import { buildAccessModel, type AccessModel, type ModelOptions, type ModelResult } from "./access-model";
import { buildIdentityProviders, type LoadedIdentityProviders } from "./identity-providers";
import { buildRateLimitModel, type LoadedRateLimits } from "./rate-limits";
import type { Located } from "../load/definitions";
import type { ToolBlock } from "../schema/tool-blocks";
import { buildToolBlocks } from "./tool-blocks";

/** The model and its problems; the loaders' diagnostics stay the loaders' (not repeated here). */
export function buildModel(
  definitions: Definitions,
  rateLimits: Pick<LoadedRateLimits, "policies">,
  identityProviders: Pick<LoadedIdentityProviders, "definitions">,
  options: ModelOptions = {},
  toolBlocks: readonly Located<ToolBlock>[] = [],
): ModelResult {
  const idp = options.identityProvider ?? "keycloak";
  const access = buildAccessModel(definitions, options);
  const rated = buildRateLimitModel(
    { policies: rateLimits.policies, users: definitions.users, m2m: definitions.m2m },
    access.model,
    idp,
  );
  const brokered = buildIdentityProviders(identityProviders, access.model, idp);
  const blocked = buildToolBlocks(toolBlocks, access.model.groups);
  const model = freezeModel({
    ...access.model,
    rateLimits: rated.rateLimits,
    identityProviders: brokered.providers,
    toolBlocks: blocked.blocks,
  });
  const diagnostics = [...access.diagnostics, ...rated.diagnostics, ...brokered.diagnostics, ...blocked.diagnostics];
  return { model, diagnostics };
}

const FROZEN = new WeakSet<AccessModel>();

/**
 * Whether the model is one `buildModel` froze: nothing in it can change, so what is derived from it (the rendered
 * scope documents) may be kept per model.
 */
export function isFrozenModel(model: AccessModel): boolean {
  return FROZEN.has(model);
}

function freezeModel(model: AccessModel): AccessModel {
  deepFreeze(model);
  FROZEN.add(model);
  return model;
}

/** Every object and array the model reaches; `seen` only saves walking a shared one twice. */
function deepFreeze(value: unknown, seen = new WeakSet<object>()): void {
  if (value === null || typeof value !== "object" || seen.has(value)) return;
  seen.add(value);
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v, seen);
}
