/**
 * The pure core: a repository of definitions in, a checked access model and registry documents out.
 * The CLI and the Pulumi program both go through `checkRepository`, so they always agree.
 */
import { runAccessTests, type ExpectationResult } from "./review/access-test-run";
import { errorsOf, sortDiagnostics, warningsOf, type Diagnostic } from "./errors/diagnostics";
import { checkGuards } from "./review/guards";
import type { GuardOrigin, GuardSettings } from "./settings/guards";
import type { Located } from "./load/definitions";
import { kindOfPath } from "./load/kinds";
import { REPO_CONFIG_FILE } from "./settings/repository";
import { loadRepoConfig, loadRepository, loadRepositoryFiles, type LoadedRepository } from "./load/repository";
import type { AccessModel, ModelOptions } from "./model/access-model";
import { buildModel } from "./model/build";
import { reviewModel } from "./review/model-review";
import { registryFlags, type RegistryFlags, type RegistrySettings } from "./registry/switches";
import type { AccessTest } from "./schema";
import type { RawFile, ReadOptions } from "./source/file";
import { runRateLimitExpectations } from "./review/rate-limit-tests";

export interface CheckOptions extends ModelOptions, ReadOptions {
  /** Guards set by the stack; they override the repository's `mcp-access.yaml`. */
  guards?: GuardSettings;
  /** The registry's feature switches set by the stack; they override `registry:` of `mcp-access.yaml`. */
  registry?: RegistrySettings;
  /** The access model before this change (a git revision), for the mass-removal guard. */
  base?: AccessModel;
  /**
   * Run the access tests (default true). `diff` turns it off: it runs them itself against both revisions, and a
   * change that breaks one must still get its comment.
   */
  runAccessTests?: boolean;
}

/** The repository's access tests: what was loaded, and the results when they ran. */
export interface AccessTestReport {
  tests: Located<AccessTest>[];
  /** Null when they did not run: the definitions have errors (the model is partial), or the caller said not to. */
  results: ExpectationResult[] | null;
}

export interface CheckResult {
  ok: boolean;
  model: AccessModel;
  errors: Diagnostic[];
  warnings: Diagnostic[];
  /** Null when the repository has no `access-tests/`. */
  accessTests: AccessTestReport | null;
}

function result(diagnostics: Diagnostic[], model: AccessModel, accessTests: AccessTestReport | null): CheckResult {
  const all = sortDiagnostics(diagnostics);
  const errors = errorsOf(all);
  return { ok: errors.length === 0, model, errors, warnings: warningsOf(all), accessTests };
}

/** Access tests run only on a model without errors: on a partial one their outcomes would mislead. */
function accessTestsOf(
  loaded: LoadedRepository,
  model: AccessModel,
  modelDiagnostics: readonly Diagnostic[],
  options: CheckOptions,
): { report: AccessTestReport | null; diagnostics: Diagnostic[] } {
  const tests = loaded.items["access-tests"];
  if (loaded.files["access-tests"].length === 0) return { report: null, diagnostics: [] };
  if (options.runAccessTests === false || errorsOf(modelDiagnostics).length) {
    return { report: { tests, results: null }, diagnostics: [] };
  }
  const run = runAccessTests(model, tests);
  const rated = runRateLimitExpectations(model, tests);
  return { report: { tests, results: run.results }, diagnostics: [...run.diagnostics, ...rated] };
}

/**
 * The one pipeline: the model built once (frozen), then the review of what needs its rendered documents, the
 * guards and the access tests. The loader's diagnostics, the model's and the review's together.
 */
function checkLoaded(
  loaded: LoadedRepository,
  options: CheckOptions & { registryFlags: RegistryFlags },
  guards: { settings: GuardSettings; origin: GuardOrigin } | null,
): CheckResult {
  const inputs = {
    definitions: loaded.definitions,
    rateLimits: { policies: loaded.items["rate-limits"] },
    identityProviders: { definitions: loaded.items["identity-providers"] },
  };
  const blocks = loaded.items["tool-blocks"];
  const built = buildModel(loaded.definitions, inputs.rateLimits, inputs.identityProviders, options, blocks);
  const reviewed = reviewModel(built.model, inputs, options.identityProvider ?? "keycloak");
  const guarded = guards ? checkGuards(built.model, options.base ?? null, guards.settings, guards.origin) : [];
  // The tests' own files and the settings file do not make the model partial: the tests still run on it.
  const modelDiagnostics = loaded.diagnostics.filter(
    (d) => kindOfPath(d.file) !== "access-tests" && d.file !== REPO_CONFIG_FILE,
  );
  const tests = accessTestsOf(loaded, built.model, [...modelDiagnostics, ...built.diagnostics, ...reviewed], options);
  return result(
    [...loaded.diagnostics, ...built.diagnostics, ...reviewed, ...guarded, ...tests.diagnostics],
    built.model,
    tests.report,
  );
}

export function checkRepository(root: string, options: CheckOptions = {}): CheckResult {
  const loaded = loadRepository(root, options);
  const repo = loaded.settings ?? loadRepoConfig(root);
  const flags = options.registryFlags ?? registryFlags(repo.config.registry, options.registry);
  const guards = { settings: { ...repo.config.guards, ...options.guards }, origin: repo.origin };
  return checkLoaded(loaded, { ...options, registryFlags: flags }, guards);
}

