/** `mcp-access token`: stack outputs → OAuth2 client-credentials tokens in the registry's token-file format. */
import { Command, Option } from "commander";
import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import {
  getTokens,
  mappedScopes,
  readStackOutputs,
  stackSettings,
  TokenError,
  trustedIssuers,
  verifyAnyToken,
  type AccountResult,
  type StackOutputs,
} from "../tokens";
import { jwtIssuer, SELF_SIGNED_ISSUER } from "../tokens/verify";
import { UsageError } from "../lib";
import { TokenHolder } from "../tokens/schemas";
import type { Io } from "./io";
import { collect, DIR_OPTION_HELP } from "./repo";

type Format = "text" | "json" | "env" | "raw";

interface TokenFlags {
  all?: boolean;
  stack?: string;
  cwd: string;
  outputs?: string;
  out?: string;
  format: Format;
  minTtl: string;
  dir?: string;
  verify?: string;
  secretKey?: string;
  publicKey?: string;
  jwksUrl?: string;
  issuer?: string[];
  audience?: string[];
}

/** The token in a file as the registry's CLI accepts it, or the argument itself. */
export function readTokenArgument(value: string): string {
  let isFile = false;
  try {
    isFile = statSync(value).isFile();
  } catch {
    /* not a path: the token itself */
  }
  if (!isFile) return value.trim();
  const text = readFileSync(value, "utf8").trim();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return text; // raw token text
  }
  const holder = TokenHolder.safeParse(json);
  if (!holder.success)
    throw new TokenError(
      `${value} is JSON without an access_token (at the top, or under tokens or token_data): not a token file`,
    );
  return holder.data;
}

function envName(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]+/g, "_");
}

type Failed = Extract<AccountResult, { ok: false }>;
type Got = Extract<AccountResult, { ok: true }>;

/** A token as `--format json` prints it. */
function tokenJson(r: Got): Record<string, unknown> {
  const t = r.token;
  return {
    name: r.name,
    access_token: t.accessToken,
    expires_at: t.file.expires_at,
    groups: t.verified.groups,
    scopes: t.scopes,
    cached: t.cached,
  };
}

/**
 * Accounts that got no token, said as every failure is (docs/errors.md): `mcp-access: <CODE>: <message>` on
 * stderr, one line each, the message naming the account once; with `--format json`, one `{"error": ...}` on stdout
 * that lists them, beside the tokens the other accounts got.
 */
function printFailures(failed: readonly Failed[], ok: readonly Got[], total: number, format: Format, io: Io): void {
  for (const f of failed) io.err(`mcp-access: ${f.code}: ${f.error}`);
  if (format !== "json") return;
  const codes = new Set(failed.map((f) => f.code));
  const code = codes.size === 1 ? failed[0]!.code : TokenError.code;
  const message =
    failed.length === 1 && total === 1 ? failed[0]!.error : `${failed.length} of ${total} M2M accounts got no token`;
  const accounts = failed.map((f) => ({ name: f.name, code: f.code, message: f.error }));
  io.out(JSON.stringify({ error: { code, message, accounts }, tokens: ok.map(tokenJson) }, null, 2));
}

function printResults(results: AccountResult[], format: Format, io: Io): void {
  const ok = results.filter((r): r is Got => r.ok);
  const failed = results.filter((r): r is Failed => !r.ok);
  for (const r of ok) {
    const t = r.token;
    const where = t.paths ? ` → ${t.paths.json}` : "";
    io.err(
      `${r.name}: ${t.cached ? "cached token" : "new token"} valid until ${t.file.expires_at} ` +
        `(${t.verified.method}, client ${t.verified.clientId})${where}\n` +
        `  groups: ${t.verified.groups.join(", ") || "(none)"}\n  scopes: ${t.scopes.join(", ") || "(none mapped)"}`,
    );
  }
  if (failed.length) printFailures(failed, ok, results.length, format, io);
  else if (format === "json") io.out(JSON.stringify(ok.map(tokenJson), null, 2));
  if (format === "env") {
    for (const r of ok) io.out(`export ${envName(r.name)}_ACCESS_TOKEN="${r.token.accessToken}"`);
  } else if (format === "raw") {
    for (const r of ok) io.out(r.token.accessToken);
  }
}

