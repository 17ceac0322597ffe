/**
 * `mcp-access import` against a registry made by the registry's own tools, with the real engine, Keycloak and
 * database: a realm seeded with admin REST calls shaped like `registry_management.py`'s (user-create-human,
 * user-create-m2m, import-group, through keycloak_manager.py's requests) and documents shaped like
 * `import_group`'s (one edited later "by the UI"); then import, validate, `pulumi up`: nothing changes, the M2M
 * secret that worked before still gets a token, passwords and created_at stay; a later one-file edit changes
 * exactly that object.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { MongoClient, type Db } from "mongodb";
import { engineStack, type EngineStack } from "../support/engine";
import { KC_ADMIN, keycloakAdmin, programStackConfig, realmRest, type RestAnswer } from "../support/keycloak-admin";
import { REPO_ROOT } from "../support/paths";
import { makeRepo } from "../support/repo";
import { databaseUri, keycloakUrl } from "../support/services";
import { binCli, type CliRun } from "../support/cli";

const STACK = `e2e-import-${process.pid}`;
const REALM = `e2e-import-${process.pid}`;
const DB = `mcp_registry_e2e_import_${process.pid}`;
const NS = "imp";
const SCOPES = `mcp_scopes_${NS}`;
const BOB_PASSWORD = "Bob-password-1";

let e2e: EngineStack;
let mongo: MongoClient;
let db: Db;
let out: string;
const logs: string[] = [];
const log = (s: string) => void logs.push(s);

const rest = (method: string, path: string, body?: unknown): Promise<RestAnswer> =>
  realmRest(REALM, method, path, body);

const idFrom = (location: string | null) => location!.split("/").pop()!;

async function groupIds(): Promise<Map<string, string>> {
  const groups = (await rest("GET", "/groups")).json as Array<{ name: string; id: string }>;
  return new Map(groups.map((g) => [g.name, g.id]));
}

/** `create_group`: POST /groups with the description attribute. */
async function createGroup(name: string, description: string): Promise<void> {
  await rest("POST", "/groups", { name, attributes: { description: description ? [description] : [] } });
}

/** `create_human_user_account`: POST /users, reset-password (not temporary), join groups by name. */
async function createHuman(
  username: string,
  first: string,
  last: string,
  groups: string[],
  password?: string,
): Promise<void> {
  const created = await rest("POST", "/users", {
    username,
    email: `${username}@example.com`,
    firstName: first,
    lastName: last,
    enabled: true,
    emailVerified: false,
  });
  const id = idFrom(created.location);
  if (password)
    await rest("PUT", `/users/${id}/reset-password`, { type: "password", value: password, temporary: false });
  const ids = await groupIds();
  for (const g of groups) await rest("PUT", `/users/${id}/groups/${ids.get(g)}`);
}

/**
 * `create_service_account_client`: the client, its groups mapper, its service account's groups; then the IAM API's
 * record.
 */
async function createM2M(name: string, groups: string[], description: string | null): Promise<void> {
  const created = await rest("POST", "/clients", {
    clientId: name,
    name,
    description: description ?? `Service account for ${name}`,
    enabled: true,
    clientAuthenticatorType: "client-secret",
    serviceAccountsEnabled: true,
    standardFlowEnabled: false,
    directAccessGrantsEnabled: false,
    publicClient: false,
    bearerOnly: false,
    protocol: "openid-connect",
  });
  const uuid = idFrom(created.location);
  await rest("POST", `/clients/${uuid}/protocol-mappers/models`, {
    name: "groups",
    protocol: "openid-connect",
    protocolMapper: "oidc-group-membership-mapper",
    consentRequired: false,
    config: {
      "full.path": "false",
      "id.token.claim": "true",
      "access.token.claim": "true",
      "claim.name": "groups",
      "userinfo.token.claim": "true",
    },
  });
  const sa = (await rest("GET", `/clients/${uuid}/service-account-user`)).json as { id: string };
  const ids = await groupIds();
  for (const g of groups) await rest("PUT", `/users/${sa.id}/groups/${ids.get(g)}`);
  const now = new Date();
  await db.collection("idp_m2m_clients").insertOne({
    client_id: name,
    name,
    description,
    groups,
    enabled: true,
    provider: "keycloak",
    idp_app_id: name,
    created_at: now,
    updated_at: now,
  });
}

