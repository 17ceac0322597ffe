/**
 * The bootstrap declares what the init-keycloak.sh of its `bootstrapRelease` writes into the realm and its two
 * stock clients (test/fixtures/registry/init-keycloak-<revision>/bodies.json, the scripts' bodies), field by field
 * in the provider's names: 1.31 what release 1.31.0's script PUTs over them (so a run of it changes nothing the
 * stack holds), 1.30 what 8c5b834b's script POSTs once (so a realm it made is adopted unchanged).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import {
  bootstrapWebOrigins,
  bootstrapWebRedirectUris,
  checkRepository,
  keycloakBootstrapPlan,
  planIdentity,
  type BootstrapRelease,
} from "../../../../lib";
import type { KeycloakAdoption } from "../../../../components/keycloak/adoption";
import { KeycloakAccess } from "../../../../components/keycloak/access";
import { declared, declaredOptions, recordOptions, settled, useMocks } from "../../../support/mocks";
import { FIXTURES } from "../../../support/paths";
import { makeRepo } from "../../../support/repo";

before(() => useMocks());

type Body = Record<string, unknown>;
interface Bodies {
  environment: { REGISTRY_URL?: string; AUTH_SERVER_EXTERNAL_URL?: string };
  realm: Body;
  webClient: Body;
  m2mClient: Body;
  adminGroups: string[];
}
const bodies = (revision: string) =>
  JSON.parse(readFileSync(join(FIXTURES, "registry", `init-keycloak-${revision}`, "bodies.json"), "utf8")) as Bodies;
const SCRIPT = bodies("1320f022");
/** The script before #1763, which `bootstrapRelease: 1.30` declares. */
const SCRIPT_130 = bodies("8c5b834b");

interface Declaration {
  release?: BootstrapRelease;
  script?: Bodies;
  /** The admin's groups (bootstrapAdminGroups). */
  adminGroups?: string[];
  audienceMapper?: boolean;
  adoption?: KeycloakAdoption;
  adminPassword?: string;
  adminNames?: { firstName: string; lastName: string };
}