/**
 * The same checks on files from anywhere else (a git revision); no guards. The registry's switches are the
 * caller's (`registryFlags`, e.g. the working tree's), else the stack's `registry` over upstream's defaults.
 */
export function checkFiles(files: readonly RawFile[], options: CheckOptions = {}): CheckResult {
  const flags = options.registryFlags ?? registryFlags(options.registry);
  return checkLoaded(loadRepositoryFiles(files, options), { ...options, registryFlags: flags }, null);
}

export * from "./errors/diagnostics";
export * from "./errors/errors";
export * from "./errors/order";
export * from "./model/access-model";
export { buildModel, isFrozenModel } from "./model/build";
export { reviewModel, type ReviewInputs } from "./review/model-review";
export * from "./render/documents";
export * from "./registry/seeds";
export * from "./registry/keycloak-bootstrap";
export * from "./registry/rules";
export * from "./registry/evaluate";
export * from "./registry/generic-proxy";
export * from "./registry/api-reads";
export * from "./review/effective-access";
export * from "./review/access-diff";
export { decide, mcpCallOf, serverKeyOfUrl, type AccessDecision, type DecisionRequest } from "./review/decide";
export { declaredBlocks, decideFor, explainRequest } from "./review/explain";
export * from "./registry/tool-blocks";
export * from "./review/report-identities";
export * from "./review/report-columns";
export * from "./review/access-report";
export { accessReportDiff } from "./review/report-diff";
export { REPORT_CSV_HEADER, reportCsvHeader, reportCsvRows } from "./review/report-csv";
export * from "./review/who";
export { ANY_OTHER_SERVER, ANY_OTHER_TOOL, requestText, type Expectation } from "./review/access-test-plan";
export {
  identityProviderAliases,
  m2mNames,
  resolveIdentity,
  userNames,
  type IdentityRef,
  type ResolvedIdentity,
} from "./model/identities";
export * from "./review/access-test-run";
export * from "./review/grants";
export { adminSafetyAdmins, adminSafetyGroupNames } from "./review/guards";
export { GuardSettings } from "./settings/guards";
export type { Located } from "./load/definitions";
export { symlinkFile } from "./load/files";
export {
  loadRepoConfig,
  loadRepository,
  loadRepositoryFiles,
  MAX_FILE_DIAGNOSTICS,
  type LoadedRepository,
} from "./load/repository";
export {
  accessPaths,
  DEFINITION_KINDS,
  definitionKind,
  jsonSchemaFor,
  KIND_NAMES,
  KINDS,
  kindOfPath,
  SCHEMA_NAMES,
  type DefinitionKind,
  type KindName,
  type SchemaName,
} from "./load/kinds";
export type { AccessRequest, AccessTest, Kind } from "./schema";
export { sizedFile, type RawFile } from "./source/file";
export { SERVICE_ACCOUNT_PREFIX } from "./schema/names";
export * from "./settings/stack";
export * from "./registry/switches";
export { REPO_CONFIG_FILE } from "./settings/repository";
export { readStackConnection, readStackFile, refusePlainSecrets } from "./settings/stack-file";
export * from "./settings/stack-outputs";
export * from "./model/identity-plan";
export * from "./model/declared-objects";
export * from "./import/definitions";
export * from "./registry/rate-limits";
export {
  MIN_WINDOW_SECONDS,
  MAX_WINDOW_SECONDS,
  type RateLimitPolicy,
  type QuarantineLists,
} from "./schema/rate-limits";
export {
  EMPTY_RATE_LIMITS,
  type RateLimitDefinition,
  type RateLimitMembership,
  type RateLimitModel,
} from "./model/rate-limits";
export * from "./render/rate-limits";
export * from "./review/rate-limit-identity";
export * from "./review/rate-limit-quarantine";
export * from "./review/rate-limit-diff";
export { runRateLimitExpectations } from "./review/rate-limit-tests";
export * from "./schema/identity-provider";
export * from "./model/identity-provider-types";
export { GUIDE_DEFAULTS, type LoadedIdentityProviders } from "./model/identity-providers";
export {
  brokeredGroups,
  mapperText,
  type BrokeredGroups,
  type Claims,
  type MapperOutcome,
  splitClaimPath,
  urlClaimProblem,
} from "./model/brokered-claims";
export { mapperRegexProblem, wholeValueMatches } from "./model/mapper-regex";
export { javaBacktrackingRisk } from "./model/java-backtracking";
export { claimsDepthProblem, MAX_CLAIMS_DEPTH } from "./schema/access-test";
export {
  diffIdentityProviders,
  identityProviderMarkdown,
  type BrokeredGroupChange,
  type BrokeredProviderChange,
  type IdentityProviderDiff,
} from "./review/identity-provider-diff";
export {
  importIdentityProviders,
  type IdentityProviderSnapshot,
  type SnapshotIdentityProvider,
} from "./import/identity-providers";
export {
  mapperKeycloakConfig,
  renderIdentityProviders,
  type KeycloakIdentityProviderBody,
} from "./render/identity-providers";
export * from "./errors/reason";
export { withRegistryBlocks } from "./review/tool-blocks";
