/**
 * The scope store's dynamic provider against a real MongoDB-wire server (FerretDB) through the real driver.
 * The provider object is the one Pulumi serializes; here its methods are called as the engine calls them.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { MongoClient, type Db } from "mongodb";
import { checkRepository, renderRegistryDocuments, renderM2MRecord } from "../../lib";
import {
  appliedFields,
  liveFields,
  recordProvider,
  type RecordInputs,
  type RecordOutputs,
} from "../../components/scopes/provider";
import { RecordStoreError } from "../../lib";
import type { Fields } from "../../components/scopes/record-diff";
import { makeRepo } from "../support/repo";
import { databaseUri, privateDatabase } from "../support/services";

const DB = `mcp_registry_it_${process.pid}`;
const COLLECTION = "mcp_scopes_default";
let client: MongoClient;
let db: Db;

function configure(settings: Record<string, string>) {
  return recordProvider.configure!({
    config: {
      get: (k: string) => settings[k.replace(/^mcp-gateway-access:/, "")],
      require: (k: string) => settings[k.replace(/^mcp-gateway-access:/, "")]!,
    },
  });
}

function scopeDoc(yaml: string): Fields {
  const r = checkRepository(makeRepo({ "groups/g.yaml": yaml }));
  assert.deepEqual(r.errors, []);
  const { _id, ...fields } = renderRegistryDocuments(r.model).scopes[0]!;
  void _id;
  return fields as unknown as Fields;
}

const GROUP_V1 =
  "scope_name: tools-users\ndescription: v1\nserver_access:\n  - server: currenttime\n    methods: " +
  "[initialize, tools/list, tools/call]\n    tools: [current_time_by_timezone]\n";
const GROUP_V2 = GROUP_V1.replace("v1", "v2").replace(
  "[current_time_by_timezone]",
  "[current_time_by_timezone, convert_time]",
);

function inputs(key: string, desired: Fields, over: Partial<RecordInputs> = {}): RecordInputs {
  return {
    kind: "scope",
    key,
    database: DB,
    collection: COLLECTION,
    desired,
    timestamps: true,
    onConflict: "fail",
    source: "groups/g.yaml",
    ...over,
  };
}

async function create(i: RecordInputs): Promise<RecordOutputs> {
  const r = await recordProvider.create(i);
  assert.equal(r.id, i.key);
  return r.outs as RecordOutputs;
}

const raw = (key: string) => db.collection(COLLECTION).findOne({ _id: key as never });

before(async () => {
  const uri = databaseUri();
  client = await new MongoClient(uri, { retryWrites: false }).connect();
  db = client.db(DB);
  await configure({ mongodbUri: uri, database: DB });
});

after(async () => {
  await db.dropDatabase().catch(() => undefined);
  await client.close();
  await recordProvider.close();
});

describe("scope documents", () => {
  it("create → read → update → delete, with the exact document the registry expects", async () => {
    const v1 = scopeDoc(GROUP_V1);
    const outs = await create(inputs("crud", v1));
    const stored = await raw("crud");
    assert.ok(stored);
    assert.deepEqual(Object.keys(stored), [
      "_id",
      "scope_type",
      "description",
      "server_access",
      "group_mappings",
      "ui_permissions",
      "agent_access",
      "is_idp_managed",
      "created_at",
      "updated_at",
    ]);
    assert.equal(stored.scope_type, "group");
    assert.deepEqual(stored.group_mappings, ["tools-users"]);
    assert.ok(stored.created_at instanceof Date && stored.updated_at instanceof Date, "timestamps are BSON dates");
    assert.equal(outs.createdAt, (stored.created_at as Date).toISOString());

    const read = await recordProvider.read!("crud", outs);
    assert.deepEqual(liveFields(read.props), v1);

    const v2 = scopeDoc(GROUP_V2);
    const diff = await recordProvider.diff!("crud", outs, inputs("crud", v2));
    assert.equal(diff.changes, true);
    assert.deepEqual(diff.replaces, []);
    const updated = (await recordProvider.update!("crud", outs, inputs("crud", v2))).outs as RecordOutputs;
    const after = await raw("crud");
    assert.equal(after!.description, "v2");
    assert.deepEqual((after!.server_access as Array<{ tools: string[] }>)[0]!.tools, [
      "current_time_by_timezone",
      "convert_time",
    ]);
    assert.equal((after!.created_at as Date).toISOString(), outs.createdAt, "created_at survives updates");
    assert.ok((after!.updated_at as Date) >= (stored.updated_at as Date));
    assert.equal(updated.createdAt, outs.createdAt);

    await recordProvider.delete!("crud", updated);
    assert.equal(await raw("crud"), null);
    assert.deepEqual(await recordProvider.read!("crud", updated), {}, "a deleted document reads as gone");
  });

  it("reports no change for an unchanged definition, so a second apply writes nothing", async () => {
    const v1 = scopeDoc(GROUP_V1);
    const outs = await create(inputs("same", v1));
    const again = await recordProvider.diff!("same", outs, inputs("same", scopeDoc(GROUP_V1)));
    assert.equal(again.changes, false);
    // A new version of the provider code must not cause updates either: only business fields count.
    const withOtherCode = await recordProvider.diff!(
      "same",
      { ...outs, __provider: "old code" } as RecordOutputs,
      { ...inputs("same", v1), __provider: "new code" } as RecordInputs,
    );
    assert.equal(withOtherCode.changes, false);
  });

  it("creates the multikey index on group_mappings the registry queries", async () => {
    await create(inputs("indexed", scopeDoc(GROUP_V1)));
    const indexes = await db.collection(COLLECTION).indexes();
    assert.ok(
      indexes.some((i) => JSON.stringify(i.key) === JSON.stringify({ group_mappings: 1 })),
      JSON.stringify(indexes),
    );
  });

  it("sees drift made directly in the database on read, and diff reports it", async () => {
    const outs = await create(inputs("drift", scopeDoc(GROUP_V1)));
    await db
      .collection(COLLECTION)
      .updateOne({ _id: "drift" as never }, { $push: { group_mappings: "intruders" } as never });
    const read = await recordProvider.read!("drift", outs);
    const refreshed = read.props as RecordOutputs;
    assert.deepEqual(liveFields(refreshed).group_mappings, ["tools-users", "intruders"]);
    assert.deepEqual(
      appliedFields(refreshed).group_mappings,
      ["tools-users"],
      "what this stack wrote is kept as the baseline",
    );
    const diff = await recordProvider.diff!("drift", refreshed, inputs("drift", scopeDoc(GROUP_V1)));
    assert.equal(diff.changes, true, "after a refresh, the drift shows as a change to apply");
  });

  it("refuses to overwrite changes the registry made, showing them and how to adopt them", async () => {
    const outs = await create(inputs("guard", scopeDoc(GROUP_V1)));
    // What the registry does when a server is added to the group.
    await db.collection(COLLECTION).updateOne(
      { _id: "guard" as never },
      {
        $push: {
          server_access: {
            scope_name: "guard",
            access_rules: [{ server: "fininfo", methods: ["tools/list"], tools: ["q"] }],
          },
        } as never,
        $set: { "ui_permissions.list_service": ["fininfo"] },
      },
    );
    const before = await raw("guard");
    await assert.rejects(recordProvider.update!("guard", outs, inputs("guard", scopeDoc(GROUP_V2))), (e: Error) => {
      assert.ok(e instanceof RecordStoreError);
      assert.match(e.message, /scope document "guard" in mcp_scopes_default was changed outside this stack/);
      assert.match(e.message, /server_access: \+ \{"access_rules":\[\{"methods":\["tools\/list"\],"server":"fininfo"/);
      assert.match(e.message, /ui_permissions.list_service: \+ "fininfo"/);
      assert.match(e.message, /onScopeConflict merge/);
      assert.match(e.message, /onScopeConflictByGroup\["guard"\]/);
      assert.match(e.message, /add them to groups\/g.yaml/);
      assert.equal(e.stack, e.message, "no stack trace for the person running pulumi up");
      return true;
    });
    assert.deepEqual(await raw("guard"), before, "nothing was written");

    // Adopt: keep what the registry added, apply the new definition.
    const merged = (
      await recordProvider.update!("guard", outs, inputs("guard", scopeDoc(GROUP_V2), { onConflict: "merge" }))
    ).outs as RecordOutputs;
    const doc = await raw("guard");
    assert.equal(doc!.description, "v2");
    assert.equal((doc!.server_access as unknown[]).length, 2, "the registry's rule is kept");
    assert.deepEqual((doc!.ui_permissions as Record<string, string[]>).list_service, ["fininfo"]);
    assert.deepEqual(appliedFields(merged), liveFields(merged));
    // Next apply with no change is quiet again.
    assert.equal(
      (await recordProvider.diff!("guard", merged, inputs("guard", scopeDoc(GROUP_V2), { onConflict: "merge" })))
        .changes,
      false,
    );

    // Overwrite: the definitions win.
    await db.collection(COLLECTION).updateOne({ _id: "guard" as never }, { $set: { description: "edited in the UI" } });
    await recordProvider.update!("guard", merged, inputs("guard", scopeDoc(GROUP_V1), { onConflict: "overwrite" }));
    const over = await raw("guard");
    assert.equal(over!.description, "v1");
    assert.equal((over!.server_access as unknown[]).length, 1);
  });

  it("does not take over an existing document that differs unless told to", async () => {
    await db.collection(COLLECTION).insertOne({
      _id: "preexisting" as never,
      scope_type: "group",
      description: "made by import-group",
      server_access: [],
      group_mappings: ["preexisting"],
      ui_permissions: { list_service: [] },
      agent_access: [],
      is_idp_managed: true,
      created_at: new Date("2025-01-01T00:00:00Z"),
      updated_at: new Date("2025-01-01T00:00:00Z"),
    });
    await assert.rejects(
      create(inputs("preexisting", scopeDoc(GROUP_V1))),
      /already exists and differs from the definitions/,
    );
    const outs = await create(inputs("preexisting", scopeDoc(GROUP_V1), { onConflict: "overwrite" }));
    assert.equal(outs.createdAt, "2025-01-01T00:00:00.000Z", "created_at of the existing document is kept");
  });

  it("replaces a renamed scope: delete before create, no duplicate", async () => {
    const outs = await create(inputs("old-name", scopeDoc(GROUP_V1)));
    const diff = await recordProvider.diff!("old-name", outs, inputs("new-name", scopeDoc(GROUP_V1)));
    assert.deepEqual(diff.replaces, ["key"]);
    assert.equal(diff.deleteBeforeReplace, true);
    await recordProvider.delete!("old-name", outs);
    await create(inputs("new-name", scopeDoc(GROUP_V1)));
    const ids = (
      await db
        .collection(COLLECTION)
        .find({ _id: { $in: ["old-name", "new-name"] as never[] } })
        .toArray()
    ).map((d) => d._id);
    assert.deepEqual(ids, ["new-name"]);
  });

  it("writes the bootstrap scope without timestamps, as the init scripts seed it", async () => {
    const r = checkRepository(makeRepo({}), { bootstrap: true });
    const { _id, ...fields } = renderRegistryDocuments(r.model).scopes.find((d) => d._id === "registry-admins")!;
    const outs = await create(inputs(_id, fields as unknown as Fields, { timestamps: false }));
    const doc = await raw("registry-admins");
    assert.deepEqual(Object.keys(doc!), ["_id", "group_mappings", "server_access", "ui_permissions"]);
    assert.equal(outs.createdAt, null);
  });
});

describe("M2M records", () => {
  const account = { name: "agent-x", description: "x", groups: ["tools-users"], enabled: true, file: "m2m/x.yaml" };
  const m2m = (over: Partial<typeof account> = {}) => ({
    kind: "m2m" as const,
    key: "agent-x",
    database: DB,
    collection: "idp_m2m_clients",
    desired: renderM2MRecord({ ...account, ...over }, "keycloak") as unknown as Fields,
    timestamps: true,
    onConflict: "fail" as const,
    source: "m2m/x.yaml",
  });

  it("keeps one record per account as the IAM API writes it", async () => {
    const outs = await create(m2m());
    const col = db.collection("idp_m2m_clients");
    const docs = await col.find({ name: "agent-x" }).toArray();
    assert.equal(docs.length, 1);
    assert.deepEqual(Object.keys(docs[0]!), [
      "_id",
      "client_id",
      "name",
      "description",
      "groups",
      "enabled",
      "provider",
      "idp_app_id",
      "created_at",
      "updated_at",
    ]);
    const updated = (await recordProvider.update!("agent-x", outs, m2m({ groups: ["tools-users", "more"] })))
      .outs as RecordOutputs;
    const after = await col.find({ name: "agent-x" }).toArray();
    assert.equal(after.length, 1);
    assert.deepEqual(after[0]!.groups, ["tools-users", "more"]);
    assert.equal(String(after[0]!._id), String(docs[0]!._id), "updated in place");
    await recordProvider.delete!("agent-x", updated);
    assert.equal(await col.countDocuments({ name: "agent-x" }), 0);
  });
});

describe("database failures", () => {
  it("a database unreachable mid-run gives a clear error, and a rerun converges without duplicates", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mcp-access-ferret-"));
    const server = privateDatabase(27000 + (process.pid % 1000), dir);
    server.start();
    await recordProvider.close();
    await configure({ mongodbUri: server.uri, database: DB, mongodbTimeoutMs: "1500" });
    try {
      const a = await create(inputs("a", scopeDoc(GROUP_V1)));
      server.stop(); // the database goes away between two resources
      await assert.rejects(create(inputs("b", scopeDoc(GROUP_V1))), (e: Error) => {
        assert.match(
          e.message,
          new RegExp(
            String.raw`cannot reach the registry database at 127\.0\.0\.1:\d+ \(database mcp_` +
              String.raw`registry_it_\d+\) while trying to create scope document "b"`,
          ),
        );
        assert.match(e.message, /Nothing was written for it; run pulumi up again/);
        return true;
      });
      await assert.rejects(
        recordProvider.update!("a", a, inputs("a", scopeDoc(GROUP_V2))),
        /cannot reach the registry database/,
      );
      server.start();
      await recordProvider.update!("a", a, inputs("a", scopeDoc(GROUP_V2)));
      await create(inputs("b", scopeDoc(GROUP_V1)));
      const c = await new MongoClient(server.uri, { retryWrites: false }).connect();
      const docs = await c.db(DB).collection(COLLECTION).find({}).sort({ _id: 1 }).toArray();
      assert.deepEqual(
        docs.map((d) => [d._id, d.description]),
        [
          ["a", "v2"],
          ["b", "v1"],
        ],
      );
      await c.close();
    } finally {
      await recordProvider.close();
      server.stop();
      rmSync(dir, { recursive: true, force: true });
      await configure({ mongodbUri: databaseUri(), database: DB });
    }
  });

  it("never puts the password into an error message", async () => {
    await recordProvider.close();
    await configure({
      mongodbHost: "127.0.0.1",
      mongodbPort: "1",
      mongodbUsername: "u",
      mongodbPassword: "s3cret-pw",
      mongodbTls: "false",
      mongodbTimeoutMs: "500",
      database: DB,
    });
    try {
      await assert.rejects(create(inputs("c", scopeDoc(GROUP_V1))), (e: Error) => {
        assert.doesNotMatch(e.message, /s3cret-pw/);
        assert.match(e.message, /127\.0\.0\.1:1/);
        return true;
      });
    } finally {
      await recordProvider.close();
      await configure({ mongodbUri: databaseUri(), database: DB });
    }
  });
});
