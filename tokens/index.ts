/**
 * Tokens for agents: stack outputs → client-credentials grant → verified token → registry token files.
 * The CLI (`mcp-access token`) and agents that want tokens in-process use this same code.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  authScopes,
  BOOTSTRAP_ADMIN_GROUP,
  checkRepository,
  DefinitionsError,
  isMcpAccessError,
  parseStackConfig,
  readStackFile,
  scopesForGroups,
  stackFileName,
  textLine,
  type CheckOptions,
  type StackConfig,
} from "../lib";
import { clientCredentialsGrant, requestedScope } from "./grant";
import { cachedToken, TOKEN_DIR, tokenFile, writeTokenFiles, type TokenFile } from "./files";
import { readStackOutputs, TokenError, type M2MCredentials, type OutputSource, type StackOutputs } from "./outputs";
import { trustedIssuers, verifyAccountToken, verifyAnyToken, type VerifiedToken, type VerifyKeys } from "./verify";

export { TokenError, readStackOutputs, trustedIssuers, verifyAnyToken, verifyAccountToken };
export type { M2MCredentials, StackOutputs, TokenFile, VerifiedToken, VerifyKeys };

export interface TokenOptions extends OutputSource {
  /** Folder for token files (default `.oauth-tokens`); `false` writes nothing. */
  outDir?: string | false;
  /** Reuse a cached token with more than this many seconds left (default 60). */
  minTtl?: number;
  /** Repository whose scope documents map token groups to scopes (default: the project directory). */
  definitionsDir?: string;
  keys?: VerifyKeys;
  /** Outputs already read (skips `pulumi stack output`). */
  outputs?: StackOutputs;
  fetch?: typeof fetch;
  /**
   * The stack's settings the scope documents depend on (bootstrap, existing groups, the registry's switches).
   * Default: `stackSettings` (the named stack's file, else the defaults).
   */
  settings?: CheckOptions;
}

export interface AccountToken {
  name: string;
  accessToken: string;
  file: TokenFile;
  verified: VerifiedToken;
  /** Registry scopes the token's groups map to through the scope documents. */
  scopes: string[];
  cached: boolean;
  paths?: { json: string; env?: string };
}

/** A failure's `error` names the account once (`bot: ...`); `code` is the error's (docs/errors.md). */
export type AccountResult =
  { name: string; ok: true; token: AccountToken } | { name: string; ok: false; code: string; error: string };

/**
 * The settings of the stack whose tokens these are, as `pulumi up` reads them: the stack file
 * (`stacks/Pulumi.<stack>.yaml` in `cwd`, the project) of the named stack; without a name or a file, the defaults
 * the other commands use without `--stack` (no bootstrap; registry-admins exists). Read, never guessed from what the
 * stack exported: a stack without bootstrap may still have a group named registry-admins.
 */
export function stackSettings(source: Pick<OutputSource, "stack" | "cwd"> = {}): StackConfig {
  const project = resolve(source.cwd ?? ".");
  if (source.stack && existsSync(join(project, stackFileName(source.stack))))
    return readStackFile(project, source.stack);
  return { ...parseStackConfig(() => undefined, "defaults"), existingGroups: [BOOTSTRAP_ADMIN_GROUP] };
}

/**
 * Maps a token's groups to scopes as the auth server maps them, through the scope documents of the definitions
 * (with the stack's group ids, so Entra Object IDs map too). The definitions are checked here, once for every
 * token; with errors the documents would be a partial model's, so it throws DefinitionsError instead of guessing.
 */
