/**
 * `mcp-access token` against a real Keycloak and real stack outputs: the M2M clients are the ones `pulumi up` of
 * this repository's program creates (service account, `groups` mapper with full.path false, `mcp-gateway`
 * audience), their credentials read from the stack's secret outputs; tokens are fetched, verified against the
 * realm's JWKS and written in the registry's format.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { MongoClient } from "mongodb";
import { engineStack, type EngineStack } from "../support/engine";
import { keycloakAdmin, programStackConfig } from "../support/keycloak-admin";
import { makeRepo } from "../support/repo";
import { databaseUri } from "../support/services";
import { REPO_ROOT } from "../support/paths";
import { binCli, type CliRun } from "../support/cli";

const REALM = `tokens-${process.pid}`;
const STACK = `e2e-tokens-${process.pid}`;
const DB = `mcp_registry_e2e_tokens_${process.pid}`;

let projectDir: string;
let defs: string;
let e2e: EngineStack;
let tokens: string;

function cli(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  // The project (Pulumi.yaml) is this repository; token files go to the test's own folder.
  const all = [
    ...args,
    ...(args.includes("--stack") ? ["--cwd", REPO_ROOT] : []),
    ...(args.includes("--out") || args.includes("--verify") ? [] : ["--out", tokens]),
  ];
  return binCli(all, { ...e2e.env, ...extraEnv }, projectDir);
}

before(async () => {
  const uri = databaseUri();
  projectDir = mkdtempSync(join(tmpdir(), "mcp-access-tokens-"));
  tokens = join(projectDir, ".oauth-tokens");
  defs = makeRepo({
    "groups/a.yaml":
      "scope_name: team-a\nserver_access:\n  - server: currenttime\n    methods: [tools/call]\n    tools: [now]\n",
    "groups/b.yaml": "scope_name: team-b\n",
    "groups/c.yaml": "scope_name: both\ngroup_mappings: [team-a, team-b]\n",
    "m2m/one.yaml": "name: agent-one\ngroups: [team-a]\n",
    "m2m/two.yaml": "name: agent-two\ngroups: [team-a, team-b]\n",
  });
  e2e = await engineStack(
    STACK,
    programStackConfig(REALM, { repo: defs, database: DB, mongodbUri: uri, bootstrap: true }),
  );
  await e2e.stack.up({ onOutput: () => undefined });
});

after(async () => {
  await (await keycloakAdmin(REALM).catch(() => undefined))?.realms.del({ realm: REALM }).catch(() => undefined);
  if (e2e) await e2e.cleanup();
  const mongo = await new MongoClient(databaseUri()).connect();
  await mongo
    .db(DB)
    .dropDatabase()
    .catch(() => undefined);
  await mongo.close();
  if (projectDir) rmSync(projectDir, { recursive: true, force: true });
});

describe("mcp-access token against Keycloak", () => {
  it("fetches and verifies tokens for several accounts from the stack outputs", async () => {
    const r = await cli(["token", "--all", "--stack", STACK, "--dir", defs, "--format", "json"]);
    assert.equal(r.code, 0, r.err);
    const printed = JSON.parse(r.out) as Array<{
      name: string;
      access_token: string;
      groups: string[];
      scopes: string[];
    }>;
    assert.deepEqual(
      printed.map((p) => [p.name, p.groups.sort(), p.scopes]),
      [
        ["agent-one", ["team-a"], ["both", "team-a"]],
        ["agent-two", ["team-a", "team-b"], ["both", "team-a", "team-b"]],
      ],
    );
    const claims = JSON.parse(Buffer.from(printed[0]!.access_token.split(".")[1]!, "base64url").toString());
    assert.ok([claims.aud].flat().includes("mcp-gateway"), "audience the registry accepts");
    assert.equal(claims.azp, "agent-one");
    assert.match(
      r.err,
      new RegExp(
        String.raw`agent-two: new token valid until .* \(keycloak, client agent-two\) → .` +
          String.raw`*agent-agent-two-token\.json\n  groups: team-a, team-b\n  scopes: both` +
          String.raw`, team-a, team-b`,
      ),
    );
  });

  it("writes the registry's token file and .env with mode 0600", () => {
    const file = join(tokens, "agent-agent-one-token.json");
    const doc = JSON.parse(readFileSync(file, "utf8"));
    assert.deepEqual(Object.keys(doc).slice(0, 12), [
      "agent_name",
      "access_token",
      "token_type",
      "expires_in",
      "generated_at",
      "expires_at",
      "provider",
      "keycloak_url",
      "keycloak_realm",
      "client_id",
      "scope",
      "metadata",
    ]);
    assert.equal(doc.agent_name, "agent-agent-one");
    assert.equal(doc.provider, "keycloak");
    assert.equal(doc.keycloak_realm, REALM);
    assert.equal(doc.scope, "openid email profile");
    assert.deepEqual(doc.metadata, {
      generated_by: "mcp-access",
      script_version: "1.0",
      token_format: "JWT",
      auth_method: "client_credentials",
    });
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const envText = readFileSync(join(tokens, "agent-agent-one.env"), "utf8");
    assert.match(envText, new RegExp(`export KEYCLOAK_REALM="${REALM}"`));
    assert.match(envText, /export AUTH_PROVIDER="keycloak"/);
  });

  it("reuses the cached token, and fetches a new one when less than --min-ttl is left", async () => {
    const before = JSON.parse(readFileSync(join(tokens, "agent-agent-one-token.json"), "utf8")).access_token;
    const cached = await cli(["token", "agent-one", "--stack", STACK, "--dir", defs, "--format", "raw"]);
    assert.equal(cached.code, 0, cached.err);
    assert.equal(cached.out.trim(), before);
    assert.match(cached.err, /agent-one: cached token/);
    const fresh = await cli([
      "token",
      "agent-one",
      "--stack",
      STACK,
      "--dir",
      defs,
      "--format",
      "raw",
      "--min-ttl",
      "3600",
    ]);
    assert.equal(fresh.code, 0, fresh.err);
    assert.notEqual(fresh.out.trim(), before);
    assert.match(fresh.err, /agent-one: new token/);
  });

  it("verifies a fetched token with --verify against the stack's realm and maps its groups to scopes", async () => {
    const r = await cli([
      "token",
      "--verify",
      join(tokens, "agent-agent-two-token.json"),
      "--stack",
      STACK,
      "--dir",
      defs,
    ]);
    assert.equal(r.code, 0, r.err);
    assert.match(
      r.out,
      /valid keycloak token[\s\S]*client agent-two[\s\S]*groups: team-a, team-b\n  scopes: both, team-a, team-b/,
    );
  });

  it("says the secret was rotated when Keycloak refuses it", async () => {
    const outputs = { m2m: structuredClone((await e2e.stack.outputs()).m2m!.value) };
    outputs.m2m["agent-one"].clientSecret = "not-the-secret";
    const file = join(projectDir, "outputs.json");
    writeFileSync(file, JSON.stringify(outputs));
    const r = await cli(["token", "agent-one", "--outputs", file, "--out", join(projectDir, "other-tokens")]);
    assert.equal(r.code, 1);
    assert.match(
      r.err,
      /agent-one: the identity provider refused the client credentials \(unauthorized_client|invalid_client/,
    );
    assert.match(r.err, /rotated/);
  });

  it("says what to do when the passphrase is wrong or the stack does not exist", async () => {
    const wrong = await cli(["token", "--all", "--stack", STACK, "--out", join(projectDir, "x")], {
      PULUMI_CONFIG_PASSPHRASE: "wrong",
    });
    assert.equal(wrong.code, 1);
    assert.match(wrong.err, /secrets cannot be decrypted: set PULUMI_CONFIG_PASSPHRASE/);
    const missing = await cli(["token", "--all", "--stack", "no-such-stack"]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /stack not found \("no-such-stack"\)/);
  });
});
