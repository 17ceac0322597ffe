/**
 * The registry's Keycloak bootstrap as `import` finds it (a realm set up by upstream's `init-keycloak.sh`): its admin
 * is never written as a user file (with `bootstrap: true` the stack declares that user itself, and refuses a user file
 * of the same name), the stack settings that reproduce the stock clients are printed, and every change the first
 * `pulumi up` with `bootstrap: true` would still make is listed with its reason. `bootstrap: true` declares release
 * 1.31.0's bootstrap (lib/registry/keycloak-bootstrap.ts, init-keycloak.sh @ 1320f022), so a realm set up by an
 * earlier script (8c5b834b's) is brought to it: those differences are announced here, not kept.
 */
import {
  BOOTSTRAP_BRUTE_FORCE,
  BOOTSTRAP_CLIENT_NAMES,
  BOOTSTRAP_REALM_LOGIN,
  bootstrapWebOrigins,
  bootstrapWebRedirectUris,
  postLogoutRedirectUris,
} from "../registry/keycloak-bootstrap";
import { AUDIENCE_MAPPER, BOOTSTRAP_ADMIN_GROUP, BOOTSTRAP_M2M_CLIENT, BOOTSTRAP_WEB_CLIENT } from "../registry/rules";
import { DEFAULT_BOOTSTRAP_ADMIN_EMAIL, DEFAULT_BOOTSTRAP_ADMIN_USERNAME } from "../settings/stack";
import type { ImportSnapshot, SnapshotClient, SnapshotUser } from "./snapshot";
import type { BootstrapImport, ImportFinding, ImportLedger, KindImport } from "./types";

type BootstrapPart = Pick<ImportSnapshot, "idp" | "clients" | "users" | "groups" | "realmSettings">;

const WHY = "release 1.31.0's bootstrap (init-keycloak.sh @ 1320f022), which bootstrap: true declares";
const CALLBACK = "/oauth2/callback/keycloak";
const DEFAULT_URLS = { registryUrl: "http://localhost:7860", authServerUrl: "http://localhost:8888" };

/**
 * The admin both versions of upstream's script create (`admin_username="admin"`, init-keycloak.sh @ 8c5b834b
 * `create_users`, and @ 1320f022): the bootstrap's, when the realm holds the bootstrap's two clients.
 */
export function bootstrapAdminOf(s: Pick<BootstrapPart, "idp" | "clients" | "users">): SnapshotUser | undefined {
  if (s.idp !== "keycloak") return undefined;
  const ids = new Set(s.clients.map((c) => c.clientId));
  if (!ids.has(BOOTSTRAP_WEB_CLIENT) || !ids.has(BOOTSTRAP_M2M_CLIENT)) return undefined;
  return s.users.find((u) => u.username === DEFAULT_BOOTSTRAP_ADMIN_USERNAME);
}

export function importBootstrap(s: BootstrapPart, ledger: ImportLedger): KindImport {
  if (s.idp !== "keycloak") return { files: [], findings: [] };
  const web = s.clients.find((c) => c.clientId === BOOTSTRAP_WEB_CLIENT);
  const m2m = s.clients.find((c) => c.clientId === BOOTSTRAP_M2M_CLIENT);
  if (!web || !m2m) return { files: [], findings: [] };
  const admin = bootstrapAdminOf(s);
  if (admin) ledger.bootstrapAdmin = admin.username;
  const findings: ImportFinding[] = [];
  const settings: [string, string][] = [["bootstrap", "true"]];
  const changes: ImportFinding[] = [];
  settings.push(...webSettings(web, findings));
  changes.push(...realmChanges(s.realmSettings ?? {}), ...clientChanges(web, m2m));
  if (admin) {
    findings.push({
      object: `user "${admin.username}"`,
      problem: "is the registry bootstrap's admin (init-keycloak.sh creates it)",
      action: "not written as a user file: with bootstrap: true the stack declares it from the bootstrap settings",
    });
    settings.push(["bootstrapAdminUsername", admin.username]);
    settings.push(["bootstrapAdminEmail", admin.email ?? DEFAULT_BOOTSTRAP_ADMIN_EMAIL]);
    changes.push(...adminChanges(admin));
  }
  if (!s.groups.some((g) => g.name === BOOTSTRAP_ADMIN_GROUP))
    changes.push({ object: `group "${BOOTSTRAP_ADMIN_GROUP}"`, problem: "is created", action: WHY });
  const bootstrap: BootstrapImport = { settings, changes };
  return { files: [], findings, bootstrap };
}

