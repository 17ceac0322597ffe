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
import { randomBytes } from "node:crypto";
import { constants, type Stats } from "node:fs";
import { chmod, lstat, mkdir, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { DEFAULT_REALM } from "../lib/registry/rules";
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
  return (
    `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ` +
    `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`
  );
}

/** The default Entra scope of entra/get_m2m_token.py: the identity's own application. */
export function defaultEntraScope(clientId: string): string {
  return `api://${clientId}/.default`;
}

/** The document the credentials provider writes, for Keycloak or Entra. */
export function tokenFile(
  name: string,
  c: M2MCredentials,
  t: TokenResponse,
  scope: string,
  now = new Date(),
): TokenFile {
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
    metadata: {
      generated_by: GENERATOR,
      script_version: GENERATOR_VERSION,
      token_format: "JWT",
      auth_method: "client_credentials",
    },
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

/** Opened for writing only if it does not exist yet, and never through a symbolic link. */
const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
/** Opened for reading only if the path itself is not a symbolic link. */
const READ_NO_LINK = constants.O_RDONLY | constants.O_NOFOLLOW;

async function lstatOrNull(path: string): Promise<Stats | null> {
  try {
    return await lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw fsError(e, path);
  }
}

function fsError(e: unknown, path: string): TokenError {
  const code = (e as NodeJS.ErrnoException).code;
  const why: Record<string, string> = {
    EACCES: "permission denied",
    EPERM: "permission denied",
    ENOTDIR: "a part of the path is a file, not a folder",
    ELOOP: "it is a symbolic link, which is never followed",
    EROFS: "the file system is read-only",
    ENOSPC: "no space left on the device",
  };
  return new TokenError(`cannot write the token files in ${path}: ${(code && why[code]) ?? (e as Error).message}`);
}

/**
 * The token folder, made ready: never a symbolic link (a planted link would send tokens and secrets elsewhere),
 * never the root of a git repository (the token and `.env` would sit among tracked files). A folder `mcp-access`
 * creates gets mode 0700; any folder without a `.gitignore` gets one that ignores everything in it. An existing
 * `.gitignore` and the mode of an existing folder are their owner's and are left as they are.
 */
export async function ensureTokenDir(dir: string): Promise<void> {
  let existing = await lstatOrNull(dir);
  if (existing?.isSymbolicLink()) {
    throw new TokenError(
      `--out ${dir} is a symbolic link; token files are never written through one: name the folder itself`,
    );
  }
  if (existing && !existing.isDirectory())
    throw new TokenError(`--out ${dir} is a file, not a folder; name a folder for the token files`);
  if (existing && (await lstatOrNull(join(dir, ".git")))) {
    throw new TokenError(
      `--out ${dir} is the root of a git repository: the token and the client secret would sit ` +
        `among its tracked files; use a folder of their own, e.g. ${join(dir, TOKEN_DIR)}`,
    );
  }
  if (!existing) {
    try {
      await mkdir(dirname(dir), { recursive: true });
      await mkdir(dir, { mode: 0o700 });
      await chmod(dir, 0o700);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw fsError(e, dir);
    }
    existing = await lstatOrNull(dir);
    if (!existing?.isDirectory() || existing.isSymbolicLink())
      throw new TokenError(`--out ${dir} changed while it was being made; try again`);
  }
  try {
    await writeNew(join(dir, ".gitignore"), GITIGNORE);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw fsError(e, dir);
  }
}

/** Writes `content` to a file that must not exist yet (exclusive create, no symbolic link followed), mode 0600. */
async function writeNew(path: string, content: string): Promise<void> {
  const fh = await open(path, CREATE_NEW, 0o600);
  try {
    await fh.writeFile(content);
    await fh.chmod(0o600);
  } finally {
    await fh.close();
  }
}

/**
 * A file's text, read only if the path is a regular file and not a symbolic link; null when it does not exist.
 * Anything else there is refused with a TokenError saying what it is (callers that only look, like the cache,
 * take any error as "no token here").
 */
async function readOwn(path: string): Promise<string | null> {
  const refused = (what: string) =>
    new TokenError(
      `${path} exists and is ${what}: it was not made by mcp-access token and is left alone; ` +
        `remove it or choose another --out`,
    );
  let fh;
  try {
    fh = await open(path, READ_NO_LINK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return null;
    if (code === "ELOOP" || code === "EMLINK") throw refused("a symbolic link");
    if (code === "EISDIR") throw refused("not a regular file");
    throw fsError(e, path);
  }
  try {
    if (!(await fh.stat()).isFile()) throw refused("not a regular file");
    return await fh.readFile("utf8");
  } catch (e) {
    throw e instanceof TokenError ? e : fsError(e, path);
  } finally {
    await fh.close();
  }
}

/** What the command writes, recognised on disk: a token file of the registry's shape, or a `.env` with its header. */
function isOurs(kind: "json" | "env", text: string): boolean {
  if (kind === "env") return /^# Generated access token for [^\n]*\n# Generated at: /.test(text);
  try {
    return TokenFile.safeParse(JSON.parse(text)).success;
  } catch {
    return false;
  }
}

/**
 * Replaces `path` with `content`: written to an exclusive-create temporary in the same folder, then renamed over it.
 * A file already there is replaced only if the command made it (a token file or `.env` of its shape); a symbolic
 * link, a folder or another file of that name is refused, never overwritten or followed.
 */
async function replaceOwn(path: string, kind: "json" | "env", content: string): Promise<void> {
  const current = await readOwn(path);
  if (current !== null && !isOurs(kind, current)) {
    throw new TokenError(
      `${path} exists and is not a token file mcp-access token wrote: it is left alone; move it ` +
        `away or choose another --out`,
    );
  }
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    await writeNew(tmp, content);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw fsError(e, dirname(path));
  }
}

export function tokenPaths(
  dir: string,
  name: string,
  idp: M2MCredentials["authProvider"],
): { json: string; env?: string } {
  if (idp === "entra") return { json: join(dir, `${name}.json`) };
  return { json: join(dir, `${agentFileStem(name)}-token.json`), env: join(dir, `${agentFileStem(name)}.env`) };
}

/** An account name from the stack outputs, usable as a file name: no separator, no `..`, no control character. */
function checkFileName(name: string): void {
  if (!name || name === "." || name === ".." || /[/\\\x00-\x1f\x7f]/.test(name)) {
    throw new TokenError(
      `the M2M account name ${JSON.stringify(name)} cannot be a file name (separators, "..", ` +
        `control characters); check the stack outputs`,
    );
  }
}

export async function writeTokenFiles(
  dir: string,
  name: string,
  c: M2MCredentials,
  f: TokenFile,
  now = new Date(),
): Promise<{ json: string; env?: string }> {
  checkFileName(name);
  await ensureTokenDir(dir);
  const paths = tokenPaths(dir, name, c.authProvider);
  await replaceOwn(paths.json, "json", JSON.stringify(f, null, 2));
  if (paths.env) await replaceOwn(paths.env, "env", envFile(c, f, now));
  return paths;
}

/** A cached token for the same client that stays valid more than `minTtlSeconds`, or null. */
export async function cachedToken(
  dir: string,
  name: string,
  c: M2MCredentials,
  minTtlSeconds: number,
  now = new Date(),
): Promise<TokenFile | null> {
  try {
    checkFileName(name);
    if ((await lstatOrNull(dir))?.isSymbolicLink()) return null;
    const text = await readOwn(tokenPaths(dir, name, c.authProvider).json);
    if (text === null) return null;
    const parsed = TokenFile.safeParse(JSON.parse(text));
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
