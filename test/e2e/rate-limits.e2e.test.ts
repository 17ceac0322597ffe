/**
 * Rate limits and quarantine against the registry itself: `pulumi up` (real engine, Keycloak, FerretDB) writes
 * rate-limits/ and rate_limit_groups as mcp_rate_limits_<ns> / rate_limit_memberships_<ns>; the registry's own auth
 * server (scripts/registry.sh, RATE_LIMITING_ENABLED=true) is asked /validate with real tokens:
 * - the documents are the bytes the registry's own repositories write for the same definitions;
 * - the request after the limit in a window is refused as the registry refuses it (403, rate_limit_exceeded);
 * - a quarantined caller, server and agent are refused (403, quarantined);
 * - what an admin gets (the limiter's bypass needs validation_result["is_admin"], see the README);
 * - after an `up` that changes a limit, the auth server applies the new one once its read cache expires;
 * - `mcp-access import` reads them back into definitions that render the same documents.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { BSON, MongoClient } from "mongodb";
import { run } from "../../cli/main";
import { checkRepository, renderRegistryDocuments } from "../../lib";
import { startAuthServer, type AuthServer } from "../support/auth-server";
import { clientSecret, requestToken, userToken, writeRepo } from "../support/conformance";
import { engineStack, type EngineStack } from "../support/engine";
import { keycloakAdmin, programStackConfig } from "../support/keycloak-admin";
import { databaseUri, keycloakUrl } from "../support/services";

const REALM = `rl-${process.pid}`;
const DB = `mcp_registry_rl_${process.pid}`;
const PORT = 18895;
/**
 * The auth server's read cache of definitions and memberships: RATE_LIMIT_DEFINITIONS_CACHE_TTL_SECONDS, default 30.
 */
const CACHE_TTL = 30;
/** A day-long window: a test never straddles two windows (unless run across midnight UTC: see waitForWindow). */
const WINDOW = 86400;

const GROUP = `scope_name: rl-tools
server_access:
  - server: currenttime
    methods: [initialize, tools/list, tools/call]
    tools: [now]
  - server: fininfo
    methods: [initialize]
    tools: []
  - agent: /flights
    actions: [invoke_agent]
`;
const USER = (name: string, groups: string, extra = "") =>
  `username: ${name}\nemail: ${name}@example.com\nfirst_name: F\nlast_name: L\ngroups: ${groups}\n${extra}`;
const LIMITS = (users: number) => `# yaml-language-server: $schema=../schemas/rate-limits.schema.json
- caller_group: burst
  window_seconds: ${WINDOW}
  user_max_requests: ${users}
  agent_max_requests: 2
- quarantine:
    users: [mallory]
    servers: [fininfo]
    agents: [flights]
`;

const FILES: Record<string, string> = {
  "groups/rl-tools.yaml": GROUP,
  "users/alice.yaml": USER("alice", "[rl-tools]", "rate_limit_groups: [burst]\n"),
  "users/mallory.yaml": USER("mallory", "[rl-tools]"),
  "users/root.yaml": USER("root", "[registry-admins]", "rate_limit_groups: [burst]\n"),
  "m2m/bot.yaml": "name: bot\ngroups: [rl-tools]\nrate_limit_groups: [burst]\n",
  "rate-limits/limits.yaml": LIMITS(3),
};

const INIT = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: {} });

let repo: string;
let e2e: EngineStack;
let auth: AuthServer;
let mongo: MongoClient;
const tokens: Record<string, string> = {};

async function waitForWindow(): Promise<void> {
  const left = WINDOW - (Math.floor(Date.now() / 1000) % WINDOW);
  if (left < 240) await new Promise((r) => setTimeout(r, (left + 2) * 1000));
}

const call = (who: string, path = "/currenttime/mcp") =>
  auth.validate({ token: tokens[who]!, path, body: path.startsWith("/agent/") ? undefined : INIT });

