/**
 * The package's public API (`require("mcp-gateway-access")`), what agents and tools need — documented in
 * docs/api.md and kept small on purpose; everything else is internal and may change:
 * - the stack-output contract (a zod schema) that agents read their credentials from;
 * - fetching and verifying an agent's token;
 * - checking a repository of definitions and explaining one decision of the registry;
 * - the errors, each with a stable code.
 * The Pulumi program itself is index.ts.
 */
export { AccessOutputs, M2MCredentials, StackOutputs, UserOutput } from "./lib";
export {
  getToken,
  getTokens,
  readStackOutputs,
  trustedIssuers,
  verifyAnyToken,
  type AccountResult,
  type AccountToken,
  type TokenOptions,
} from "./tokens";
export { checkRepository, type CheckOptions, type CheckResult } from "./lib";
export { explainRequest, type AccessDecision, type DecisionRequest, type IdentityRef } from "./lib";
export { UPSTREAM_REVISION, type Diagnostic } from "./lib";
export {
  DefinitionsError,
  ERROR_CODES,
  FileError,
  McpAccessError,
  PlanError,
  RecordStoreError,
  ServiceError,
  StackSettingsError,
  TokenError,
  UsageError,
} from "./lib";