/** The registry and auth-server URLs behind the web client's redirect URIs, and the lists when they differ. */
function webSettings(web: SnapshotClient, findings: ImportFinding[]): [string, string][] {
  const redirects = web.redirectUris ?? [];
  const origins = web.webOrigins ?? [];
  const callback = redirects.find((u) => u.endsWith(CALLBACK));
  const authServerUrl = callback ? callback.slice(0, -CALLBACK.length) : DEFAULT_URLS.authServerUrl;
  // The script's first `/*` URI is `${REGISTRY_URL}/*`; its two local ones follow it.
  const registry = redirects.find((u) => u.endsWith("/*") && !u.startsWith(authServerUrl));
  const registryUrl = registry ? registry.slice(0, -2) : DEFAULT_URLS.registryUrl;
  const out: [string, string][] = [];
  if (registryUrl !== DEFAULT_URLS.registryUrl) out.push(["registryUrl", registryUrl]);
  if (authServerUrl !== DEFAULT_URLS.authServerUrl) out.push(["authServerUrl", authServerUrl]);
  if (!sameSet(redirects, bootstrapWebRedirectUris(registryUrl, authServerUrl)))
    out.push(["webRedirectUris", JSON.stringify(redirects)]);
  if (!sameSet(origins, bootstrapWebOrigins(registryUrl))) out.push(["webOrigins", JSON.stringify(origins)]);
  if (origins.includes("+")) {
    findings.push({
      object: `client "${BOOTSTRAP_WEB_CLIENT}"`,
      problem: "has the web origin \"+\" (every redirect URI's origin), which release 1.31.0's bootstrap drops (#1763)",
      action: "kept by the webOrigins setting printed below; leave it out of that list to follow 1.31.0",
    });
  }
  return out;
}

/** The realm's login settings and brute-force detection, against 1.31.0's `realm_json`. */
function realmChanges(realm: Record<string, unknown>): ImportFinding[] {
  const changes: ImportFinding[] = [];
  const wanted: Record<string, unknown> = {
    ...BOOTSTRAP_REALM_LOGIN,
    bruteForceProtected: true,
    ...BOOTSTRAP_BRUTE_FORCE,
  };
  for (const [key, value] of Object.entries(wanted)) {
    if (realm[key] === value) continue;
    const was = realm[key] === undefined ? "unset" : JSON.stringify(realm[key]);
    changes.push({ object: "the realm", problem: `${key}: ${was} => ${JSON.stringify(value)}`, action: WHY });
  }
  return changes;
}

/** The stock clients' names, full scope and the M2M client's own audience mapper. */
function clientChanges(web: SnapshotClient, m2m: SnapshotClient): ImportFinding[] {
  const changes: ImportFinding[] = [];
  const of = (c: SnapshotClient, expectedName: string) => {
    const object = `client "${c.clientId}"`;
    if (c.name !== expectedName)
      changes.push({ object, problem: `name: ${JSON.stringify(c.name ?? "")} => "${expectedName}"`, action: WHY });
    if (c.fullScopeAllowed !== false)
      changes.push({ object, problem: "fullScopeAllowed: true => false (#1763)", action: WHY });
  };
  of(web, BOOTSTRAP_CLIENT_NAMES.web);
  of(m2m, BOOTSTRAP_CLIENT_NAMES.m2m);
  // 1.31.0's web_client_json sets them; 8c5b834b's sets none.
  const postLogout = postLogoutRedirectUris(web.redirectUris ?? []);
  if (!sameSet(web.postLogoutRedirectUris ?? [], postLogout)) {
    const was = web.postLogoutRedirectUris?.length ? JSON.stringify(web.postLogoutRedirectUris) : "unset";
    const problem = `post-logout redirect URIs: ${was} => ${JSON.stringify(postLogout)}`;
    changes.push({ object: `client "${web.clientId}"`, problem, action: WHY });
  }
  if (m2m.description !== BOOTSTRAP_CLIENT_NAMES.m2m) {
    changes.push({
      object: `client "${m2m.clientId}"`,
      problem: `description: ${JSON.stringify(m2m.description ?? "")} => "${BOOTSTRAP_CLIENT_NAMES.m2m}"`,
      action: "the stack's bootstrap describes its M2M client by its name (neither script sets a description)",
    });
  }
  if (!m2m.mappers.includes(AUDIENCE_MAPPER)) {
    changes.push({
      object: `client "${m2m.clientId}"`,
      problem: `gets a "${AUDIENCE_MAPPER}" mapper of its own (its tokens carry the audience already, from basic's)`,
      action: "the stack's bootstrap gives every M2M client its own audience mapper; a second aud entry is harmless",
    });
  }
  return changes;
}

/** The admin the bootstrap declares: groups `registry-admins` only, a verified e-mail, `Admin User`. */
function adminChanges(admin: SnapshotUser): ImportFinding[] {
  const object = `user "${admin.username}"`;
  const changes: ImportFinding[] = [];
  const groups = [...admin.groups].sort();
  if (groups.length !== 1 || groups[0] !== BOOTSTRAP_ADMIN_GROUP) {
    changes.push({
      object,
      problem: `groups: ${JSON.stringify(groups)} => ["${BOOTSTRAP_ADMIN_GROUP}"]`,
      action: `${WHY}; a group the registry maps to its admin scope (8c5b834b's mcp-registry-admin) is left`,
    });
  }
  if (admin.emailVerified !== true) changes.push({ object, problem: "emailVerified: false => true", action: WHY });
  for (const [key, value] of [
    ["firstName", "Admin"],
    ["lastName", "User"],
  ] as const) {
    if (admin[key] !== value)
      changes.push({ object, problem: `${key}: ${JSON.stringify(admin[key] ?? "")} => "${value}"`, action: WHY });
  }
  return changes;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const x = new Set(a);
  const y = new Set(b);
  return x.size === y.size && [...x].every((v) => y.has(v));
}

/** The bootstrap's settings as commands. */
export function bootstrapCommands(b: BootstrapImport): string[] {
  return b.settings.map(([key, value]) => {
    const shown = /^[\w.:@/-]+$/.test(value) ? value : `'${value}'`;
    return `pulumi config set mcp-gateway-access:${key} ${shown}`;
  });
}