/** The stack's bootstrap with the script's environment: declared inputs by resource name. */
async function bootstrapInputs(d: Declaration = {}): Promise<Map<string, Body>> {
  const script = d.script ?? SCRIPT;
  const { REGISTRY_URL = "http://localhost:7860", AUTH_SERVER_EXTERNAL_URL = "http://localhost:8888" } =
    script.environment;
  const options = { bootstrap: true, ...(d.adminGroups ? { bootstrapAdminGroups: d.adminGroups } : {}) };
  const repo = checkRepository(makeRepo({ "groups/g.yaml": "scope_name: tools-users\n" }), options);
  assert.deepEqual(repo.errors, []);
  declared.length = 0;
  declaredOptions.clear();
  const audience = { audienceMapper: d.audienceMapper ?? true };
  new KeycloakAccess(
    "kc",
    {
      plan: planIdentity(repo.model, { idp: "keycloak", ...audience }),
      realm: "mcp-gateway",
      keycloakUrl: "https://kc.example.com",
      adoption: d.adoption,
      bootstrap: {
        webRedirectUris: bootstrapWebRedirectUris(REGISTRY_URL, AUTH_SERVER_EXTERNAL_URL),
        webOrigins: bootstrapWebOrigins(REGISTRY_URL, d.release),
        release: d.release,
        names: keycloakBootstrapPlan({ username: "admin", groups: repo.model.bootstrapAdmin?.groups }, audience),
        adminEmail: "admin@example.com",
        ...(d.adminPassword ? { adminPassword: pulumi.output(d.adminPassword) } : {}),
        ...(d.adminNames ? { adminNames: d.adminNames } : {}),
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

/**
 * The declared realm's fields in the names of the script's `realm_json`: the provider turns `bruteForceProtected` on
 * with its block, and names `failureFactor` `maxLoginFailures`.
 */
function asRealmBody(realm: Body): Body {
  const detection = (realm.securityDefenses as { bruteForceDetection?: Body } | undefined)?.bruteForceDetection;
  return {
    realm: realm.realm,
    enabled: realm.enabled,
    registrationAllowed: realm.registrationAllowed,
    loginWithEmailAllowed: realm.loginWithEmailAllowed,
    duplicateEmailsAllowed: realm.duplicateEmailsAllowed,
    resetPasswordAllowed: realm.resetPasswordAllowed,
    editUsernameAllowed: realm.editUsernameAllowed,
    ...(detection
      ? {
          bruteForceProtected: true,
          failureFactor: detection.maxLoginFailures,
          waitIncrementSeconds: detection.waitIncrementSeconds,
          maxFailureWaitSeconds: detection.maxFailureWaitSeconds,
          permanentLockout: detection.permanentLockout,
        }
      : {}),
  };
}

describe("the Keycloak bootstrap, as release 1.31.0's init-keycloak.sh writes it (#1763)", () => {
  it("declares the realm's login settings and brute-force detection the script PUTs", async () => {
    const realm = (await bootstrapInputs()).get("kc-bootstrap-realm")!;
    assert.deepEqual(asRealmBody(realm), SCRIPT.realm);
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

describe("the Keycloak bootstrap with bootstrapRelease 1.30, as 8c5b834b's init-keycloak.sh made it", () => {
  const release = "1.30";
  const upstream = {
    release,
    script: SCRIPT_130,
    adminGroups: SCRIPT_130.adminGroups,
    audienceMapper: false,
  } as const;

  it("declares the realm's login settings and no brute-force detection, which it leaves to Keycloak", async () => {
    const realm = (await bootstrapInputs(upstream)).get("kc-bootstrap-realm")!;
    assert.deepEqual(asRealmBody(realm), SCRIPT_130.realm);
    assert.deepEqual(declaredOptions.get("kc-bootstrap-realm")?.ignoreChanges, [
      "defaultSignatureAlgorithm",
      "securityDefenses",
    ]);
  });

  it("declares both stock clients as the script POSTs them: Keycloak's default full scope, the + origin", async () => {
    const inputs = await bootstrapInputs(upstream);
    const web = inputs.get("kc-bootstrap-web")!;
    const m2m = inputs.get("kc-bootstrap-m2m")!;
    // The script sends no fullScopeAllowed: Keycloak's default, true.
    assert.deepEqual(asRepresentation(web), scriptBody({ ...SCRIPT_130.webClient, fullScopeAllowed: true }));
    assert.deepEqual(asRepresentation(m2m), scriptBody({ ...SCRIPT_130.m2mClient, fullScopeAllowed: true }));
    assert.ok(!("validPostLogoutRedirectUris" in web), "no post-logout URIs: the script sets none");
  });

  it("leaves the M2M client's description alone and gives it no audience mapper of its own", async () => {
    const inputs = await bootstrapInputs(upstream);
    assert.ok(!("description" in inputs.get("kc-bootstrap-m2m")!), "neither script sets one");
    assert.deepEqual(declaredOptions.get("kc-bootstrap-m2m")?.ignoreChanges, ["useRefreshTokens", "description"]);
    const mappers = declared.filter((x) => x.name.startsWith("kc-bootstrap-m2m-")).map((x) => x.name);
    assert.deepEqual(mappers, ["kc-bootstrap-m2m-groups"]);
  });

  it("puts the admin in the groups the script gave it, looked up, and still creates registry-admins", async () => {
    const inputs = await bootstrapInputs(upstream);
    assert.deepEqual(inputs.get("kc-bootstrap-admin-groups")?.groupIds, [...SCRIPT_130.adminGroups].sort());
    assert.equal(inputs.get("kc-bootstrap-registry-admins")?.name, "registry-admins");
  });

  it("an adopted admin keeps its own password: none is generated, set or output", async () => {
    const adoption: KeycloakAdoption = {
      groups: {},
      users: { admin: "mcp-gateway/u-1" },
      clients: {},
      mappers: {},
      userGroups: { "user:admin": "mcp-gateway/u-1" },
      keepPasswords: ["admin"],
    };
    const inputs = await bootstrapInputs({ ...upstream, adoption, adminPassword: "Configured-1" });
    assert.ok(!("initialPassword" in inputs.get("kc-bootstrap-admin")!));
    assert.ok(!declared.some((x) => x.name === "kc-bootstrap-admin-password"), "no generated password");
    assert.equal(declared.find((x) => x.name === "kc-bootstrap-admin-groups")?.importId, "mcp-gateway/u-1");
  });

  it("declares the admin's names from the settings, upstream's Admin User by default", async () => {
    assert.equal((await bootstrapInputs(upstream)).get("kc-bootstrap-admin")?.firstName, "Admin");
    const named = await bootstrapInputs({ ...upstream, adminNames: { firstName: "Ada", lastName: "Ops" } });
    const admin = named.get("kc-bootstrap-admin")!;
    assert.deepEqual([admin.firstName, admin.lastName], ["Ada", "Ops"]);
  });

  it("an admin the stack creates gets a generated initial password", async () => {
    const inputs = await bootstrapInputs(upstream);
    assert.deepEqual(inputs.get("kc-bootstrap-admin")?.initialPassword, {
      value: "generated-kc-bootstrap-admin-password",
      temporary: true,
    });
  });
});
