/**
 * Token files byte-compatible with the registry's credentials provider, written with mode 0600 in a git-ignored
 * folder, and reused while they stay valid long enough:
 * - Keycloak (credentials-provider/keycloak/get_m2m_token.py, formerly generate_tokens.py `save_token_files`):
 *   `.oauth-tokens/agent-<name>-token.json` and `agent-<name>.env`, the `.env` opening with two `#` lines; no
 *   refresh keys (client-credentials tokens carry none);
 * - Entra (credentials-provider/entra/get_m2m_token.py): `.oauth-tokens/<identity_name>.json`, no `.env`.
 * Timestamps as Python's `datetime.now(timezone.utc).isoformat()` (`…T…[.ffffff]+00:00`); JSON as `json.dump(…,
 * indent=2)` (no final newline).
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

/** Python's `datetime.isoformat()` of an aware UTC datetime: microseconds (omitted when 0), `+00:00`. */
export function pythonUtcIso(d: Date): string {
  const base = d.toISOString().slice(0, 19);
  const ms = d.getUTCMilliseconds();
  return `${base}${ms === 0 ? "" : `.${String(ms * 1000).padStart(6, "0")}`}+00:00`;
}

/** Python's `datetime.now().strftime('%Y-%m-%d %H:%M:%S')`: local time, no zone. */
export function pythonLocalStamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** The default Entra scope of entra/get_m2m_token.py: the identity's own application. */
export function defaultEntraScope(clientId: string): string {
  return `api://${clientId}/.default`;
}

/** The document the credentials provider writes, for Keycloak or Entra. */
export function tokenFile(name: string, c: M2MCredentials, t: TokenResponse, scope: string, now = new Date()): TokenFile {
  const expiresAt = new Date(now.getTime() + t.expires_in * 1000);
  if (c.authProvider === "entra") {
    return {
      identity_name: name,
      access_token: t.access_token,
      token_type: t.token_type ?? "Bearer",
      expires_in: t.expires_in,
      generated_at: pythonUtcIso(now),
      expires_at: pythonUtcIso(expiresAt),
      provider: "entra",
      tenant_id: c.tenantId ?? "",
      client_id: c.clientId,
      scope,
    };
  }
  return {
    agent_name: agentFileStem(name),
    access_token: t.access_token,
    token_type: "Bearer",
    expires_in: t.expires_in,
    generated_at: pythonUtcIso(now),
    expires_at: pythonUtcIso(expiresAt),
    provider: "keycloak",
    keycloak_url: c.keycloakUrl ?? new URL(c.tokenUrl).origin,
    keycloak_realm: c.realm ?? DEFAULT_REALM,
    client_id: c.clientId,
    scope,
    metadata: { generated_by: GENERATOR, script_version: GENERATOR_VERSION, token_format: "JWT", auth_method: "client_credentials" },
  };
}

const q = (v: string) => `"${v.replace(/(["\\$`])/g, "\\$1")}"`;

/** The Keycloak `.env` the credentials provider writes next to the JSON (Entra writes none). */
export function envFile(c: M2MCredentials, f: TokenFile, now = new Date()): string {
  const lines = [
    `# Generated access token for ${String(f.agent_name)}`,
    `# Generated at: ${pythonLocalStamp(now)}`,
    `export ACCESS_TOKEN=${q(f.access_token)}`,
    `export CLIENT_ID=${q(c.clientId)}`,
    `export CLIENT_SECRET=${q(c.clientSecret)}`,
    `export KEYCLOAK_URL=${q(String(f.keycloak_url))}`,
    `export KEYCLOAK_REALM=${q(String(f.keycloak_realm))}`,
    `export AUTH_PROVIDER="keycloak"`,
  ];
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

export function tokenPaths(dir: string, name: string, idp: M2MCredentials["authProvider"]): { json: string; env?: string } {
  if (idp === "entra") return { json: join(dir, `${name}.json`) };
  return { json: join(dir, `${agentFileStem(name)}-token.json`), env: join(dir, `${agentFileStem(name)}.env`) };
}

export async function writeTokenFiles(dir: string, name: string, c: M2MCredentials, f: TokenFile, now = new Date()): Promise<{ json: string; env?: string }> {
  await ensureTokenDir(dir);
  const paths = tokenPaths(dir, name, c.authProvider);
  await writePrivate(paths.json, JSON.stringify(f, null, 2));
  if (paths.env) await writePrivate(paths.env, envFile(c, f, now));
  return paths;
}

/** A cached token for the same client that stays valid more than `minTtlSeconds`, or null. */
export async function cachedToken(dir: string, name: string, c: M2MCredentials, minTtlSeconds: number, now = new Date()): Promise<TokenFile | null> {
  try {
    const parsed = TokenFile.safeParse(JSON.parse(await readFile(tokenPaths(dir, name, c.authProvider).json, "utf8")));
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