before(async () => {
  await waitForWindow();
  const uri = databaseUri();
  mongo = await new MongoClient(uri).connect();
  repo = writeRepo(FILES);
  const checked = checkRepository(repo, { bootstrap: true });
  assert.deepEqual(checked.errors, []);
  e2e = await engineStack(
    `e2e-rl-${process.pid}`,
    programStackConfig(REALM, { repo, database: DB, mongodbUri: uri, bootstrap: true }),
  );
  await e2e.stack.up({ onOutput: () => undefined });
  const kc = await keycloakAdmin(REALM);
  const web = await clientSecret(kc, "mcp-gateway-web");
  auth = startAuthServer({
    port: PORT,
    keycloakUrl: keycloakUrl(),
    realm: REALM,
    webClientSecret: web,
    m2mClientSecret: await clientSecret(kc, "mcp-gateway-m2m"),
    mongodbUri: uri,
    database: DB,
    env: { RATE_LIMITING_ENABLED: "true" },
  });
  const tokenUrl = `${keycloakUrl()}/realms/${REALM}/protocol/openid-connect/token`;
  for (const u of ["alice", "mallory", "root"]) {
    const t = await userToken(kc, tokenUrl, web, u);
    assert.ok(t.token, `${u}: ${t.refused}`);
    tokens[u] = t.token;
  }
  const bot = await requestToken(tokenUrl, {
    grant_type: "client_credentials",
    client_id: "bot",
    client_secret: await clientSecret(kc, "bot"),
  });
  assert.ok(bot.token, String(bot.refused));
  tokens.bot = bot.token;
});

after(async () => {
  auth?.stop();
  await (await keycloakAdmin(REALM).catch(() => undefined))?.realms.del({ realm: REALM }).catch(() => undefined);
  await e2e?.cleanup();
  await mongo
    ?.db(DB)
    .dropDatabase()
    .catch(() => undefined);
  await mongo?.close();
  if (repo) rmSync(repo, { recursive: true, force: true });
});

