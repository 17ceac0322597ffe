/**
 * Rate-limit definitions and memberships through the scope store's dynamic provider against FerretDB: the stored
 * documents, no timestamps, and the same conflict policy as the scope documents.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { MongoClient, type Db } from "mongodb";
import { checkRepository, renderRegistryDocuments } from "../../lib";
import { recordProvider, type RecordInputs, type RecordOutputs } from "../../components/scopes/provider";
import { RecordStoreError } from "../../lib";
import type { Fields } from "../../components/scopes/record-diff";
import { makeRepo } from "../support/repo";
import { databaseUri } from "../support/services";

const DB = `mcp_registry_rl_it_${process.pid}`;
const DEFS = "mcp_rate_limits_default";
const MEMBERS = "rate_limit_memberships_default";
let client: MongoClient;
let db: Db;

const GROUP = "scope_name: g\nserver_access:\n  - server: currenttime\n    methods: [initialize]\n    tools: []\n";

function rendered(limit: number) {
  const r = checkRepository(
    makeRepo({
      "groups/g.yaml": GROUP,
      "users/u.yaml":
        "username: alice\nemail: a@example.com\nfirst_name: A\nlast_name: B\ngroups: [g]\nrate_limit_groups: [burst]\n",
      "rate-limits/l.yaml":
        `- caller_group: burst\n  window_seconds: 120\n  user_max_requests: ` +
        `${limit}\n- quarantine:\n    servers: [currenttime]\n`,
    }),
  );
  assert.deepEqual(r.errors, []);
  const docs = renderRegistryDocuments(r.model);
  const strip = <T extends { _id: string }>(d: T) => {
    const { _id, ...fields } = d;
    return { key: _id, fields: fields as unknown as Fields };
  };
  return {
    def: strip(docs.rate_limits![0]!),
    member: strip(docs.rate_limit_memberships!.find((m) => m._id === "user:alice")!),
  };
}

function inputs(
  kind: RecordInputs["kind"],
  collection: string,
  key: string,
  desired: Fields,
  over: Partial<RecordInputs> = {},
): RecordInputs {
  return {
    kind,
    key,
    database: DB,
    collection,
    desired,
    timestamps: false,
    onConflict: "fail",
    source: "rate-limits/l.yaml",
    ...over,
  };
}

before(async () => {
  const uri = databaseUri();
  client = await new MongoClient(uri, { retryWrites: false }).connect();
  db = client.db(DB);
  await recordProvider.configure!({
    config: {
      get: (k: string) => ({ mongodbUri: uri, database: DB })[k.replace(/^mcp-gateway-access:/, "")],
      require: () => "",
    },
  } as never);
});

after(async () => {
  await db.dropDatabase().catch(() => undefined);
  await client.close();
  await recordProvider.close();
});

describe("rate-limit records", () => {
  it("stores definitions and memberships keyed by _id, in the registry's field order, without timestamps", async () => {
    const { def, member } = rendered(3);
    const d = await recordProvider.create(inputs("rate_limit", DEFS, def.key, def.fields));
    assert.equal(d.id, "caller:group:burst:120");
    await recordProvider.create(inputs("rate_limit_membership", MEMBERS, member.key, member.fields));
    const storedDef = await db.collection(DEFS).findOne({ _id: def.key as never });
    assert.deepEqual(Object.keys(storedDef!), [
      "_id",
      "axis",
      "entity_type",
      "name",
      "max_requests",
      "members",
      "user_max_requests",
      "agent_max_requests",
      "window_seconds",
      "scope",
      "fail_closed",
      "enabled",
    ]);
    assert.equal(storedDef!.user_max_requests, 3);
    assert.equal(storedDef!.max_requests, null);
    const storedMember = await db.collection(MEMBERS).findOne({ _id: "user:alice" as never });
    assert.deepEqual(storedMember, {
      _id: "user:alice",
      subject_type: "user",
      subject: "alice",
      groups: ["burst"],
      enabled: true,
    });
  });

  it("updates a changed limit, and refuses (fail) or replaces (overwrite) a change made outside", async () => {
    const v1 = rendered(4);
    const key = "caller:group:burst4:120";
    const outs = (await recordProvider.create(inputs("rate_limit", DEFS, key, v1.def.fields))).outs as RecordOutputs;
    const v2 = rendered(5);
    const diff = await recordProvider.diff!(key, outs, inputs("rate_limit", DEFS, key, v2.def.fields));
    assert.equal(diff.changes, true);
    const updated = (await recordProvider.update!(key, outs, inputs("rate_limit", DEFS, key, v2.def.fields)))
      .outs as RecordOutputs;
    assert.equal((await db.collection(DEFS).findOne({ _id: key as never }))!.user_max_requests, 5);

    // An operator raises it through the registry's API: the next apply refuses with the policy's message.
    await db.collection(DEFS).updateOne({ _id: key as never }, { $set: { user_max_requests: 500 } });
    const v3 = rendered(6);
    await assert.rejects(
      () => recordProvider.update!(key, updated, inputs("rate_limit", DEFS, key, v3.def.fields)),
      (e: unknown) =>
        e instanceof RecordStoreError &&
        new RegExp(
          String.raw`rate-limit definition "caller:group:burst4:120" in mcp_rate_limits_def` +
            String.raw`ault was changed outside this stack`,
        ).test((e as Error).message) &&
        /onScopeConflict overwrite/.test((e as Error).message),
    );
    assert.equal((await db.collection(DEFS).findOne({ _id: key as never }))!.user_max_requests, 500, "nothing written");
    await recordProvider.update!(
      key,
      updated,
      inputs("rate_limit", DEFS, key, v3.def.fields, { onConflict: "overwrite" }),
    );
    assert.equal((await db.collection(DEFS).findOne({ _id: key as never }))!.user_max_requests, 6);
  });

  it("refuses to take over a membership the registry holds with other groups under fail", async () => {
    await db.collection(MEMBERS).insertOne({
      _id: "user:bob" as never,
      subject_type: "user",
      subject: "bob",
      groups: ["quarantine-callers"],
      enabled: true,
    });
    await assert.rejects(
      () =>
        recordProvider.create(
          inputs("rate_limit_membership", MEMBERS, "user:bob", {
            subject_type: "user",
            subject: "bob",
            groups: ["burst"],
            enabled: true,
          }),
        ),
      (e: unknown) =>
        e instanceof RecordStoreError &&
        /rate-limit membership "user:bob" .* already exists and differs/.test((e as Error).message),
    );
  });
});
