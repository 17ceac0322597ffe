/**
 * idp_m2m_clients as the registry keeps it: one record per client_id (a unique index), records of clients created
 * outside the registry marked `provider: "manual"`. The provider refuses, with a message, to insert a record for a
 * client that already has one, against a real MongoDB-wire server (FerretDB) through the real driver.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { MongoClient, type Db } from "mongodb";
import { renderM2MRecord } from "../../lib";
import { recordProvider, type RecordInputs, type RecordOutputs } from "../../components/scopes/provider";
import { RecordStoreError } from "../../lib";
import type { Fields } from "../../components/scopes/record-diff";
import { databaseUri } from "../support/services";

const DB = `mcp_registry_m2m_it_${process.pid}`;
const COLLECTION = "idp_m2m_clients";
let client: MongoClient;
let db: Db;

function record(name: string): RecordInputs {
  const account = { name, description: null, groups: ["tools-users"], enabled: true, file: `m2m/${name}.yaml` };
  return {
    kind: "m2m",
    key: name,
    database: DB,
    collection: COLLECTION,
    desired: renderM2MRecord(account, "keycloak") as unknown as Fields,
    timestamps: true,
    onConflict: "fail",
    source: `m2m/${name}.yaml`,
  };
}

before(async () => {
  const uri = databaseUri();
  client = await new MongoClient(uri, { retryWrites: false }).connect();
  db = client.db(DB);
  // As the registry creates it (registry/repositories/documentdb: unique client_id).
  await db.collection(COLLECTION).createIndex({ client_id: 1 }, { unique: true });
  await recordProvider.configure!({
    config: {
      get: (k: string) => ({ mongodbUri: uri, database: DB })[k.replace(/^mcp-gateway-access:/, "")],
      require: (k: string) => ({ mongodbUri: uri, database: DB })[k.replace(/^mcp-gateway-access:/, "")]!,
    },
  });
});

after(async () => {
  await recordProvider.close();
  await db.dropDatabase();
  await client.close();
});

describe("idp_m2m_clients records", () => {
  it("refuses a client registered by hand (provider manual) with a message, not a duplicate-key error", async () => {
    await db.collection(COLLECTION).insertOne({
      client_id: "agent-m",
      name: "Agent M",
      description: "added in the UI",
      groups: ["ops"],
      enabled: true,
      provider: "manual",
      created_by: "admin",
    });
    await assert.rejects(recordProvider.create(record("agent-m")), (e: Error) => {
      assert.ok(e instanceof RecordStoreError);
      assert.doesNotMatch(e.message, /E11000|duplicate key/i);
      assert.match(
        e.message,
        /client_id "agent-m" already has a record there \("Agent M", provider "manual", created by admin\)/,
      );
      assert.match(e.message, /DELETE \/api\/iam\/m2m-clients/);
      assert.match(e.message, /m2m\/agent-m\.yaml/);
      return true;
    });
    const docs = await db.collection(COLLECTION).find({ client_id: "agent-m" }).toArray();
    assert.deepEqual(
      docs.map((d) => d.provider),
      ["manual"],
      "the manual record is left as it was",
    );
  });

  it("writes and takes over its own record as before", async () => {
    const outs = (await recordProvider.create(record("agent-k"))).outs as RecordOutputs;
    const docs = await db.collection(COLLECTION).find({ client_id: "agent-k" }).toArray();
    assert.equal(docs.length, 1);
    assert.equal(docs[0]!.provider, "keycloak");
    await recordProvider.delete!("agent-k", outs);
  });
});
