/** Identity providers joined to a checked access model: one call in checkRepository and checkFiles (lib/index.ts). */
import type { ModelOptions, ModelResult } from "./access-model";
import { buildIdentityProviders, type LoadedIdentityProviders } from "./identity-providers";

export function withIdentityProviders(
  built: ModelResult,
  loaded: LoadedIdentityProviders,
  options: Pick<ModelOptions, "identityProvider"> = {},
): ModelResult {
  const checked = buildIdentityProviders(loaded, built.model, options.identityProvider ?? "keycloak");
  built.model.identityProviders = checked.providers;
  return { model: built.model, diagnostics: [...built.diagnostics, ...checked.diagnostics] };
}
