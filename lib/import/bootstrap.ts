/**
 * The registry's Keycloak bootstrap as `import` finds it (a realm set up by upstream's `init-keycloak.sh`): its admin
 * is never written as a user file (with `bootstrap: true` the stack declares that user itself, and refuses a user file
 * of the same name), and the stack settings that reproduce what it found are printed: the version of the script that
 * made the realm (`bootstrapRelease`, lib/registry/keycloak-bootstrap.ts), the URLs behind the web client's redirect
 * URIs, the admin and its groups. What the first `pulumi up` with `bootstrap: true` would still change is listed
 * with its reason: for a realm either version of the script made, nothing but the bootstrap's own new group.
 */
import {
  BOOTSTRAP_CLIENT_NAMES,
  BOOTSTRAP_REALM_LOGIN,
  BOOTSTRAP_RELEASE_VALUES,
  BOOTSTRAP_RELEASES,
  bootstrapWebOrigins,
  bootstrapWebRedirectUris,
  DEFAULT_BOOTSTRAP_RELEASE,
  postLogoutRedirectUris,
  type BootstrapRelease,
} from "../registry/keycloak-bootstrap";
import { AUDIENCE_MAPPER, BOOTSTRAP_ADMIN_GROUP, BOOTSTRAP_M2M_CLIENT, BOOTSTRAP_WEB_CLIENT } from "../registry/rules";
import {
  DEFAULT_BOOTSTRAP_ADMIN_EMAIL,
  DEFAULT_BOOTSTRAP_ADMIN_NAMES,
  DEFAULT_BOOTSTRAP_ADMIN_USERNAME,
} from "../settings/stack";
import type { ImportSnapshot, SnapshotClient, SnapshotUser } from "./snapshot";
import type { BootstrapImport, ImportFinding, ImportLedger, KindImport } from "./types";

type BootstrapPart = Pick<ImportSnapshot, "idp" | "clients" | "users" | "groups" | "realmSettings">;

const why = (release: BootstrapRelease) =>
  `release ${release}'s bootstrap (${BOOTSTRAP_RELEASE_VALUES[release].source}), which bootstrap: true declares`;
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
  const realm = s.realmSettings ?? {};
  const release = releaseOf(realm, web, m2m);
  const findings: ImportFinding[] = [];
  const settings: [string, string][] = [["bootstrap", "true"]];
  if (release !== DEFAULT_BOOTSTRAP_RELEASE) {
    settings.push(["bootstrapRelease", release]);
    findings.push({
      object: "the realm and its stock clients",
      problem: `were made by upstream's bootstrap before release 1.31.0 (${BOOTSTRAP_RELEASE_VALUES[release].source})`,
      action:
        `bootstrapRelease ${release} (printed below) keeps them as made; upstream's 1.31.0 script would bring ` +
        'brute-force detection, fullScopeAllowed: false and no "+" web origin (#1763): set bootstrapRelease 1.31 ' +
        "to have the stack do the same",
    });
  }
  const changes: ImportFinding[] = [];
  settings.push(...webSettings(web, release));
  changes.push(...realmChanges(realm, release), ...clientChanges(web, m2m, release));
  // The stock M2M client gets its audience from the realm's basic scope: the stack's M2M clients then have none
  // of their own (keycloakM2MAudienceMapper false, printed with the settings the definitions need).
  if (!m2m.mappers.includes(AUDIENCE_MAPPER)) ledger.audienceMissing++;
  if (admin) {
    findings.push({
      object: `user "${admin.username}"`,
      problem: "is the registry bootstrap's admin (init-keycloak.sh creates it)",
      action: "not written as a user file: with bootstrap: true the stack declares it from the bootstrap settings",
    });
    settings.push(["bootstrapAdminUsername", admin.username]);
    settings.push(["bootstrapAdminEmail", admin.email ?? DEFAULT_BOOTSTRAP_ADMIN_EMAIL]);
    // Names Keycloak holds as empty (none given) cannot be declared: listed below as set.
    if (admin.firstName && admin.firstName !== DEFAULT_BOOTSTRAP_ADMIN_NAMES.firstName)
      settings.push(["bootstrapAdminFirstName", admin.firstName]);
    if (admin.lastName && admin.lastName !== DEFAULT_BOOTSTRAP_ADMIN_NAMES.lastName)
      settings.push(["bootstrapAdminLastName", admin.lastName]);
    const groups = [...admin.groups].sort();
    if (groups.length !== 1 || groups[0] !== BOOTSTRAP_ADMIN_GROUP)
      settings.push(["bootstrapAdminGroups", JSON.stringify(groups)]);
    changes.push(...adminChanges(admin, release));
  }
  if (!s.groups.some((g) => g.name === BOOTSTRAP_ADMIN_GROUP)) {
    const action = "the stack's bootstrap owns it (protected); nothing joins it unless listed in bootstrapAdminGroups";
    changes.push({ object: `group "${BOOTSTRAP_ADMIN_GROUP}"`, problem: "is created", action });
  }
  const bootstrap: BootstrapImport = { settings, changes };
  return { files: [], findings, bootstrap };
}

