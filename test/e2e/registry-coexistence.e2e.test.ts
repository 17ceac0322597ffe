/**
 * The registry's own writers beside a stack that manages its scope documents (the registry's code, run as it
 * runs: its auth server started on the stack's database, its `scripts/init-mongodb-ce.py`, its custom-entity type
 * code). The registry adds `is_idp_managed` where it is missing, upserts its seeds on every run, merges a custom
 * type's permissions into `mcp-registry-admin` and `$unset`s them from every document when the type goes: none of
 * that may break the next `up`, and a real hand edit must still be refused.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { MongoClient, type Db } from "mongodb";
import { checkRepository, renderRegistryDocuments } from "../../lib";
import { startAuthServer, type AuthServer } from "../support/auth-server";
import { clientSecret, writeRepo } from "../support/conformance";
import { changes, engineStack, type EngineStack } from "../support/engine";
import { keycloakAdmin, programStackConfig } from "../support/keycloak-admin";
import { databaseUri, keycloakUrl } from "../support/services";

const REALM = `coexist-${process.pid}`;
const DB = `mcp_registry_coexist_${process.pid}`;
const SCOPES = "mcp_scopes_default";

const FILES: Record<string, string> = {
  "groups/analysts.yaml":
    "scope_name: analysts\nserver_access:\n  - server: fininfo\n    methods: [initialize, " +
    "tools/list, tools/call]\n    tools: [get_stock_price]\nui_permissions:\n  list_service: [fininfo]\n",
  "groups/curators.yaml":
    "scope_name: curators\nui_permissions:\n  list_service: [all]\n  list_datasets_entity: [all]\n",
  "users/ann.yaml": "username: ann\nemail: ann@example.com\nfirst_name: Ann\nlast_name: Lyst\ngroups: [analysts]\n",
  "m2m/bot.yaml": "name: coexist-bot\ngroups: [analysts]\n",
};

let repo: string;
let e2e: EngineStack;
let auth: AuthServer;
let mongo: MongoClient;
let db: Db;
const log: string[] = [];
const up = async () => changes((await e2e.stack.up({ onOutput: (s) => void log.push(s) })).summary);
const preview = async () =>
  changes({ resourceChanges: (await e2e.stack.preview({ onOutput: (s) => void log.push(s) })).changeSummary });
const doc = (id: string) => db.collection(SCOPES).findOne({ _id: id as never });

/** The registry's own scope-service code, run by its Python with the auth server's settings. */
const registryCode = (call: string) =>
  auth.python([
    "-c",
    `import asyncio\nfrom registry.services import scope_service as s\nprint(asyncio.run(s.${call}))`,
  ]);

before(async () => {
  const uri = databaseUri();
  mongo = await new MongoClient(uri).connect();
  db = mongo.db(DB);
  repo = writeRepo(FILES);
  e2e = await engineStack(
    `e2e-coexist-${process.pid}`,
    programStackConfig(REALM, { repo, database: DB, mongodbUri: uri, bootstrap: true }),
  );
  assert.deepEqual(Object.keys(await up()), ["create"]);
  const kc = await keycloakAdmin(REALM);
  auth = startAuthServer({
    port: 18893,
    keycloakUrl: keycloakUrl(),
    realm: REALM,
    webClientSecret: await clientSecret(kc, "mcp-gateway-web"),
    m2mClientSecret: await clientSecret(kc, "mcp-gateway-m2m"),
    mongodbUri: uri,
    database: DB,
  });
});

after(async () => {
  auth?.stop();
  await (await keycloakAdmin(REALM).catch(() => undefined))?.realms.del({ realm: REALM }).catch(() => undefined);
  await e2e?.cleanup();
  await db?.dropDatabase().catch(() => undefined);
  await mongo?.close();
});