async function runVerify(flags: TokenFlags, io: Io): Promise<number> {
  const token = readTokenArgument(flags.verify!);
  const publicKeyPem = flags.publicKey ? readFileSync(flags.publicKey, "utf8") : undefined;
  const issuers = flags.issuer ?? [];
  for (const i of issuers) {
    if (!URL.canParse(i))
      throw new UsageError(
        `--issuer ${JSON.stringify(i)} is not a URL (e.g. https://keycloak.example.com/realms/mcp-gateway)`,
      );
  }
  if (flags.jwksUrl && !URL.canParse(flags.jwksUrl))
    throw new UsageError(`--jwks-url ${JSON.stringify(flags.jwksUrl)} is not a URL`);
  // Keycloak and Entra tokens are trusted only from the stack's own realm or tenant, or what the user names: the
  // selected stack's outputs are read unless --issuer or --jwks-url says whom to trust.
  // The token's shape first: "not a JWT" is said before the stack's outputs are asked for.
  const idpToken = jwtIssuer(token) !== SELF_SIGNED_ISSUER;
  let outputs: StackOutputs = { m2m: {}, groups: {} };
  if (flags.stack || flags.outputs || (idpToken && !issuers.length && !flags.jwksUrl)) {
    outputs = await readStackOutputs({ stack: flags.stack, cwd: flags.cwd, file: flags.outputs });
  }
  const fromStack = trustedIssuers(outputs);
  const audiences = [...(flags.audience ?? []), ...fromStack.audiences];
  const v = await verifyAnyToken(token, {
    secretKey: flags.secretKey ?? process.env.MCP_REGISTRY_SECRET_KEY,
    ...(publicKeyPem ? { publicKeyPem } : {}),
    ...(flags.jwksUrl ? { jwksUrl: flags.jwksUrl } : {}),
    ...(audiences.length ? { audiences } : {}),
    issuers: [...issuers, ...fromStack.issuers],
  });
  const scopes =
    v.scopes ??
    mappedScopes(v.groups, flags.dir ?? flags.cwd, outputs, () =>
      stackSettings({ stack: flags.stack, cwd: flags.cwd }),
    );
  const exp = typeof v.claims.exp === "number" ? new Date(v.claims.exp * 1000).toISOString() : "?";
  if (flags.format === "json") {
    io.out(
      JSON.stringify(
        {
          valid: true,
          method: v.method,
          username: v.username,
          client_id: v.clientId,
          groups: v.groups,
          scopes,
          expires_at: exp,
        },
        null,
        2,
      ),
    );
  } else {
    io.out(
      `valid ${v.method} token, expires ${exp}\n  identity: ${v.username} (client ${v.clientId})\n  ` +
        `groups: ${v.groups.join(", ") || "(none)"}\n  scopes: ${scopes.join(", ") || "(none)"}`,
    );
  }
  return 0;
}

async function runToken(names: string[], flags: TokenFlags, io: Io): Promise<number> {
  if (flags.verify) return runVerify(flags, io);
  if (!flags.all && names.length === 0) throw new UsageError("name one or more M2M accounts, or use --all");
  const minTtl = Number(flags.minTtl);
  if (!Number.isFinite(minTtl) || minTtl < 0) throw new UsageError("--min-ttl must be a number of seconds");
  const results = await getTokens(flags.all ? "all" : names, {
    stack: flags.stack,
    cwd: flags.cwd,
    file: flags.outputs,
    // --out is a path like any other on the command line: relative to the current directory.
    ...(flags.out !== undefined ? { outDir: resolve(flags.out) } : {}),
    minTtl,
    definitionsDir: flags.dir ?? flags.cwd,
  });
  printResults(results, flags.format, io);
  return results.every((r) => r.ok) ? 0 : 1;
}

export function addTokenCommand(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command("token")
    .description(
      "get OAuth2 client-credentials tokens for M2M accounts from the stack outputs, or verify a token; send it as " +
        "Authorization: Bearer to MCP servers, and in X-Authorization: Bearer on /agent/... paths (A2A)",
    )
    .argument("[names...]", "M2M account names")
    .option("--all", "every M2M account of the stack (fetched concurrently)")
    .option("--stack <name>", "the stack (default: the selected one)")
    .option("--cwd <dir>", "project directory (Pulumi.yaml and the definitions)", ".")
    .option("--outputs <file>", "read `pulumi stack output --json --show-secrets` from this file instead")
    .option(
      "--out <dir>",
      "folder for the registry's token files, relative to the current directory (default: .oauth-tokens in --cwd)",
    )
    .addOption(
      new Option("--format <format>", "what to print on stdout")
        .choices(["text", "json", "env", "raw"])
        .default("text"),
    )
    .option("--min-ttl <seconds>", "reuse a cached token with more than this left", "60")
    .option("--dir <dir>", `${DIR_OPTION_HELP}, for mapping groups to scopes (default: --cwd)`)
    .option("--verify <jwt|file>", "verify a token the registry would accept and print its identity, groups and scopes")
    .option("--secret-key <key>", "HS256 key of the registry's self-signed tokens (or MCP_REGISTRY_SECRET_KEY)")
    .option("--public-key <pem-file>", "ES256 public key of the registry's self-signed tokens")
    .option("--jwks-url <url>", "JWKS to verify against instead of the issuer's")
    .option(
      "--issuer <url>",
      "a trusted issuer (repeatable), e.g. https://kc.example.com/realms/mcp-gateway; default: the " +
        "stack's realm or tenant",
      collect,
    )
    .option(
      "--audience <aud>",
      "an accepted audience (repeatable, or comma-separated), e.g. the gateway client id",
      collect,
    )
    .action(async (names: string[], flags: TokenFlags) => setExit(await runToken(names, flags, io)));
}
