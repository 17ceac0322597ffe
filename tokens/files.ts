/**
 * Token files in the registry's format (credentials-provider: `.oauth-tokens/agent-<name>-token.json` and
 * `.env`), written with mode 0600 in a git-ignored folder, and reused while they stay valid long enough.
 */
import { chmod, mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DEFAULT_REALM } from "../lib/registry-rules";
import { TokenError, type M2MCredentials } from "./outputs";
import { TokenFile, type TokenResponse } from "./schemas";

export type { TokenFile };

export const TOKEN_DIR = ".oauth-tokens";
export const GENERATOR = "mcp-access";
export const GENERATOR_VERSION = "1.0";

export function agentFileStem(name: string): string {
  return `agent-${name}`;
}

/** The document generate_tokens.py (Keycloak) or the Entra generator writes. */
export function tokenFile(name: string, c: M2MCredentials, t: TokenResponse, scope: string, now = new Date()): TokenFile {
  const expiresAt = new Date(now.getTime() + t.expires_in * 1000);
  if (c.authProvider === "entra") {
    return {
      identity_name: name,
      access_token: t.access_token,
      token_type: t.token_type ?? "Bearer",
      expires_in: t.expires_in,
      generated_at: now.toISOString(),
      expires_at: expiresAt.toISOString(),
      provider: "entra",
      tenant_id: c.tenantId ?? "",
      client_id: c.clientId,
      scope,
    };
  }
  const file: TokenFile = {
    agent_name: agentFileStem(name),
    access_token: t.access_token,
    token_type: t.token_type ?? "Bearer",
    expires_in: t.expires_in,
    generated_at: now.toISOString(),
    expires_at: expiresAt.toISOString(),
    provider: "keycloak",
    keycloak_url: c.keycloakUrl ?? new URL(c.tokenUrl).origin,
    keycloak_realm: c.realm ?? DEFAULT_REALM,
    client_id: c.clientId,
    scope,
    metadata: { generated_by: GENERATOR, script_version: GENERATOR_VERSION, token_format: "JWT", auth_method: "client_credentials" },
  };
  if (t.refresh_token) {
    file.refresh_token = t.refresh_token;
    file.refresh_expires_in = t.refresh_expires_in ?? 0;
    file.refresh_expires_at = new Date(now.getTime() + (t.refresh_expires_in ?? 0) * 1000).toISOString();
  }
  return file;
}

const q = (v: string) => `"${v.replace(/(["\\$`])/g, "\\$1")}"`;

/** The `.env` the registry's generator writes next to the JSON. */
export function envFile(c: M2MCredentials, f: TokenFile): string {
  const lines = [`export ACCESS_TOKEN=${q(f.access_token)}`];
  if (typeof f.refresh_token === "string") lines.push(`export REFRESH_TOKEN=${q(f.refresh_token)}`);
  lines.push(`export CLIENT_ID=${q(c.clientId)}`, `export CLIENT_SECRET=${q(c.clientSecret)}`);
  if (c.authProvider === "keycloak") {
    lines.push(`export KEYCLOAK_URL=${q(String(f.keycloak_url))}`, `export KEYCLOAK_REALM=${q(String(f.keycloak_realm))}`, `export AUTH_PROVIDER="keycloak"`);
  } else {
    lines.push(`export ENTRA_TENANT_ID=${q(String(f.tenant_id))}`, `export SCOPE=${q(f.scope)}`, `export AUTH_PROVIDER="entra"`);
  }
  return lines.join("\n") + "\n";
}

const GITIGNORE = "# tokens and secrets: never commit\n*\n";

/**
 * A new folder is created (0700) with its own .gitignore, so tokens never reach git whatever the repo ignores.
 * An existing folder is left as it is (its .gitignore and mode are its owner's): only the token files are written.
 */
export async function ensureTokenDir(dir: string): Promise<void> {
  let existing;
  try {
    existing = await stat(dir);
  } catch {
    existing = null;
  }
  if (existing) {
    if (!existing.isDirectory()) throw new TokenError(`--out ${dir} is a file, not a folder; name a folder for the token files`);
    return;
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  await writeFile(join(dir, ".gitignore"), GITIGNORE, { mode: 0o600 });
}

async function writePrivate(path: string, content: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, content, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}

export function tokenPaths(dir: string, name: string): { json: string; env: string } {
  return { json: join(dir, `${agentFileStem(name)}-token.json`), env: join(dir, `${agentFileStem(name)}.env`) };
}

export async function writeTokenFiles(dir: string, name: string, c: M2MCredentials, f: TokenFile): Promise<{ json: string; env: string }> {
  await ensureTokenDir(dir);
  const paths = tokenPaths(dir, name);
  await writePrivate(paths.json, JSON.stringify(f, null, 2) + "\n");
  await writePrivate(paths.env, envFile(c, f));
  return paths;
}

/** A cached token for the same client that stays valid more than `minTtlSeconds`, or null. */
export async function cachedToken(dir: string, name: string, c: M2MCredentials, minTtlSeconds: number, now = new Date()): Promise<TokenFile | null> {
  try {
    const parsed = TokenFile.safeParse(JSON.parse(await readFile(tokenPaths(dir, name).json, "utf8")));
    // A file this package did not write, or an older one: fetch a new token instead.
    if (!parsed.success) return null;
    const f = parsed.data;
    if (f.client_id !== c.clientId || f.provider !== c.authProvider) return null;
    const left = (Date.parse(f.expires_at) - now.getTime()) / 1000;
    return left > minTtlSeconds ? f : null;
  } catch {
    return null;
  }
}