async function clientSecret(clientId: string): Promise<string> {
  const [c] = (await rest("GET", `/clients?clientId=${clientId}`)).json as Array<{ id: string }>;
  return ((await rest("GET", `/clients/${c!.id}/client-secret`)).json as { value: string }).value;
}

async function token(params: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(`${keycloakUrl()}/realms/${REALM}/protocol/openid-connect/token`, {
    method: "POST",
    body: new URLSearchParams(params),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

const cli = (args: string[], env: Record<string, string> = {}): Promise<CliRun> => binCli(args, env);

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
}

/** Every resource step of a run: `op` per URN (same steps left out). */
async function upSteps(): Promise<Array<{ op: string; type: string; urn: string; diffs?: string[] }>> {
  const steps: Array<{ op: string; type: string; urn: string; diffs?: string[] }> = [];
  const onEvent = (e: EngineEvent) => {
    const m = e.resOutputsEvent?.metadata;
    // Providers and the refresh every run starts with (`refresh: always`) are not changes.
    if (!m || m.op === "same" || m.op === "refresh" || m.type.startsWith("pulumi:providers:")) return;
    steps.push({ op: m.op, type: m.type, urn: m.urn, ...(m.diffs?.length ? { diffs: m.diffs } : {}) });
  };
  await e2e.stack.up({ onOutput: log, onEvent });
  return steps;
}

const RECORD_TYPES = [
  "pulumi-nodejs:dynamic/mcp-gateway-access:ScopeDocument",
  "pulumi-nodejs:dynamic/mcp-gateway-access:M2MClientRecord",
];
const isComponent = (type: string) => type === "pulumi:pulumi:Stack" || /^mcp-gateway-access:[a-z]+:/.test(type);

const docsBefore = new Map<string, Record<string, unknown>>();
let botOneSecret = "";

before(async () => {
  keycloakUrl();
  const uri = databaseUri();
  mongo = await new MongoClient(uri, { retryWrites: false }).connect();
  db = mongo.db(DB);

  // The realm as the registry's setup leaves it (realm only; the registry's own clients are not needed here).
  const admin = await keycloakAdmin("master");
  await admin.realms.create({ realm: REALM, enabled: true });
  await rest("POST", "/clients", {
    clientId: "mcp-gateway-web",
    name: "MCP Gateway Web Client",
    publicClient: false,
    standardFlowEnabled: true,
    directAccessGrantsEnabled: true,
    serviceAccountsEnabled: false,
    redirectUris: ["http://localhost:7860/*"],
  });

  // import-group: the IdP group, then the scope document (a full replace with timestamps).
  const created = new Date(Date.now() - 86_400_000);
  for (const [name, description, serverAccess, ui] of [
    [
      "team-a",
      "Team A",
      [
        {
          server: "currenttime",
          methods: ["initialize", "tools/list", "tools/call"],
          tools: ["current_time_by_timezone"],
        },
      ],
      { list_service: ["currenttime"] },
    ],
    ["team-b", "Team B", [{ server: "fininfo", methods: ["initialize", "tools/list"] }], { list_service: [] }],
  ] as const) {
    await createGroup(name, description);
    await db.collection(SCOPES).replaceOne(
      { _id: name as unknown as never },
      {
        scope_type: "group",
        description,
        server_access: serverAccess,
        group_mappings: [name],
        ui_permissions: ui,
        agent_access: [],
        is_idp_managed: true,
        created_at: created,
        updated_at: created,
      },
      { upsert: true },
    );
  }
  // "By the UI": add_server_scope pushes a grouped rule and bumps updated_at.
  await db.collection(SCOPES).updateOne(
    { _id: "team-b" as unknown as never },
    {
      $push: {
        server_access: {
          scope_name: "team-b",
          access_rules: [
            { server: "sre-gateway", methods: ["initialize", "tools/list", "tools/call"], tools: ["get_incidents"] },
          ],
        },
      } as never,
      $set: { "ui_permissions.list_service": ["fininfo", "sre-gateway"], updated_at: new Date() },
    },
  );
  // A Keycloak group no scope maps (created by hand in the console).
  await createGroup("lab", "");

  await createHuman("alice", "Alice", "Analyst", ["team-a"]);
  await createHuman("bob", "Bob", "Oncall", ["team-a", "team-b"], BOB_PASSWORD);
  await createHuman("carol", "Carol", "Lab", ["team-b", "lab"]);
  await createM2M("bot-one", ["team-a"], null);
  await createM2M("bot-two", ["team-a", "team-b"], "Second bot");

  for (const d of await db.collection(SCOPES).find({}).toArray()) docsBefore.set(String(d._id), d);
  for (const d of await db.collection("idp_m2m_clients").find({}).toArray()) docsBefore.set(`m2m:${d.name}`, d);
  botOneSecret = await clientSecret("bot-one");

  out = makeRepo({});
  e2e = await engineStack(
    STACK,
    programStackConfig(REALM, {
      repo: out,
      database: DB,
      mongodbUri: uri,
      extra: { "mcp-gateway-access:namespace": { value: NS } },
    }),
  );
});

after(async () => {
  await (await keycloakAdmin("master").catch(() => undefined))?.realms.del({ realm: REALM }).catch(() => undefined);
  if (e2e) await e2e.cleanup();
  await db?.dropDatabase().catch(() => undefined);
  await mongo?.close();
});

describe("mcp-access import of a registry made by its own tools, then pulumi up", () => {
  it("a pre-existing M2M account gets a token with its secret before the import", async () => {
    const r = await token({ grant_type: "client_credentials", client_id: "bot-one", client_secret: botOneSecret });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  });

  let report = "";
  it("--dry-run prints the files and the report, and writes nothing", async () => {
    // The connection string (which may hold a password) comes from the environment, never the command line.
    const env = {
      KEYCLOAK_USER: KC_ADMIN.username,
      KEYCLOAK_PASSWORD: KC_ADMIN.password,
      MONGODB_CONNECTION_STRING: databaseUri(),
    };
    const r = await cli(
      [
        "import",
        "--keycloak-url",
        keycloakUrl(),
        "--realm",
        REALM,
        "--database",
        DB,
        "--namespace",
        NS,
        "--out",
        out,
        "--dry-run",
      ],
      env,
    );
    assert.equal(r.code, 0, r.err + r.out);
    assert.match(r.out, /would write 2 groups, 3 users, 2 M2M accounts/);
    assert.match(r.out, /--- .*groups\/team-b\.yaml/);
    assert.deepEqual(walk(out), []);
  });

  it("writes one file per object with the schema header, no secret, and reports what it cannot express", async () => {
    const env = {
      KEYCLOAK_USER: KC_ADMIN.username,
      KEYCLOAK_PASSWORD: KC_ADMIN.password,
      MONGODB_CONNECTION_STRING: databaseUri(),
    };
    const r = await cli(
      ["import", "--keycloak-url", keycloakUrl(), "--realm", REALM, "--database", DB, "--namespace", NS, "--out", out],
      env,
    );
    assert.equal(r.code, 0, r.err + r.out);
    report = r.out;
    const files = walk(out)
      .map((f) => f.slice(out.length + 1))
      .sort();
    assert.deepEqual(files, [
      "groups/team-a.yaml",
      "groups/team-b.yaml",
      "m2m/bot-one.yaml",
      "m2m/bot-two.yaml",
      "users/alice.yaml",
      "users/bob.yaml",
      "users/carol.yaml",
    ]);
    for (const f of files) {
      const text = readFileSync(join(out, f), "utf8");
      const kind = f.split("/")[0];
      assert.ok(text.startsWith(`# yaml-language-server: $schema=../schemas/${kind}.schema.json\n`), f);
      assert.ok(!text.includes(botOneSecret) && !text.includes(BOB_PASSWORD), `${f} holds a secret`);
    }
    assert.match(readFileSync(join(out, "groups/team-b.yaml"), "utf8"), /scope_name: team-b\n\s+access_rules:/);
    assert.equal(
      readFileSync(join(out, "m2m/bot-one.yaml"), "utf8").includes("description"),
      false,
      "the default description is left to the stack",
    );
    assert.match(readFileSync(join(out, "m2m/bot-two.yaml"), "utf8"), /description: Second bot/);
    // Reported: the group no scope maps, the registry's web client, Keycloak's own clients, the audience mappers.
    assert.match(report, /user "carol" is in group "lab", which no scope document maps/);
    assert.match(report, /client "mcp-gateway-web" is the registry bootstrap's client/);
    assert.match(report, /are Keycloak's own clients, not M2M accounts/);
    assert.match(report, /existingGroups '\["lab"\]'/);
    assert.match(report, /keycloakM2MAudienceMapper false/);
  });

  it("the definitions validate with the settings the report names", async () => {
    const r = await cli(["validate", "--dir", out, "--existing-group", "lab"]);
    assert.equal(r.code, 0, r.out + r.err);
  });

  it(
    "the first pulumi up imports every Keycloak object, writes no document, creates, updates, " +
      "deletes and replaces nothing",
    async () => {
      await e2e.stack.setConfig("mcp-gateway-access:existingGroups", { value: JSON.stringify(["lab"]) });
      await e2e.stack.setConfig("mcp-gateway-access:keycloakM2MAudienceMapper", { value: "false" });
      const steps = await upSteps();
      const real = steps.filter((s) => !isComponent(s.type));
      const ops = [...new Set(real.filter((s) => !RECORD_TYPES.includes(s.type)).map((s) => s.op))];
      assert.deepEqual(ops, ["import"], JSON.stringify(real, null, 1));
      const imported = real
        .filter((s) => s.op === "import")
        .map((s) => s.type.split(":").pop())
        .sort();
      assert.deepEqual(imported, [
        "Client",
        "Client",
        "Group",
        "Group",
        "GroupMembershipProtocolMapper",
        "GroupMembershipProtocolMapper",
        "User",
        "User",
        "User",
        "UserGroups",
        "UserGroups",
        "UserGroups",
        "UserGroups",
        "UserGroups",
      ]);
      // Registry documents cannot be imported by Pulumi (dynamic provider): they are taken over with no write.
      assert.ok(real.filter((s) => RECORD_TYPES.includes(s.type)).every((s) => s.op === "create"));
      for (const d of await db.collection(SCOPES).find({}).toArray())
        assert.deepEqual(d, docsBefore.get(String(d._id)), `scope ${d._id} was rewritten`);
      for (const d of await db.collection("idp_m2m_clients").find({}).toArray())
        assert.deepEqual(d, docsBefore.get(`m2m:${d.name}`), `record ${d.name} was rewritten`);
    },
  );

  it("the M2M secret is kept: the same secret gets a token, and it is the stack's secret output", async () => {
    assert.equal(await clientSecret("bot-one"), botOneSecret);
    const r = await token({ grant_type: "client_credentials", client_id: "bot-one", client_secret: botOneSecret });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const outputs = await e2e.stack.outputs();
    const m2m = outputs.m2m?.value as Record<string, { clientSecret: string }>;
    assert.equal(m2m["bot-one"]?.clientSecret, botOneSecret);
    const plain = execFileSync("pulumi", ["stack", "output", "--json", "--stack", STACK], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...e2e.env },
      encoding: "utf8",
    });
    assert.match(plain, /"clientSecret": "\[secret\]"/);
    assert.ok(!plain.includes(botOneSecret));
  });

  it("users keep their passwords: bob signs in with his", async () => {
    const r = await token({ grant_type: "password", client_id: "admin-cli", username: "bob", password: BOB_PASSWORD });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  });

  it("a second pulumi up changes nothing", async () => {
    const steps = await upSteps();
    assert.deepEqual(
      steps.filter((s) => !isComponent(s.type)),
      [],
    );
  });

  it("an edit of one imported file changes exactly that object", async () => {
    const file = join(out, "users", "alice.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace("last_name: Analyst", "last_name: Lead"));
    const steps = (await upSteps()).filter((s) => !isComponent(s.type));
    assert.deepEqual(
      steps.map((s) => [s.op, s.type.split(":").pop(), s.urn.split("::").pop()]),
      [["update", "User", "keycloak-user-alice"]],
    );
    const [alice] = await (await keycloakAdmin(REALM)).users.find({ username: "alice", exact: true });
    assert.equal(alice?.lastName, "Lead");
  });
});
