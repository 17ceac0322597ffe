/**
 * Every error this tool throws on purpose, under one base class with a stable `code` (as jose does): scripts and
 * agents branch on the code, never on the wording; the CLI prints it and `--format json` carries it; the program
 * stops `pulumi up` with it. Anything else that reaches the top is a bug or a system failure, said in words.
 */

/**
 * The base: a message meant for a person and a stable code. What a code ends a command with is the CLI's to say
 * (cli/main.ts), not the error's: the program and agents in-process have no exit code.
 */
export class McpAccessError extends Error {
  /** The code of this kind of error; subclasses override it. */
  static readonly code: string = "ERR_MCP_ACCESS";
  readonly code: string;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = (new.target as typeof McpAccessError).code;
  }
}

/** A mistake on the command line: an option, an argument, an identity the definitions do not hold. */
export class UsageError extends McpAccessError {
  static override readonly code = "ERR_USAGE";
}

/** A stack setting that cannot work: a bad value, a missing one another needs, an unreadable stack file. */
export class StackSettingsError extends McpAccessError {
  static override readonly code = "ERR_STACK_SETTINGS";
}

/** Definitions with errors: nothing is applied. The diagnostics (file, line, column, field) are in the message. */
export class DefinitionsError extends McpAccessError {
  static override readonly code = "ERR_DEFINITIONS";
}

/** Definitions that are valid alone but cannot be planned for this stack's identity provider and settings. */
export class PlanError extends McpAccessError {
  static override readonly code = "ERR_PLAN";
}

/** Getting, verifying or writing an agent's token failed (stack outputs, the token endpoint, keys, files). */
export class TokenError extends McpAccessError {
  static override readonly code = "ERR_TOKEN";
}

/** A service the command or the program reads (Keycloak's admin API, Microsoft Graph, git) refused or failed. */
export class ServiceError extends McpAccessError {
  static override readonly code = "ERR_SERVICE";
}

/**
 * The scope store refused a write (a record changed outside the stack, a conflict policy, the database). Its stack
 * is its message: the engine prints an error's stack, and a person needs the reason, not the provider's frames.
 */
export class RecordStoreError extends McpAccessError {
  static override readonly code = "ERR_RECORD_STORE";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.stack = message;
  }
}

/**
 * A file or folder named on the command line that cannot be used as asked: what the CLI says of an unreadable
 * one (a bare errno) under the same code, for the checks the tool makes itself (e.g. import's --out).
 */
export class FileError extends McpAccessError {
  static override readonly code = "ERR_FILE";
}

/** Every code, for the reference (docs/errors.md lists what each means). */
export const ERROR_CODES: readonly string[] = [
  McpAccessError,
  UsageError,
  StackSettingsError,
  DefinitionsError,
  PlanError,
  TokenError,
  ServiceError,
  RecordStoreError,
  FileError,
].map((c) => c.code);

/** An error this tool raised on purpose (its message is for people), as opposed to a bug or a system failure. */
export function isMcpAccessError(e: unknown): e is McpAccessError {
  return e instanceof McpAccessError;
}
