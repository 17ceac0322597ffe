/**
 * The bootstrap declares what release 1.31.0's init-keycloak.sh PUTs over the realm and its two stock clients
 * (test/fixtures/registry/init-keycloak-1320f022/bodies.json, the script's bodies), field by field in the
 * provider's names, so a run of the script changes nothing the stack holds.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import {
  bootstrapWebOrigins,
  bootstrapWebRedirectUris,
  checkRepository,
  keycloakBootstrapPlan,
  planIdentity,
} from "../../../../lib";
import { KeycloakAccess } from "../../../../components/keycloak/access";
import { declared, declaredOptions, recordOptions, settled, useMocks } from "../../../support/mocks";
import { FIXTURES } from "../../../support/paths";
import { makeRepo } from "../../../support/repo";

before(() => useMocks());

type Body = Record<string, unknown>;
const SCRIPT = JSON.parse(
  readFileSync(join(FIXTURES, "registry", "init-keycloak-1320f022", "bodies.json"), "utf8"),
) as {
  environment: { REGISTRY_URL: string; AUTH_SERVER_EXTERNAL_URL: string };
  realm: Body;
  webClient: Body;
  m2mClient: Body;
};

/** The stack's bootstrap with the script's environment: declared inputs by resource name. */
async function bootstrapInputs(): Promise<Map<string, Body>> {
  const { REGISTRY_URL, AUTH_SERVER_EXTERNAL_URL } = SCRIPT.environment;
  const repo = checkRepository(makeRepo({ "groups/g.yaml": "scope_name: tools-users\n" }), { bootstrap: true });
  assert.deepEqual(repo.errors, []);
  declared.length = 0;
  declaredOptions.clear();
  new KeycloakAccess(
    "kc",
    {
      plan: planIdentity(repo.model, { idp: "keycloak" }),
      realm: "mcp-gateway",
      keycloakUrl: "https://kc.example.com",
      bootstrap: {
        webRedirectUris: bootstrapWebRedirectUris(REGISTRY_URL, AUTH_SERVER_EXTERNAL_URL),
        webOrigins: bootstrapWebOrigins(REGISTRY_URL),
        names: keycloakBootstrapPlan("admin"),
        adminEmail: "admin@example.com",
      },
    },
    { transformations: [recordOptions] },
  );
  await settled();
  return new Map(declared.filter((d) => d.custom).map((d) => [d.name, d.inputs]));
}

/** A set of strings as Keycloak holds it. */
const asSet = (v: unknown) => [...new Set(v as string[])].sort();

/** The fields of a client representation the script sends, as the stack's declared client gives them. */
function asRepresentation(c: Body): Body {
  return {
    clientId: c.clientId,
    name: c.name,
    // Not set by the stack: the provider's defaults, which are the script's values.
    enabled: c.enabled ?? true,
    clientAuthenticatorType: c.clientAuthenticatorType ?? "client-secret",
    protocol: "openid-connect",
    publicClient: c.accessType === "PUBLIC",
    standardFlowEnabled: c.standardFlowEnabled,
    implicitFlowEnabled: c.implicitFlowEnabled,
    directAccessGrantsEnabled: c.directAccessGrantsEnabled,
    serviceAccountsEnabled: c.serviceAccountsEnabled,
    fullScopeAllowed: c.fullScopeAllowed,
    ...(c.validRedirectUris ? { redirectUris: asSet(c.validRedirectUris) } : {}),
    ...(c.webOrigins ? { webOrigins: asSet(c.webOrigins) } : {}),
    ...(c.validPostLogoutRedirectUris
      ? { attributes: { "post.logout.redirect.uris": asSet(c.validPostLogoutRedirectUris) } }
      : {}),
  };
}

/** The script's body with its lists as sets (Keycloak keeps sets; the attribute is `##`-joined). */
function scriptBody(b: Body): Body {
  const out: Body = { ...b };
  for (const k of ["redirectUris", "webOrigins"]) if (out[k]) out[k] = asSet(out[k]);
  const attrs = out.attributes as Record<string, string> | undefined;
  if (attrs) out.attributes = { "post.logout.redirect.uris": asSet(attrs["post.logout.redirect.uris"]!.split("##")) };
  return out;
}

describe("the Keycloak bootstrap, as release 1.31.0's init-keycloak.sh writes it (#1763)", () => {
  it("declares the realm's login settings and brute-force detection the script PUTs", async () => {
    const realm = (await bootstrapInputs()).get("kc-bootstrap-realm")!;
    const detection = (realm.securityDefenses as { bruteForceDetection?: Body }).bruteForceDetection;
    const declaredRealm: Body = {
      realm: realm.realm,
      enabled: realm.enabled,
      registrationAllowed: realm.registrationAllowed,
      loginWithEmailAllowed: realm.loginWithEmailAllowed,
      duplicateEmailsAllowed: realm.duplicateEmailsAllowed,
      resetPasswordAllowed: realm.resetPasswordAllowed,
      editUsernameAllowed: realm.editUsernameAllowed,
      // The provider turns bruteForceProtected on with the block, and names failureFactor maxLoginFailures.
      bruteForceProtected: detection !== undefined,
      failureFactor: detection?.maxLoginFailures,
      waitIncrementSeconds: detection?.waitIncrementSeconds,
      maxFailureWaitSeconds: detection?.maxFailureWaitSeconds,
      permanentLockout: detection?.permanentLockout,
    };
    assert.deepEqual(declaredRealm, SCRIPT.realm);
  });

  it("leaves to Keycloak what neither script sets: the signature algorithm, the web client's refresh", async () => {
    await bootstrapInputs();
    // An adopted realm keeps its RS256 and an adopted client its unset `use.refresh.tokens` (no update shown).
    assert.deepEqual(declaredOptions.get("kc-bootstrap-realm")?.ignoreChanges, ["defaultSignatureAlgorithm"]);
    assert.deepEqual(declaredOptions.get("kc-bootstrap-web")?.ignoreChanges, ["useRefreshTokens"]);
  });

  it("declares both stock clients as the script upserts them, and never their secrets", async () => {
    const inputs = await bootstrapInputs();
    const web = inputs.get("kc-bootstrap-web")!;
    const m2m = inputs.get("kc-bootstrap-m2m")!;
    assert.deepEqual(asRepresentation(web), scriptBody(SCRIPT.webClient));
    assert.deepEqual(asRepresentation(m2m), scriptBody(SCRIPT.m2mClient));
    assert.ok(!("clientSecret" in web) && !("clientSecret" in m2m), "their secrets are Keycloak's");
    assert.ok(!asSet(web.webOrigins).includes("+"), 'no "+" origin');
  });

  it("keeps the script's local URLs once when the registry is local (Keycloak keeps a set)", () => {
    const local = bootstrapWebRedirectUris("http://localhost:7860", "http://localhost:8888");
    assert.deepEqual(local, [
      "http://localhost:8888/oauth2/callback/keycloak",
      "http://localhost:7860/*",
      "http://localhost:8888/*",
    ]);
    assert.deepEqual(bootstrapWebOrigins("http://localhost:7860"), ["http://localhost:7860", "http://localhost:8888"]);
  });
});
