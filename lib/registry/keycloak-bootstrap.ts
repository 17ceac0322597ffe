/**
 * What the registry's Keycloak bootstrap writes into the realm and its two stock clients, as release 1.31.0 runs
 * it (PR #1763): keycloak/setup/init-keycloak.sh @ 1320f022 `create_realm` (one `realm_json`, POSTed for a new
 * realm and PUT over an existing one) and `create_clients` (`upsert_client`: POST, or PUT of the whole
 * representation over an existing client). Helm's `keycloak-configure` hook does the same on every install and
 * upgrade. The stack's bootstrap declares these values, so a run of upstream's script rewrites nothing it holds;
 * what an operator sets otherwise (`webRedirectUris`, `webOrigins`) the script puts back, and the next
 * `pulumi preview --refresh` shows the stack changing it again.
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

/** web_client_json's `webOrigins` @ 1320f022: the registry and the two local URLs, no `"+"` (gone with #1763). */
export function bootstrapWebOrigins(registryUrl: string): string[] {
  return [...new Set([registryUrl, LOCAL_REGISTRY, LOCAL_AUTH_SERVER])];
}

/**
 * web_client_json's `attributes."post.logout.redirect.uris"` @ 1320f022 (`<registry>/*##localhost:7860/*##
 * localhost:8888/*`): the redirect URIs that end in `/*`, the callback left out.
 */
export function postLogoutRedirectUris(redirectUris: readonly string[]): string[] {
  return redirectUris.filter((u) => u.endsWith("/*"));
}
