/**
 * Upstream's Keycloak bootstrap run next to a stack that manages the bootstrap, with the real engine, Keycloak and
 * database. After `pulumi up`, the requests of release 1.31.0's init-keycloak.sh (keycloak/setup/init-keycloak.sh
 * @ 1320f022, #1763) are sent as plain admin REST calls with the script's own bodies
 * (test/fixtures/registry/init-keycloak-1320f022/bodies.json): `create_realm`'s PUT over the existing realm,
 * `upsert_client`'s PUTs of both stock clients, and `setup_client_secrets`' regeneration of both secrets. Then
 * `preview` (the project refreshes first) must show exactly what the stack changes back — the web origins this
 * stack sets differently, nothing else — and say, per stock client, that the secret changed and is kept; `up`
 * changes the origins back and leaves Keycloak's new secrets; a last `preview` is silent.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { MongoClient, type Db } from "mongodb";
import { changes, engineStack, type EngineStack } from "../support/engine";
import { programStackConfig, realmRest, type RestAnswer } from "../support/keycloak-admin";
import { FIXTURES } from "../support/paths";
import { makeRepo } from "../support/repo";
import { databaseUri, keycloakUrl } from "../support/services";

const STACK = `e2e-upboot-${process.pid}`;
const REALM = `e2e-upboot-${process.pid}`;
const DB = `mcp_registry_e2e_upboot_${process.pid}`;
const WEB = "mcp-gateway-web";
const M2M = "mcp-gateway-m2m";

type Body = Record<string, unknown>;
const SCRIPT = JSON.parse(
  readFileSync(join(FIXTURES, "registry", "init-keycloak-1320f022", "bodies.json"), "utf8"),
) as {
  environment: { REGISTRY_URL: string; AUTH_SERVER_EXTERNAL_URL: string };
  realm: Body;
  webClient: Body;
  m2mClient: Body;
};
/** The operator's own web origins: narrower than the script's, so the script's PUT changes them. */
const OWN_ORIGINS = [SCRIPT.environment.REGISTRY_URL];

let e2e: EngineStack;
let mongo: MongoClient;
let db: Db;
const logs: string[] = [];
const log = (s: string) => void logs.push(s);

/** One admin REST call under /admin/realms/<realm>, the way the script's curl makes it; fails on an error status. */
const rest = (method: string, path: string, body?: unknown): Promise<RestAnswer> =>
  realmRest(REALM, method, path, body);

async function clientUuid(clientId: string): Promise<string> {
  const [c] = (await rest("GET", `/clients?clientId=${clientId}`)).json as Array<{ id: string }>;
  assert.ok(c, `client ${clientId} exists`);
  return c.id;
}
const clientOf = async (clientId: string) => (await rest("GET", `/clients/${await clientUuid(clientId)}`)).json as Body;
const secretOf = async (clientId: string) =>
  ((await rest("GET", `/clients/${await clientUuid(clientId)}/client-secret`)).json as { value: string }).value;

/**
 * The script's run against this realm: create_realm (the realm exists: PUT), create_clients (both exist: PUT of
 * the whole representation), setup_client_secrets (POST client-secret for each). The realm's name is this test's
 * (the script's is fixed to mcp-gateway: a PUT with another name would rename the realm).
 */
async function runUpstreamBootstrap(): Promise<void> {
  assert.equal((await rest("PUT", "", { ...SCRIPT.realm, realm: REALM })).status, 204);
  for (const [clientId, body] of [
    [WEB, SCRIPT.webClient],
    [M2M, SCRIPT.m2mClient],
  ] as const)
    assert.equal((await rest("PUT", `/clients/${await clientUuid(clientId)}`, body)).status, 204);
  for (const clientId of [WEB, M2M]) await rest("POST", `/clients/${await clientUuid(clientId)}/client-secret`);
}

interface Run {
  /** Resource steps that change something: op, type, resource name, changed properties. */
  steps: Array<{ op: string; type: string; name: string; diffs: string[] }>;
  warnings: string[];
  summary: Record<string, number>;
}

/** A preview or an up, with its steps and warnings from the engine's events. */
async function run(kind: "preview" | "up"): Promise<Run> {
  const steps: Run["steps"] = [];
  const warnings: string[] = [];
  const onEvent = (e: EngineEvent) => {
    if (e.diagnosticEvent?.severity === "warning") warnings.push(e.diagnosticEvent.message);
    const m = e.resourcePreEvent?.metadata;
    // The refresh the project starts every run with (`refresh: always`) and providers are not changes.
    if (!m || ["same", "refresh", "read"].includes(m.op) || m.type.startsWith("pulumi:providers:")) return;
    steps.push({ op: m.op, type: m.type, name: m.urn.split("::").pop()!, diffs: [...(m.diffs ?? [])].sort() });
  };
  if (kind === "preview") {
    const p = await e2e.stack.preview({ onOutput: log, onEvent });
    return { steps, warnings, summary: changes({ resourceChanges: p.changeSummary }) };
  }
  const u = await e2e.stack.up({ onOutput: log, onEvent });
  return { steps, warnings, summary: changes(u.summary) };
}

