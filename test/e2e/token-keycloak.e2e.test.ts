/**
 * `mcp-access token` against a real Keycloak and real stack outputs: M2M clients set up in a fresh realm the way
 * the Keycloak component declares them (service account, `groups` mapper with full.path false, `mcp-gateway`
 * audience), their credentials exported as secret outputs of a real stack, then tokens fetched, verified
 * against the realm's JWKS and written in the registry's format.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import { enginePath } from "../support/engine";
import { makeRepo } from "../support/repo";
import { keycloakUrl } from "../support/services";
import { REPO_ROOT } from "../support/paths";

const REALM = `tokens-${process.pid}`;
const ACCOUNTS = { "agent-one": ["team-a"], "agent-two": ["team-a", "team-b"] } as const;
const SECRETS: Record<string, string> = {};

let kcUrl: string;
let projectDir: string;
let backendDir: string;
let stack: Stack;
let defs: string;
let env: NodeJS.ProcessEnv;

type Admin = InstanceType<typeof import("@keycloak/keycloak-admin-client").default>;
let admin: Admin;

function cli(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(REPO_ROOT, "bin", "mcp-access.js"), ...args], { env: { ...env, ...extraEnv }, cwd: projectDir }, (err, out, errText) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out, err: errText }),
    );
  });
}

before(async () => {
  kcUrl = keycloakUrl();
  const { default: KcAdminClient } = await import("@keycloak/keycloak-admin-client");
  admin = new KcAdminClient({ baseUrl: kcUrl, realmName: "master" });
  await admin.auth({ grantType: "password", clientId: "admin-cli", username: process.env.KC_BOOTSTRAP_ADMIN_USERNAME ?? "admin", password: process.env.KC_BOOTSTRAP_ADMIN_PASSWORD ?? "admin" });
  await admin.realms.create({ realm: REALM, enabled: true });
  admin.setConfig({ realmName: REALM });
  const groupIds: Record<string, string> = {};
  for (const g of ["team-a", "team-b"]) groupIds[g] = (await admin.groups.create({ name: g })).id;
  for (const [name, groups] of Object.entries(ACCOUNTS)) {
    SECRETS[name] = `secret-${name}-${process.pid}`;
    const { id } = await admin.clients.create({
      clientId: name,
      secret: SECRETS[name],
      publicClient: false,
      serviceAccountsEnabled: true,
      standardFlowEnabled: false,
      directAccessGrantsEnabled: false,
      protocol: "openid-connect",
    });
    await admin.clients.addProtocolMapper({ id }, { name: "groups", protocol: "openid-connect", protocolMapper: "oidc-group-membership-mapper", config: { "full.path": "false", "claim.name": "groups", "access.token.claim": "true", "id.token.claim": "true" } });
    await admin.clients.addProtocolMapper({ id }, { name: "mcp-gateway-audience", protocol: "openid-connect", protocolMapper: "oidc-audience-mapper", config: { "included.custom.audience": "mcp-gateway", "access.token.claim": "true" } });
    const sa = await admin.clients.getServiceAccountUser({ id });
    for (const g of groups) await admin.users.addToGroup({ id: sa.id!, groupId: groupIds[g]! });
  }

  // Real stack outputs, as the Keycloak component exports them (the secret as a secret).
  projectDir = mkdtempSync(join(tmpdir(), "mcp-access-tokens-"));
  backendDir = mkdtempSync(join(tmpdir(), "mcp-access-tokens-state-"));
  process.env.PATH = `${enginePath()}:${process.env.PATH}`;
  env = { ...process.env, PULUMI_BACKEND_URL: `file://${backendDir}`, PULUMI_CONFIG_PASSPHRASE: "tokens-e2e", PULUMI_SKIP_UPDATE_CHECK: "true" };
  const tokenUrl = `${kcUrl}/realms/${REALM}/protocol/openid-connect/token`;
  stack = await LocalWorkspace.createOrSelectStack(
    {
      stackName: "tokens",
      projectName: "tokens-e2e",
      program: async () => ({
        m2m: Object.fromEntries(
          Object.keys(ACCOUNTS).map((name) => [name, { clientId: name, clientSecret: pulumi.secret(SECRETS[name]!), tokenUrl, realm: REALM, keycloakUrl: kcUrl, authProvider: "keycloak" }]),
        ),
        groups: groupIds,
      }),
    },
    { workDir: projectDir, envVars: env as Record<string, string>, secretsProvider: "passphrase" },
  );
  await stack.up({ onOutput: () => undefined });
  defs = makeRepo({
    "groups/a.yaml": "scope_name: team-a\nserver_access:\n  - server: currenttime\n    methods: [tools/call]\n    tools: [now]\n",
    "groups/b.yaml": "scope_name: team-b\n",
    "groups/c.yaml": "scope_name: both\ngroup_mappings: [team-a, team-b]\n",
  });
});

after(async () => {
  await admin?.realms.del({ realm: REALM }).catch(() => undefined);
  if (stack) await stack.workspace.removeStack("tokens", { force: true }).catch(() => undefined);
  for (const d of [projectDir, backendDir]) if (d) rmSync(d, { recursive: true, force: true });
});

describe("mcp-access token against Keycloak", () => {
  it("fetches and verifies tokens for several accounts from the stack outputs", async () => {
    const r = await cli(["token", "--all", "--stack", "tokens", "--dir", defs, "--format", "json"]);
    assert.equal(r.code, 0, r.err);
    const printed = JSON.parse(r.out) as Array<{ name: string; access_token: string; groups: string[]; scopes: string[] }>;
    assert.deepEqual(printed.map((p) => [p.name, p.groups.sort(), p.scopes]), [
      ["agent-one", ["team-a"], ["both", "team-a"]],
      ["agent-two", ["team-a", "team-b"], ["both", "team-a", "team-b"]],
    ]);
    const claims = JSON.parse(Buffer.from(printed[0]!.access_token.split(".")[1]!, "base64url").toString());
    assert.ok([claims.aud].flat().includes("mcp-gateway"), "audience the registry accepts");
    assert.equal(claims.azp, "agent-one");
    assert.match(r.err, /agent-two: new token valid until .* \(keycloak, client agent-two\) → .*agent-agent-two-token\.json\n  groups: team-a, team-b\n  scopes: both, team-a, team-b/);
  });

  it("writes the registry's token file and .env with mode 0600", () => {
    const file = join(projectDir, ".oauth-tokens", "agent-agent-one-token.json");
    const doc = JSON.parse(readFileSync(file, "utf8"));
    assert.deepEqual(Object.keys(doc).slice(0, 12), ["agent_name", "access_token", "token_type", "expires_in", "generated_at", "expires_at", "provider", "keycloak_url", "keycloak_realm", "client_id", "scope", "metadata"]);
    assert.equal(doc.agent_name, "agent-agent-one");
    assert.equal(doc.provider, "keycloak");
    assert.equal(doc.keycloak_realm, REALM);
    assert.equal(doc.scope, "openid email profile");
    assert.deepEqual(doc.metadata, { generated_by: "mcp-access", script_version: "1.0", token_format: "JWT", auth_method: "client_credentials" });
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const envText = readFileSync(join(projectDir, ".oauth-tokens", "agent-agent-one.env"), "utf8");
    assert.match(envText, new RegExp(`export KEYCLOAK_REALM="${REALM}"`));
    assert.match(envText, /export AUTH_PROVIDER="keycloak"/);
  });

  it("reuses the cached token, and fetches a new one when less than --min-ttl is left", async () => {
    const before = JSON.parse(readFileSync(join(projectDir, ".oauth-tokens", "agent-agent-one-token.json"), "utf8")).access_token;
    const cached = await cli(["token", "agent-one", "--stack", "tokens", "--dir", defs, "--format", "raw"]);
    assert.equal(cached.code, 0, cached.err);
    assert.equal(cached.out.trim(), before);
    assert.match(cached.err, /agent-one: cached token/);
    const fresh = await cli(["token", "agent-one", "--stack", "tokens", "--dir", defs, "--format", "raw", "--min-ttl", "3600"]);
    assert.equal(fresh.code, 0, fresh.err);
    assert.notEqual(fresh.out.trim(), before);
    assert.match(fresh.err, /agent-one: new token/);
  });

  it("verifies a fetched token with --verify and maps its groups to scopes", async () => {
    const r = await cli(["token", "--verify", join(projectDir, ".oauth-tokens", "agent-agent-two-token.json"), "--dir", defs]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /valid keycloak token[\s\S]*client agent-two[\s\S]*groups: team-a, team-b\n  scopes: both, team-a, team-b/);
  });

  it("says the secret was rotated when Keycloak refuses it", async () => {
    const outputs = { m2m: structuredClone((await stack.outputs()).m2m!.value) };
    outputs.m2m["agent-one"].clientSecret = "not-the-secret";
    const file = join(projectDir, "outputs.json");
    writeFileSync(file, JSON.stringify(outputs));
    const r = await cli(["token", "agent-one", "--outputs", file, "--out", join(projectDir, "other-tokens")]);
    assert.equal(r.code, 1);
    assert.match(r.err, /agent-one: the identity provider refused the client credentials \(unauthorized_client|invalid_client/);
    assert.match(r.err, /rotated/);
  });

  it("says what to do when the passphrase is wrong or the stack does not exist", async () => {
    const wrong = await cli(["token", "--all", "--stack", "tokens", "--out", join(projectDir, "x")], { PULUMI_CONFIG_PASSPHRASE: "wrong" });
    assert.equal(wrong.code, 1);
    assert.match(wrong.err, /secrets cannot be decrypted: set PULUMI_CONFIG_PASSPHRASE/);
    const missing = await cli(["token", "--all", "--stack", "no-such-stack"]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /stack not found \("no-such-stack"\)/);
  });
});
