/**
 * What the registry's Keycloak bootstrap writes into the realm, its two stock clients and its admin, for each version
 * of upstream's `keycloak/setup/init-keycloak.sh` a stack can declare (`bootstrapRelease`):
 * - `1.31`, the default: release 1.31.0 and later (PR #1763, init-keycloak.sh @ 1320f022): `create_realm` (one
 *   `realm_json`, POSTed for a new realm and PUT over an existing one) and `create_clients` (`upsert_client`: POST,
 *   or PUT of the whole representation over an existing client). Helm's `keycloak-configure` hook does the same on
 *   every install and upgrade, so a run of it rewrites nothing the stack holds.
 * - `1.30`: the releases before 1.31.0, read at main @ 8c5b834b (the vendored source; #1763 is the change after it):
 *   the script creates the realm and the clients once and skips a realm that exists, so what it made stays as made.
 * A realm `mcp-access import` finds is matched to the release it was made by, so the first `up` adopts it unchanged.
 */
/** `realm_json`'s login settings (create_realm @ 1320f022). */
export const BOOTSTRAP_REALM_LOGIN = {
  registrationAllowed: false,
  loginWithEmailAllowed: true,
  duplicateEmailsAllowed: false,
  resetPasswordAllowed: true,
  editUsernameAllowed: false,
} as const;

/**
 * `realm_json`'s brute-force detection (create_realm @ 1320f022: `bruteForceProtected: true`, `failureFactor: 5`,
 * `waitIncrementSeconds: 60`, `maxFailureWaitSeconds: 900`, `permanentLockout: false`). Five wrong passwords lock
 * a user (the seeded admin included) for 60 s and more.
 */
export const BOOTSTRAP_BRUTE_FORCE = {
  failureFactor: 5,
  waitIncrementSeconds: 60,
  maxFailureWaitSeconds: 900,
  permanentLockout: false,
} as const;

/** The stock clients' display names (`"name"` of web_client_json and m2m_client_json @ 1320f022). */
export const BOOTSTRAP_CLIENT_NAMES = { web: "MCP Gateway Web Client", m2m: "MCP Gateway M2M Client" } as const;

/**
 * The script's own defaults of `REGISTRY_URL` and `AUTH_SERVER_EXTERNAL_URL`: its web client lists them whatever
 * the two variables are set to.
 */
const LOCAL_REGISTRY = "http://localhost:7860";
const LOCAL_AUTH_SERVER = "http://localhost:8888";

/**
 * web_client_json's `redirectUris` @ 1320f022: the auth server's callback, the registry, and the two local URLs.
 * Keycloak keeps them as a set, so a duplicate (a local registry) is one entry.
 */
export function bootstrapWebRedirectUris(registryUrl: string, authServerUrl: string): string[] {
  const uris = [`${authServerUrl}/oauth2/callback/keycloak`, `${registryUrl}/*`, `${LOCAL_REGISTRY}/*`];
  return [...new Set([...uris, `${LOCAL_AUTH_SERVER}/*`])];
}

/**
 * web_client_json's `webOrigins`: @ 1320f022 the registry and the two local URLs, no `"+"` (gone with #1763);
 * @ 8c5b834b the registry, the local registry and `"+"` (every redirect URI's origin).
 */
export function bootstrapWebOrigins(
  registryUrl: string,
  release: BootstrapRelease = DEFAULT_BOOTSTRAP_RELEASE,
): string[] {
  return [...new Set([registryUrl, ...BOOTSTRAP_RELEASE_VALUES[release].localWebOrigins])];
}

/**
 * web_client_json's `attributes."post.logout.redirect.uris"` @ 1320f022 (`<registry>/*##localhost:7860/*##
 * localhost:8888/*`): the redirect URIs that end in `/*`, the callback left out.
 */
export function postLogoutRedirectUris(redirectUris: readonly string[]): string[] {
  return redirectUris.filter((u) => u.endsWith("/*"));
}

/** The versions of upstream's bootstrap a stack can declare (`bootstrapRelease`). */
export const BOOTSTRAP_RELEASES = ["1.30", "1.31"] as const;
export type BootstrapRelease = (typeof BOOTSTRAP_RELEASES)[number];
export const DEFAULT_BOOTSTRAP_RELEASE: BootstrapRelease = "1.31";

/**
 * What one version of the script sets beyond what both set (the login settings, names, redirect URIs, the admin in
 * `mcp-registry-admin` and `mcp-servers-unrestricted`: `create_users` is the same in both).
 */
export interface BootstrapReleaseValues {
  /** The script revision read, for messages and docs. */
  source: string;
  /** `realm_json`'s brute-force detection; null: the script sets none, and the stack leaves it to Keycloak. */
  bruteForce: typeof BOOTSTRAP_BRUTE_FORCE | null;
  /** Both stock clients' `fullScopeAllowed` (Keycloak's default, true, where the script sets none). */
  fullScopeAllowed: boolean;
  /** Whether the web client gets `post.logout.redirect.uris`. */
  postLogoutRedirectUris: boolean;
  /** The web client's origins after the registry's. */
  localWebOrigins: readonly string[];
}

export const BOOTSTRAP_RELEASE_VALUES: Readonly<Record<BootstrapRelease, BootstrapReleaseValues>> = {
  // create_realm skips an existing realm and sends no brute-force settings; create_clients POSTs without
  // fullScopeAllowed or post-logout URIs (init-keycloak.sh @ 8c5b834b).
  "1.30": {
    source: "init-keycloak.sh @ 8c5b834b, before #1763",
    bruteForce: null,
    fullScopeAllowed: true,
    postLogoutRedirectUris: false,
    localWebOrigins: [LOCAL_REGISTRY, "+"],
  },
  "1.31": {
    source: "init-keycloak.sh @ 1320f022, release 1.31.0, #1763",
    bruteForce: BOOTSTRAP_BRUTE_FORCE,
    fullScopeAllowed: false,
    postLogoutRedirectUris: true,
    localWebOrigins: [LOCAL_REGISTRY, LOCAL_AUTH_SERVER],
  },
};
