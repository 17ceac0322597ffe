/**
 * The whole program through the real engine and the real Keycloak plugin: `pulumi up` of a definitions
 * repository, checked through Keycloak's admin API and the mongodb driver (never through Pulumi's own view),
 * tokens from the stack outputs, no-op reruns, one-file changes, deletes, renames and drift.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { MongoClient, type Db } from "mongodb";
import { checkRepository, renderRegistryDocuments } from "../../lib";
import { changes, countCheckpointWrites, engineStack, type EngineStack } from "../support/engine";
import { keycloakAdmin, programStackConfig, type KeycloakAdminClient } from "../support/keycloak-admin";
import { REPO_ROOT } from "../support/paths";
import { makeRepo } from "../support/repo";
import { databaseUri, keycloakUrl } from "../support/services";
import { binCli, type CliRun } from "../support/cli";

const STACK = `e2e-kc-${process.pid}`;
const REALM = `e2e-kc-${process.pid}`;
const DB = `mcp_registry_e2e_kc_${process.pid}`;

const user = (name: string, groups: string, extra = "") =>
  `username: ${name}\nemail: ${name}@example.com\nfirst_name: ` +
  `${name[0]!.toUpperCase()}${name.slice(1)}\nlast_name: Tester\ngroups: ${groups}\n${extra}`;
const FILES: Record<string, string> = {
  "groups/team-a.yaml":
    "scope_name: team-a\nserver_access:\n  - server: currenttime\n    methods: [initialize, " +
    "tools/list, tools/call]\n    tools: [now]\n",
  "groups/team-b.yaml": "scope_name: team-b\nservers:\n  - server_name: fininfo\n    access_level: read\n",
  "groups/spare.yaml": "scope_name: spare\n",
  "groups/old.yaml": "scope_name: old-name\n",
  "users/alice.yaml": user("alice", "[team-a]"),
  "users/bob.yaml": user("bob", "[team-a, team-b]"),
  "users/carol.yaml": user("carol", "[old-name]"),
  "users/dave.yaml": user("dave", "[team-b]", "enabled: false\n"),
  "m2m/bot-one.yaml": "name: bot-one\ngroups: [team-a]\n",
  "m2m/bot-two.yaml": "name: bot-two\ngroups: [team-a, team-b]\n",
  "m2m/bot-off.yaml": "name: bot-off\ngroups: [team-a]\nenabled: false\n",
  "m2m/bot-gone.yaml": "name: bot-gone\ngroups: [team-b]\n",
};

let repo: string;
let e2e: EngineStack;
let mongo: MongoClient;
let db: Db;
let tokensDir: string;
const logs: string[] = [];
const log = (s: string) => void logs.push(s);

const kc = (): Promise<KeycloakAdminClient> => keycloakAdmin(REALM);
const up = async () => changes((await e2e.stack.up({ onOutput: log })).summary);
const preview = async () => changes({ resourceChanges: (await e2e.stack.preview({ onOutput: log })).changeSummary });

async function userByName(username: string) {
  const [u] = await (await kc()).users.find({ username, exact: true });
  return u;
}
async function groupsOf(userId: string): Promise<string[]> {
  return (await (await kc()).users.listGroups({ id: userId })).map((g) => g.name!).sort();
}
async function clientByClientId(clientId: string) {
  const [c] = await (await kc()).clients.find({ clientId });
  return c;
}

const cli = (args: string[]): Promise<CliRun> => binCli(args, e2e.env);

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
}

before(async () => {
  keycloakUrl();
  const uri = databaseUri();
  mongo = await new MongoClient(uri, { retryWrites: false }).connect();
  db = mongo.db(DB);
  repo = makeRepo(FILES);
  tokensDir = mkdtempSync(join(tmpdir(), "mcp-access-kc-tokens-"));
  e2e = await engineStack(STACK, programStackConfig(REALM, { repo, database: DB, mongodbUri: uri, bootstrap: true }));
});

after(async () => {
  if (e2e) {
    // The realm is protected from `destroy`: remove it through the admin API, then the stack.
    await (await kc().catch(() => undefined))?.realms.del({ realm: REALM }).catch(() => undefined);
    await e2e.cleanup();
  }
  await db?.dropDatabase().catch(() => undefined);
  await mongo?.close();
  if (tokensDir) rmSync(tokensDir, { recursive: true, force: true });
});

describe("pulumi up on Keycloak, with the real engine and plugin", () => {
  it(
    "creates the registry bootstrap: realm, web and M2M clients with their mappers, " +
      "registry-admins, the admin user and its scope",
    async () => {
      assert.deepEqual(Object.keys(await up()), ["create"], "a first up only creates");
      const admin = await kc();
      const realm = await admin.realms.findOne({ realm: REALM });
      assert.equal(realm?.enabled, true);
      assert.equal(realm?.registrationAllowed, false);

      const web = await clientByClientId("mcp-gateway-web");
      assert.equal(web?.publicClient, false);
      assert.equal(web?.standardFlowEnabled, true);
      assert.equal(web?.serviceAccountsEnabled, false);
      const webMappers = await admin.clients.listProtocolMappers({ id: web!.id! });
      assert.deepEqual(
        webMappers.map((m) => [m.name, m.protocolMapper, m.config?.["full.path"], m.config?.["claim.name"]]),
        [["groups", "oidc-group-membership-mapper", "false", "groups"]],
      );

      const m2m = await clientByClientId("mcp-gateway-m2m");
      assert.equal(m2m?.serviceAccountsEnabled, true);
      const m2mMappers = (await admin.clients.listProtocolMappers({ id: m2m!.id! })).map((m) => m.name).sort();
      assert.deepEqual(m2mMappers, ["groups", "mcp-gateway-audience"]);

      const adminUser = await userByName("admin");
      assert.ok(adminUser, "the bootstrap admin exists");
      assert.deepEqual(adminUser.requiredActions, ["UPDATE_PASSWORD"], "its initial password is temporary");
      assert.deepEqual(await groupsOf(adminUser.id!), ["registry-admins"]);
      const outputs = await e2e.stack.outputs();
      assert.equal(outputs.bootstrapAdminPassword?.secret, true);

      const scope = await db.collection("mcp_scopes_default").findOne({ _id: "registry-admins" as never });
      assert.deepEqual(scope?.group_mappings, ["registry-admins"]);
    },
  );

  it(
    "creates the groups, users (names, e-mail, enabled, temporary password, memberships) and M2M " + "clients",
    async () => {
      const admin = await kc();
      const groups = (await admin.groups.find({ briefRepresentation: true })).map((g) => g.name).sort();
      assert.deepEqual(groups, ["old-name", "registry-admins", "spare", "team-a", "team-b"]);
      const expected = {
        alice: ["team-a"],
        bob: ["team-a", "team-b"],
        carol: ["old-name"],
        dave: ["team-b"],
      } as Record<string, string[]>;
      for (const [name, memberOf] of Object.entries(expected)) {
        const u = await userByName(name);
        assert.ok(u, `${name} exists`);
        assert.equal(u.email, `${name}@example.com`);
        assert.equal(u.firstName, `${name[0]!.toUpperCase()}${name.slice(1)}`);
        assert.equal(u.lastName, "Tester");
        assert.equal(u.enabled, name !== "dave");
        assert.deepEqual(u.requiredActions, ["UPDATE_PASSWORD"], `${name} must change the initial password`);
        assert.equal(
          (await admin.users.getCredentials({ id: u.id! })).filter((c) => c.type === "password").length,
          1,
          `${name} has an initial password`,
        );
        assert.deepEqual(await groupsOf(u.id!), memberOf);
      }
      for (const [name, memberOf, enabled] of [
        ["bot-one", ["team-a"], true],
        ["bot-two", ["team-a", "team-b"], true],
        ["bot-off", ["team-a"], false],
      ] as const) {
        const c = await clientByClientId(name);
        assert.ok(c, `${name} exists`);
        assert.equal(c.enabled, enabled);
        assert.equal(c.publicClient, false, "confidential");
        assert.equal(c.serviceAccountsEnabled, true);
        assert.equal(c.standardFlowEnabled, false, "no browser flow");
        assert.equal(c.implicitFlowEnabled, false);
        assert.equal(c.directAccessGrantsEnabled, false);
        const mappers = await admin.clients.listProtocolMappers({ id: c.id! });
        const groupsMapper = mappers.find((m) => m.name === "groups")!;
        assert.equal(groupsMapper.config?.["full.path"], "false");
        assert.equal(
          mappers.find((m) => m.name === "mcp-gateway-audience")?.config?.["included.custom.audience"],
          "mcp-gateway",
        );
        const sa = await admin.clients.getServiceAccountUser({ id: c.id! });
        assert.deepEqual(await groupsOf(sa.id!), [...memberOf]);
      }
      const records = await db.collection("idp_m2m_clients").find({}).sort({ name: 1 }).toArray();
      assert.deepEqual(
        records.map((r) => [r.name, r.enabled, r.provider]),
        [
          ["bot-gone", true, "keycloak"],
          ["bot-off", false, "keycloak"],
          ["bot-one", true, "keycloak"],
          ["bot-two", true, "keycloak"],
        ],
      );
    },
  );

  it(
    "gets, for every enabled M2M account, a token that verifies against the realm's JWKS and maps " +
      "through the scope documents to the definitions' scopes",
    async () => {
      const r = await cli([
        "token",
        "bot-one",
        "bot-two",
        "bot-gone",
        "--stack",
        STACK,
        "--dir",
        repo,
        "--out",
        tokensDir,
        "--format",
        "json",
      ]);
      assert.equal(r.code, 0, r.err);
      const printed = JSON.parse(r.out) as Array<{ name: string; access_token: string }>;
      const jwks = createRemoteJWKSet(new URL(`${keycloakUrl()}/realms/${REALM}/protocol/openid-connect/certs`));
      const model = checkRepository(repo, { bootstrap: true }).model;
      const docs = renderRegistryDocuments(model).scopes;
      for (const { name, access_token } of printed) {
        const { payload } = await jwtVerify(access_token, jwks, { issuer: `${keycloakUrl()}/realms/${REALM}` });
        assert.ok([payload.aud].flat().includes("mcp-gateway"), `${name}: the audience the auth server accepts`);
        const groups = (payload.groups as string[]).sort();
        const account = model.m2m.find((a) => a.name === name)!;
        assert.deepEqual(groups, [...account.groups].sort(), `${name}: plain group names`);
        // The registry's own lookup: scope documents whose group_mappings hold one of the token's groups.
        const fromDb = (
          await db
            .collection("mcp_scopes_default")
            .find({ group_mappings: { $in: groups } })
            .toArray()
        )
          .map((d) => String(d._id))
          .sort();
        const fromDefinitions = docs
          .filter((d) => d.group_mappings.some((g) => groups.includes(g)))
          .map((d) => d._id)
          .sort();
        assert.deepEqual(fromDb, fromDefinitions, name);
        assert.ok(fromDb.length > 0);
      }
    },
  );

  it("gets no token for a disabled account", async () => {
    const r = await cli(["token", "bot-off", "--stack", STACK, "--dir", repo, "--out", tokensDir]);
    assert.equal(r.code, 1);
    assert.match(r.err, /bot-off: .*(refused|disabled|unauthorized|invalid)/i);
  });

  it(
    "changes nothing on the second up, and keeps UPDATE_PASSWORD until the user has changed the " + "password",
    async () => {
      assert.deepEqual(await up(), {});
      assert.deepEqual((await userByName("alice"))?.requiredActions, ["UPDATE_PASSWORD"]);
      // Alice changes her password (what Keycloak's login flow does): the action is gone, and stays gone.
      const admin = await kc();
      const alice = (await userByName("alice"))!;
      await admin.users.resetPassword({
        id: alice.id!,
        credential: { type: "password", value: "Alice-changed-1", temporary: false },
      });
      await admin.users.update({ id: alice.id! }, { requiredActions: [] });
      assert.deepEqual(await up(), {});
      assert.deepEqual((await userByName("alice"))?.requiredActions, []);
      assert.deepEqual((await userByName("bob"))?.requiredActions, ["UPDATE_PASSWORD"]);
    },
  );

  it("rewrites the checkpoint only in the engine's final write on a refreshing no-op up, as Pulumi ships", async () => {
    // The stack runs with Pulumi's default checkpoints (one after every step that changes the state). Inputs the
    // refresh reorders (Terraform sets: group ids, redirect URIs) would each cost a rewrite of the whole file.
    const counter = countCheckpointWrites(e2e.backendDir, STACK);
    let writes: number;
    try {
      assert.deepEqual(await up(), {});
      await new Promise((resolve) => setTimeout(resolve, 500)); // the last file event, delivered after the exit
    } finally {
      writes = counter.stop();
    }
    assert.equal(writes, 1, "the engine writes the checkpoint once at the end of every update; nothing more");
  });

  it("changing one file changes only its resources", async () => {
    writeFileSync(
      join(repo, "users/bob.yaml"),
      user("bob", "[team-a, team-b]").replace("last_name: Tester", "last_name: Renamed"),
    );
    assert.deepEqual(await preview(), { update: 1 });
    assert.deepEqual(await up(), { update: 1 });
    assert.equal((await userByName("bob"))?.lastName, "Renamed");
    assert.deepEqual(
      (await userByName("bob"))?.requiredActions,
      ["UPDATE_PASSWORD"],
      "an update keeps the required action",
    );
  });

  it("shows a membership added by hand in the preview and removes it on the next up", async () => {
    const admin = await kc();
    const bob = (await userByName("bob"))!;
    const spare = (await admin.groups.find({ search: "spare", exact: true }))[0]!;
    await admin.users.addToGroup({ id: bob.id!, groupId: spare.id! });
    assert.deepEqual(await preview(), { update: 1 });
    assert.deepEqual(await groupsOf(bob.id!), ["spare", "team-a", "team-b"], "preview changed nothing");
    assert.deepEqual(await up(), { update: 1 });
    assert.deepEqual(await groupsOf(bob.id!), ["team-a", "team-b"]);
  });

  it("shows a user disabled and a client deleted by hand on refresh, and repairs both on the next up", async () => {
    const admin = await kc();
    const carol = (await userByName("carol"))!;
    await admin.users.update({ id: carol.id! }, { enabled: false });
    await admin.clients.del({ id: (await clientByClientId("bot-two"))!.id! });
    const refresh = await e2e.stack.refresh({ onOutput: log });
    assert.ok((refresh.summary.resourceChanges?.update ?? 0) >= 1, JSON.stringify(refresh.summary.resourceChanges));
    assert.ok((refresh.summary.resourceChanges?.delete ?? 0) >= 1, "the deleted client leaves the state");
    await up();
    assert.equal((await userByName("carol"))?.enabled, true);
    const bot = await clientByClientId("bot-two");
    assert.ok(bot, "bot-two is back");
    const sa = await admin.clients.getServiceAccountUser({ id: bot.id! });
    assert.deepEqual(await groupsOf(sa.id!), ["team-a", "team-b"]);
    const r = await cli([
      "token",
      "bot-two",
      "--stack",
      STACK,
      "--dir",
      repo,
      "--out",
      tokensDir,
      "--min-ttl",
      "100000",
    ]);
    assert.equal(r.code, 0, `the new secret is in the outputs: ${r.err}`);
    assert.deepEqual(await up(), {}, "converged");
  });

  it(
    "deletes the Keycloak objects and documents of deleted files, and leaves no orphan when a " + "group is renamed",
    async () => {
      rmSync(join(repo, "users/dave.yaml"));
      rmSync(join(repo, "m2m/bot-gone.yaml"));
      rmSync(join(repo, "groups/spare.yaml"));
      writeFileSync(join(repo, "groups/old.yaml"), "scope_name: new-name\n");
      writeFileSync(join(repo, "users/carol.yaml"), user("carol", "[new-name]"));
      await up();
      const admin = await kc();
      assert.equal(await userByName("dave"), undefined);
      assert.equal(await clientByClientId("bot-gone"), undefined);
      const groups = (await admin.groups.find({ briefRepresentation: true })).map((g) => g.name).sort();
      assert.deepEqual(groups, ["new-name", "registry-admins", "team-a", "team-b"]);
      assert.deepEqual(await groupsOf((await userByName("carol"))!.id!), ["new-name"]);
      const scopeIds = (await db.collection("mcp_scopes_default").find({}).toArray()).map((d) => String(d._id)).sort();
      // The bootstrap owns registry-admins and the two unrestricted seeds that map it (lib/registry/seeds.ts).
      const seeds = ["mcp-servers-unrestricted/execute", "mcp-servers-unrestricted/read"];
      assert.deepEqual(scopeIds, [...seeds, "new-name", "registry-admins", "team-a", "team-b"]);
      assert.deepEqual((await db.collection("idp_m2m_clients").find({}).toArray()).map((r) => r.name).sort(), [
        "bot-off",
        "bot-one",
        "bot-two",
      ]);
      assert.deepEqual(await up(), {});
    },
  );

  it("keeps every secret out of the state files, the logs and the non-secret outputs", async () => {
    const outputs = await e2e.stack.outputs();
    const secrets: string[] = [];
    const m2m = outputs.m2m!.value as Record<string, { clientSecret: string }>;
    for (const c of Object.values(m2m)) secrets.push(c.clientSecret);
    const users = outputs.users!.value as Record<string, { initialPassword?: string }>;
    for (const u of Object.values(users)) if (u.initialPassword) secrets.push(u.initialPassword);
    secrets.push(String(outputs.bootstrapAdminPassword!.value));
    assert.ok(secrets.length >= 6 && secrets.every((s) => s.length >= 16), "real secrets were collected");
    // What `pulumi stack output` shows without --show-secrets: the secrets masked at the leaf, the rest readable.
    const plain = execFileSync("pulumi", ["stack", "output", "--json", "--stack", STACK], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...e2e.env },
      encoding: "utf8",
    });
    assert.match(plain, /"clientSecret": "\[secret\]"/);
    assert.match(plain, /"tokenUrl": "http/);
    const texts = [
      ...walk(e2e.backendDir).map((f) => [f, readFileSync(f, "utf8")] as const),
      ["the up/preview/refresh logs", logs.join("")] as const,
      ["pulumi stack output", plain] as const,
    ];
    for (const [where, text] of texts)
      for (const s of secrets) assert.ok(!text.includes(s), `a secret in plain text in ${where}`);
  });
});
