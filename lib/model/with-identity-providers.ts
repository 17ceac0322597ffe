/** Identity providers joined to a checked access model: one call in checkRepository and checkFiles (lib/index.ts). */
import type { ModelOptions, ModelResult } from "./access-model";
import type { RawFile, ReadOptions } from "../source/file";
import { buildIdentityProviders, loadIdentityProviderFiles, loadIdentityProviders } from "./identity-providers";

export function withIdentityProviders(
  built: ModelResult,
  from: { root: string } | { files: readonly RawFile[] },
  options: ReadOptions & Pick<ModelOptions, "identityProvider"> = {},
): ModelResult {
  const loaded =
    "root" in from ? loadIdentityProviders(from.root, options) : loadIdentityProviderFiles(from.files, options);
  const checked = buildIdentityProviders(loaded, built.model, options.identityProvider ?? "keycloak");
  built.model.identityProviders = checked.providers;
  return { model: built.model, diagnostics: [...built.diagnostics, ...loaded.diagnostics, ...checked.diagnostics] };
}
