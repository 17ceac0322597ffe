/**
 * The pure core: a repository of definitions in, a checked access model and registry documents out.
 * The CLI and the Pulumi program both go through `checkRepository`, so they always agree.
 */
import { errorsOf, sortDiagnostics, warningsOf, type Diagnostic } from "./diagnostics";
import { checkGuards, type GuardSettings } from "./guards";
import { loadDefinitionFiles, loadDefinitions } from "./load";
import { buildAccessModel, type AccessModel, type ModelOptions } from "./model";
import { loadRepoConfig } from "./repo-config";
import type { RawFile, ReadOptions } from "./source";

export interface CheckOptions extends ModelOptions, ReadOptions {
  /** Guards set by the stack; they override the repository's `mcp-access.yaml`. */
  guards?: GuardSettings;
  /** The access model before this change (a git revision), for the mass-removal guard. */
  base?: AccessModel;
}

export interface CheckResult {
  ok: boolean;
  model: AccessModel;
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

function result(diagnostics: Diagnostic[], model: AccessModel): CheckResult {
  const all = sortDiagnostics(diagnostics);
  const errors = errorsOf(all);
  return { ok: errors.length === 0, model, errors, warnings: warningsOf(all) };
}

export function checkRepository(root: string, options: CheckOptions = {}): CheckResult {
  const loaded = loadDefinitions(root, options);
  const built = buildAccessModel(loaded.definitions, options);
  const repo = loadRepoConfig(root);
  const guards = { ...repo.config.guards, ...options.guards };
  const guarded = checkGuards(built.model, options.base ?? null, guards, repo.origin);
  return result([...loaded.diagnostics, ...built.diagnostics, ...repo.diagnostics, ...guarded], built.model);
}

/** The same checks on files from anywhere else (a git revision); no guards. */
export function checkFiles(files: readonly RawFile[], options: CheckOptions = {}): CheckResult {
  const loaded = loadDefinitionFiles(files, options);
  const built = buildAccessModel(loaded.definitions, options);
  return result([...loaded.diagnostics, ...built.diagnostics], built.model);
}

export * from "./diagnostics";
export * from "./model";
export * from "./registry-documents";
export * from "./registry-rules";
export * from "./evaluate";
export * from "./effective-access";
export * from "./access-diff";
export * from "./grants";
export { GuardSettings } from "./guards";
export { loadDefinitions, loadDefinitionFiles, symlinkFile } from "./load";
export { jsonSchemaFor, KINDS, type Kind } from "./schema";
export type { RawFile } from "./source";
export * from "./stack-config";
export { readStackFile } from "./stack-file";
export * from "./stack-outputs";
export * from "./identity-plan";
export * from "./import";