/** What one release's script writes that the other's does not, as found: the realm and stock clients. */
function differences(
  realm: Record<string, unknown>,
  web: SnapshotClient,
  m2m: SnapshotClient,
  release: BootstrapRelease,
): number {
  const v = BOOTSTRAP_RELEASE_VALUES[release];
  const found = [
    (realm.bruteForceProtected === true) === (v.bruteForce !== null),
    (web.fullScopeAllowed !== false) === v.fullScopeAllowed,
    (m2m.fullScopeAllowed !== false) === v.fullScopeAllowed,
    (web.postLogoutRedirectUris?.length ?? 0) > 0 === v.postLogoutRedirectUris,
    (web.webOrigins ?? []).includes("+") === v.localWebOrigins.includes("+"),
  ];
  return found.filter((same) => !same).length;
}

/** The release whose script made what was found: the one it differs least from (the default on a tie). */
function releaseOf(realm: Record<string, unknown>, web: SnapshotClient, m2m: SnapshotClient): BootstrapRelease {
  const ranked = [DEFAULT_BOOTSTRAP_RELEASE, ...BOOTSTRAP_RELEASES.filter((r) => r !== DEFAULT_BOOTSTRAP_RELEASE)];
  const counted = ranked.map((r) => ({ r, n: differences(realm, web, m2m, r) }));
  return counted.reduce((best, c) => (c.n < best.n ? c : best)).r;
}

/** The registry and auth-server URLs behind the web client's redirect URIs, and the lists when they differ. */
function webSettings(web: SnapshotClient, release: BootstrapRelease): [string, string][] {
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
  if (!sameSet(origins, bootstrapWebOrigins(registryUrl, release))) out.push(["webOrigins", JSON.stringify(origins)]);
  return out;
}

/** The realm's login settings and, where the release's script sets it, brute-force detection. */
function realmChanges(realm: Record<string, unknown>, release: BootstrapRelease): ImportFinding[] {
  const changes: ImportFinding[] = [];
  const bruteForce = BOOTSTRAP_RELEASE_VALUES[release].bruteForce;
  const wanted: Record<string, unknown> = {
    ...BOOTSTRAP_REALM_LOGIN,
    ...(bruteForce ? { bruteForceProtected: true, ...bruteForce } : {}),
  };
  for (const [key, value] of Object.entries(wanted)) {
    if (realm[key] === value) continue;
    const was = realm[key] === undefined ? "unset" : JSON.stringify(realm[key]);
    changes.push({ object: "the realm", problem: `${key}: ${was} => ${JSON.stringify(value)}`, action: why(release) });
  }
  return changes;
}

/** The stock clients' names, full scope and post-logout URIs, against the release's script. */
function clientChanges(web: SnapshotClient, m2m: SnapshotClient, release: BootstrapRelease): ImportFinding[] {
  const changes: ImportFinding[] = [];
  const v = BOOTSTRAP_RELEASE_VALUES[release];
  const of = (c: SnapshotClient, expectedName: string) => {
    const object = `client "${c.clientId}"`;
    if (c.name !== expectedName)
      changes.push({
        object,
        problem: `name: ${JSON.stringify(c.name ?? "")} => "${expectedName}"`,
        action: why(release),
      });
    if ((c.fullScopeAllowed !== false) !== v.fullScopeAllowed) {
      const problem = `fullScopeAllowed: ${!v.fullScopeAllowed} => ${v.fullScopeAllowed}`;
      changes.push({ object, problem, action: why(release) });
    }
  };
  of(web, BOOTSTRAP_CLIENT_NAMES.web);
  of(m2m, BOOTSTRAP_CLIENT_NAMES.m2m);
  // 1.31.0's web_client_json sets them; 8c5b834b's sets none (and the stack then leaves them alone).
  const postLogout = postLogoutRedirectUris(web.redirectUris ?? []);
  if (v.postLogoutRedirectUris && !sameSet(web.postLogoutRedirectUris ?? [], postLogout)) {
    const was = web.postLogoutRedirectUris?.length ? JSON.stringify(web.postLogoutRedirectUris) : "unset";
    const problem = `post-logout redirect URIs: ${was} => ${JSON.stringify(postLogout)}`;
    changes.push({ object: `client "${web.clientId}"`, problem, action: why(release) });
  }
  return changes;
}

/** The admin the bootstrap declares: a verified e-mail (both scripts' `admin_user_json`), and names. */
function adminChanges(admin: SnapshotUser, release: BootstrapRelease): ImportFinding[] {
  const object = `user "${admin.username}"`;
  const changes: ImportFinding[] = [];
  if (admin.emailVerified !== true)
    changes.push({ object, problem: "emailVerified: false => true", action: why(release) });
  for (const [key, value] of Object.entries(DEFAULT_BOOTSTRAP_ADMIN_NAMES) as ["firstName" | "lastName", string][]) {
    if (!admin[key])
      changes.push({
        object,
        problem: `${key}: ${JSON.stringify(admin[key] ?? "")} => "${value}"`,
        action: why(release),
      });
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