describe("rate limits and quarantine, enforced by the registry's auth server", () => {
  it("writes the documents the registry's own repositories write, byte for byte", async () => {
    const docs = renderRegistryDocuments(checkRepository(repo, { bootstrap: true }).model);
    // The registry's DefinitionsRepository / MembershipsRepository upsert the same definitions into namespace "rlref".
    const defs = docs.rate_limits!.map(({ _id, ...d }) => d);
    const members = docs.rate_limit_memberships!.map(({ subject_type, subject, groups }) => ({
      subject_type,
      subject,
      groups,
    }));
    const script = [
      "import asyncio, json, os",
      'os.environ["DOCUMENTDB_NAMESPACE"] = "rlref"',
      "from registry.rate_limiting.models import RateLimitDefinition, RateLimitMembership",
      "from registry.rate_limiting.definitions_repository import DefinitionsRepository",
      "from registry.rate_limiting.memberships_repository import MembershipsRepository",
      "async def main():",
      "    d, m = DefinitionsRepository(), MembershipsRepository()",
      `    for x in json.loads(${JSON.stringify(JSON.stringify(defs))}): await d.upsert(RateLimitDefinition(**x))`,
      `    for x in json.loads(${JSON.stringify(JSON.stringify(members))}): await m.upsert(RateLimitMembership(**x))`,
      "asyncio.run(main())",
    ].join("\n");
    await auth.python(["-c", script]);
    const db = mongo.db(DB);
    for (const [ours, theirs] of [
      ["mcp_rate_limits_default", "mcp_rate_limits_rlref"],
      ["rate_limit_memberships_default", "rate_limit_memberships_rlref"],
    ] as const) {
      const a = await db.collection(ours).find({}).sort({ _id: 1 }).toArray();
      const b = await db.collection(theirs).find({}).sort({ _id: 1 }).toArray();
      assert.equal(a.length, b.length, `${ours}: ${a.length} documents, the registry's ${b.length}`);
      assert.ok(a.length > 0);
      a.forEach((doc, i) => {
        assert.deepEqual(Object.keys(doc), Object.keys(b[i]!), `${String(doc._id)}: field order`);
        assert.deepEqual(
          Buffer.from(BSON.serialize(doc)),
          Buffer.from(BSON.serialize(b[i]!)),
          `${String(doc._id)}: bytes`,
        );
      });
    }
  });

  it(
    "refuses the request after the limit in a window (403 rate_limit_exceeded), for a user and an " + "M2M account",
    async () => {
      for (let i = 0; i < 3; i++) assert.equal((await call("alice")).status, 200, `alice request ${i + 1}`);
      const over = await call("alice");
      assert.equal(over.status, 403);
      assert.deepEqual(JSON.parse(over.detail), {
        error: "rate_limit_exceeded",
        axis: "clr",
        retry_after: JSON.parse(over.detail).retry_after,
      });
      // An M2M account gets the group's agent limit (server.py _resolve_rate_limit_caller: client_credentials token).
      for (let i = 0; i < 2; i++) assert.equal((await call("bot")).status, 200, `bot request ${i + 1}`);
      const botOver = await call("bot");
      assert.equal(botOver.status, 403);
      assert.equal(JSON.parse(botOver.detail).error, "rate_limit_exceeded");
    },
  );

  it("refuses a quarantined caller, a quarantined server and a quarantined agent (403 quarantined)", async () => {
    const m = await call("mallory");
    assert.equal(m.status, 403);
    assert.deepEqual(JSON.parse(m.detail), { error: "quarantined", axis: "clr" });
    const s = await call("bot", "/fininfo/mcp");
    assert.equal(s.status, 403, s.detail);
    assert.deepEqual(JSON.parse(s.detail), { error: "quarantined", axis: "tgt" });
    const a = await call("bot", "/agent/flights");
    assert.equal(a.status, 403, a.detail);
    assert.deepEqual(JSON.parse(a.detail), { error: "quarantined", axis: "tgt" });
  });

  it(
    "an admin: the limiter's bypass is keyed on validation_result is_admin, which /validate never " +
      "sets at 8c5b834b",
    async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await call("root")).status);
      console.log(`admin root, 4 requests with user_max_requests 3: ${statuses.join(", ")}`);
      assert.deepEqual(statuses, [200, 200, 200, 403]);
    },
  );

  it("applies a changed limit after `up` once the auth server's read cache expires (30 s by default)", async () => {
    // Let every cached read expire, then read the limit again: the cache holds it for CACHE_TTL from now.
    await new Promise((r) => setTimeout(r, (CACHE_TTL + 1) * 1000));
    assert.equal((await call("alice")).status, 403, "alice has used 3 of 3");
    const primed = Date.now();
    // Raise it to 5.
    writeFileSync(join(repo, "rate-limits", "limits.yaml"), LIMITS(5));
    await e2e.stack.up({ onOutput: () => undefined });
    const upDone = (Date.now() - primed) / 1000;
    const stored = await mongo
      .db(DB)
      .collection("mcp_rate_limits_default")
      .findOne({ _id: `caller:group:burst:${WINDOW}` as never });
    assert.equal(stored!.user_max_requests, 5);
    let applied = -1;
    while (Date.now() - primed < (CACHE_TTL + 15) * 1000) {
      if ((await call("alice")).status === 200) {
        applied = (Date.now() - primed) / 1000;
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    console.log(
      `up finished ${upDone} s after the limit was read; the new limit applied ${applied} s after ` +
        `it was read (cache TTL ${CACHE_TTL} s)`,
    );
    assert.ok(applied >= 0, "the new limit was never applied");
    assert.ok(applied <= CACHE_TTL + 3, `applied ${applied} s after the read`);
    if (upDone < CACHE_TTL - 2)
      assert.ok(applied >= CACHE_TTL - 1, `the cached limit held until the TTL ran out (applied after ${applied} s)`);
    assert.equal((await call("alice")).status, 200, "the 5th request");
    assert.equal((await call("alice")).status, 403, "the 6th request");
  });

  it("import reads them back from the running registry into definitions that render the same documents", async () => {
    const out = mkdtempSync(join(tmpdir(), "mcp-access-rl-import-"));
    try {
      process.env.KEYCLOAK_USER ??= process.env.KC_BOOTSTRAP_ADMIN_USERNAME ?? "admin";
      process.env.KEYCLOAK_PASSWORD ??= process.env.KC_BOOTSTRAP_ADMIN_PASSWORD ?? "admin";
      const lines: string[] = [];
      const code = await run(
        [
          "import",
          "--keycloak-url",
          keycloakUrl(),
          "--realm",
          REALM,
          "--mongodb",
          databaseUri(),
          "--database",
          DB,
          "--out",
          out,
        ],
        { out: (x) => lines.push(x), err: (x) => lines.push(x) },
      );
      assert.equal(code, 0, lines.join("\n").slice(-4000));
      const imported = checkRepository(out, { existingGroups: ["registry-admins"] });
      assert.deepEqual(imported.errors, []);
      const want = renderRegistryDocuments(checkRepository(repo, { bootstrap: true }).model);
      const got = renderRegistryDocuments(imported.model);
      assert.deepEqual(got.rate_limits, want.rate_limits);
      assert.deepEqual(got.rate_limit_memberships, want.rate_limit_memberships);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