const secretWarnings = (r: Run) => r.warnings.filter((w) => /is not the one this stack recorded/.test(w));

before(async () => {
  keycloakUrl();
  const uri = databaseUri();
  mongo = await new MongoClient(uri, { retryWrites: false }).connect();
  db = mongo.db(DB);
  const repo = makeRepo({
    "groups/team.yaml": "scope_name: team\n",
    "m2m/bot.yaml": "name: bot\ngroups: [team]\n",
  });
  e2e = await engineStack(
    STACK,
    programStackConfig(REALM, {
      repo,
      database: DB,
      mongodbUri: uri,
      bootstrap: true,
      extra: {
        "mcp-gateway-access:registryUrl": { value: SCRIPT.environment.REGISTRY_URL },
        "mcp-gateway-access:authServerUrl": { value: SCRIPT.environment.AUTH_SERVER_EXTERNAL_URL },
        "mcp-gateway-access:webOrigins": { value: JSON.stringify(OWN_ORIGINS) },
      },
    }),
  );
});

after(async () => {
  if (e2e) {
    // The realm is protected from `destroy`: remove it through the admin API, then the stack.
    await rest("DELETE", "").catch(() => undefined);
    await e2e.cleanup();
  }
  await db?.dropDatabase().catch(() => undefined);
  await mongo?.close();
});

describe("upstream's init-keycloak.sh (1.31.0) next to a bootstrap stack", () => {
  const original: Record<string, string> = {};

  it("applies the bootstrap; its stock clients carry no role scope, an account's client the default", async () => {
    const first = await run("up");
    assert.deepEqual(Object.keys(first.summary), ["create"]);
    assert.deepEqual(secretWarnings(first), [], "a first run has nothing to compare");
    for (const id of [WEB, M2M]) assert.equal((await clientOf(id)).fullScopeAllowed, false, id);
    assert.equal((await clientOf("bot")).fullScopeAllowed, true, "as the registry's user-create-m2m makes it");
    assert.deepEqual((await clientOf(WEB)).webOrigins, OWN_ORIGINS);
    original[WEB] = await secretOf(WEB);
    original[M2M] = await secretOf(M2M);
    const quiet = await run("preview");
    assert.deepEqual(quiet.summary, {}, "a no-op preview");
    assert.deepEqual(secretWarnings(quiet), []);
  });

  it("after the script, preview shows only the web origins to change back and says each new secret", async () => {
    await runUpstreamBootstrap();
    // The script did what 1.31.0's does: the origins are its own, the secrets new.
    assert.deepEqual(
      [...((await clientOf(WEB)).webOrigins as string[])].sort(),
      [...(SCRIPT.webClient.webOrigins as string[])].sort(),
    );
    assert.notEqual(await secretOf(WEB), original[WEB]);
    assert.notEqual(await secretOf(M2M), original[M2M]);

    const p = await run("preview");
    assert.deepEqual(
      p.steps.map((s) => ({ op: s.op, type: s.type, name: s.name, diffs: s.diffs })),
      [{ op: "update", type: "keycloak:openid/client:Client", name: "keycloak-bootstrap-web", diffs: ["webOrigins"] }],
      "the realm, the M2M client and the web client's other settings are already the stack's",
    );
    const said = secretWarnings(p);
    assert.equal(said.length, 2, said.join("\n"));
    for (const [clientId, env] of [
      [WEB, "KEYCLOAK_CLIENT_SECRET"],
      [M2M, "KEYCLOAK_M2M_CLIENT_SECRET"],
    ] as const) {
      const w = said.find((x) => x.includes(`client ${clientId} (realm ${REALM})`));
      assert.ok(w, `a warning names ${clientId}`);
      assert.match(w, /keeps Keycloak's new secret/);
      assert.match(w, new RegExp(env));
      assert.match(w, /pulumi up --refresh/);
    }
  });

  it("up puts the origins back and keeps Keycloak's new secrets; the next preview is silent", async () => {
    const regenerated = { [WEB]: await secretOf(WEB), [M2M]: await secretOf(M2M) };
    const u = await run("up");
    assert.deepEqual(u.summary, { update: 1 });
    assert.deepEqual((await clientOf(WEB)).webOrigins, OWN_ORIGINS);
    assert.equal(await secretOf(WEB), regenerated[WEB], "the web client's new secret is kept");
    assert.equal(await secretOf(M2M), regenerated[M2M], "the M2M client's new secret is kept");
    const outputs = await e2e.stack.outputs();
    const digests = outputs.bootstrapClientSecretDigests?.value as Record<string, string>;
    assert.equal(outputs.bootstrapClientSecretDigests?.secret, false);
    assert.deepEqual(Object.keys(digests).sort(), [M2M, WEB]);
    assert.ok(!JSON.stringify(outputs).includes(regenerated[WEB]!), "no secret in the outputs");
    const last = await run("preview");
    assert.deepEqual(last.summary, {});
    assert.deepEqual(secretWarnings(last), [], "the state recorded the new secrets");
    assert.ok(!logs.join("").includes(regenerated[M2M]!), "no secret in the logs");
  });
});