describe("coexistence with the registry's own writers", () => {
  it("stores each document byte for byte as render prints it, in the registry's key order", async () => {
    const rendered = renderRegistryDocuments(checkRepository(repo, { bootstrap: true }).model).scopes.find(
      (d) => d._id === "analysts",
    );
    const { created_at: _c, updated_at: _u, ...stored } = (await doc("analysts")) ?? ({} as Record<string, unknown>);
    assert.equal(JSON.stringify(stored), JSON.stringify(rendered));
  });

  it(
    "the auth server's start backfills is_idp_managed on the bootstrap seed; the next preview and " +
      "up change nothing",
    async () => {
      // Its start lists the groups (scope_repository.list_groups), which writes the flag where it is missing.
      const deadline = Date.now() + 20_000;
      while (!("is_idp_managed" in ((await doc("registry-admins")) ?? {})) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 250));
      assert.equal(
        (await doc("registry-admins"))?.is_idp_managed,
        true,
        "the registry wrote its field (the scenario is real)",
      );
      assert.deepEqual(await preview(), {});
      assert.deepEqual(await up(), {});
    },
  );

  it("the registry's init script upserts its seeds on every run; the next preview and up change nothing", async () => {
    const before = await doc("registry-admins");
    // scripts/init-mongodb-ce.py's seed upserts (`_load_default_scopes`); its index step before them needs TTL
    // indexes, which FerretDB does not implement, so the seeds are loaded by the script's own function.
    const out = await auth.seedStep();
    assert.match(out, /registry-admins/, "the init script ran its seed upserts");
    assert.ok(await doc("mcp-registry-admin"), "the init script seeded mcp-registry-admin");
    const { updated_at: _a, ...was } = before ?? ({} as Record<string, unknown>);
    const { updated_at: _b, ...now } = (await doc("registry-admins")) ?? ({} as Record<string, unknown>);
    assert.deepEqual(now, was, "the stack wrote the seed as the registry does: the upsert changed nothing");
    assert.deepEqual(await preview(), {});
    assert.deepEqual(await up(), {});
  });

  it(
    "a custom entity type created through the registry's code: its permissions are the registry's, " + "no change",
    async () => {
      await registryCode(`mint_custom_type_scopes("reports")`);
      assert.deepEqual(
        (await doc("mcp-registry-admin"))?.ui_permissions?.list_reports_entity,
        ["all"],
        "the registry minted the type's scopes",
      );
      assert.deepEqual(await preview(), {});
      assert.deepEqual(await up(), {});
    },
  );

  it(
    "deleting the type $unsets its permissions everywhere: no change; a declared one the registry " +
      "removed is refused as a conflict",
    async () => {
      await registryCode(`cleanup_custom_type_scopes("reports")`);
      assert.equal((await doc("mcp-registry-admin"))?.ui_permissions?.list_reports_entity, undefined);
      assert.deepEqual(await preview(), {});
      assert.deepEqual(await up(), {});
      // curators declares list_datasets_entity; deleting the type "datasets" removes it from the stack's document.
      await registryCode(`cleanup_custom_type_scopes("datasets")`);
      assert.equal((await doc("curators"))?.ui_permissions?.list_datasets_entity, undefined);
      assert.deepEqual(await preview(), { update: 1 }, "preview shows the definitions' permission gone");
      await assert.rejects(
        up(),
        new RegExp(
          String.raw`scope document "curators" .*was changed outside this stack[\s\S]*ui_pe` +
            String.raw`rmissions\.list_datasets_entity: removed`,
        ),
      );
      // The definitions follow the registry: the type is gone, so is its grant.
      writeFileSync(
        join(repo, "groups/curators.yaml"),
        "scope_name: curators\nui_permissions:\n  list_service: [all]\n",
      );
      assert.deepEqual(await up(), { update: 1 });
      assert.deepEqual(await up(), {});
    },
  );

  it("a real hand edit of a field the stack owns is still refused", async () => {
    await db
      .collection(SCOPES)
      .updateOne({ _id: "analysts" as never }, { $set: { "ui_permissions.list_service": ["all"] } });
    writeFileSync(join(repo, "groups/analysts.yaml"), `${FILES["groups/analysts.yaml"]}agent_access: [/helper]\n`);
    await assert.rejects(up(), /scope document "analysts" .*was changed outside this stack[\s\S]*list_service/);
  });
});
