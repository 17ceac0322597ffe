/**
 * The pure core: a repository of definitions in, a checked access model and registry documents out.
 * The CLI and the Pulumi program both go through `checkRepository`, so they always agree.
 */
import { errorsOf, sortDiagnostics, warningsOf, type Diagnostic } from "./diagnostics";
import { loadDefinitions } from "./load";
import { buildAccessModel, type AccessModel, type ModelOptions } from "./model";
import type { ReadOptions } from "./source";

export interface CheckOptions extends ModelOptions, ReadOptions {}

export interface CheckResult {
  ok: boolean;
  model: AccessModel;
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

export function checkRepository(root: string, options: CheckOptions = {}): CheckResult {
  const loaded = loadDefinitions(root, options);
  const built = buildAccessModel(loaded.definitions, options);
  const all = sortDiagnostics([...loaded.diagnostics, ...built.diagnostics]);
  const errors = errorsOf(all);
  return { ok: errors.length === 0, model: built.model, errors, warnings: warningsOf(all) };
}

export * from "./diagnostics";
export * from "./model";
export * from "./registry-documents";
export * from "./registry-rules";
export { loadDefinitions } from "./load";
export { jsonSchemaFor, KINDS, type Kind } from "./schema";
export * from "./stack-settings";