export function scopeMapper(
  definitionsDir: string | undefined,
  outputs: StackOutputs,
  settings: CheckOptions | (() => CheckOptions) = stackSettings,
): (groups: readonly string[]) => string[] {
  if (!definitionsDir || !existsSync(resolve(definitionsDir, "groups"))) return () => [];
  const root = resolve(definitionsDir);
  // Read only when there are definitions to check: a stack file is no concern of a token without them.
  const checked = checkRepository(root, typeof settings === "function" ? settings() : settings);
  if (!checked.ok) {
    const shown = checked.errors.slice(0, 3).map(textLine).join("; ");
    const more = checked.errors.length > 3 ? `; and ${checked.errors.length - 3} more` : "";
    throw new DefinitionsError(
      `the definitions in ${root} have ${checked.errors.length} error(s), so the scopes a token maps to are ` +
        `unknown: ${shown}${more}; run mcp-access validate --dir ${root}`,
    );
  }
  // With the registry's own seeds (scripts/init-mongodb-ce.py): there whether the stack renders them or not.
  const docs = authScopes(checked.model, outputs.groups);
  return (groups) =>
    scopesForGroups(docs, groups)
      .map((d) => d._id)
      .sort();
}

/** The scopes one token's groups map to (`scopeMapper` for a single token). */
export function mappedScopes(
  groups: readonly string[],
  definitionsDir: string | undefined,
  outputs: StackOutputs,
  settings: CheckOptions | (() => CheckOptions) = stackSettings,
): string[] {
  return scopeMapper(definitionsDir, outputs, settings)(groups);
}

async function tokenFor(
  name: string,
  c: M2MCredentials,
  scopesOf: (groups: readonly string[]) => string[],
  opts: TokenOptions,
): Promise<AccountToken> {
  const dir = opts.outDir === false ? null : resolve(opts.cwd ?? ".", opts.outDir ?? TOKEN_DIR);
  const scope = requestedScope(c);
  let file = dir ? await cachedToken(dir, name, c, opts.minTtl ?? 60) : null;
  const cached = file !== null;
  if (!file) file = tokenFile(name, c, await clientCredentialsGrant(name, c, opts.fetch), scope);
  let verified: VerifiedToken;
  try {
    verified = await verifyAccountToken(file.access_token, c, opts.keys);
  } catch (e) {
    throw new TokenError(`${name}: ${(e as Error).message}`);
  }
  const paths = dir && !cached ? await writeTokenFiles(dir, name, c, file) : undefined;
  const scopes = scopesOf(verified.groups);
  return { name, accessToken: file.access_token, file, verified, scopes, cached, ...(paths ? { paths } : {}) };
}

/** Tokens for the named accounts (or all), fetched concurrently; one result per account. */
export async function getTokens(names: readonly string[] | "all", opts: TokenOptions = {}): Promise<AccountResult[]> {
  const outputs = opts.outputs ?? (await readStackOutputs(opts));
  const known = Object.keys(outputs.m2m).sort();
  const wanted = names === "all" ? known : [...names];
  if (wanted.length === 0)
    throw new TokenError(
      "the stack exports no M2M accounts (output m2m is empty): add m2m/ definitions and run pulumi up",
    );
  // Before any token is requested: definitions with errors stop the command, not each account.
  const scopesOf = scopeMapper(
    opts.definitionsDir ?? opts.cwd ?? ".",
    outputs,
    () => opts.settings ?? stackSettings(opts),
  );
  return Promise.all(
    wanted.map(async (name): Promise<AccountResult> => {
      // Own accounts only: "constructor" or "__proto__" are names like any other, not the object's properties.
      const c = Object.hasOwn(outputs.m2m, name) ? outputs.m2m[name] : undefined;
      if (!c) {
        const error = `unknown M2M account "${name}"; the stack has: ${known.join(", ") || "none"}`;
        return { name, ok: false, code: TokenError.code, error };
      }
      try {
        return { name, ok: true, token: await tokenFor(name, c, scopesOf, opts) };
      } catch (e) {
        const message = (e as Error).message;
        const error = message.startsWith(`${name}: `) ? message : `${name}: ${message}`;
        return { name, ok: false, code: isMcpAccessError(e) ? e.code : TokenError.code, error };
      }
    }),
  );
}

/** One account's verified access token, for agents in-process. Throws TokenError with what to do. */
export async function getToken(name: string, opts: TokenOptions = {}): Promise<string> {
  const [result] = await getTokens([name], opts);
  if (!result || !result.ok) throw new TokenError(result ? result.error : `no token for ${name}`);
  return result.token.accessToken;
}
