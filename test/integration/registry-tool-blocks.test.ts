/**
 * The registry's per-tool blocks read from FerretDB by clients/registry-servers.ts: the fixture's server documents
 * (test/fixtures/registry/servers-tool-overrides.json, the shape server_repository.py @ 0530678f stores) in
 * mcp_servers_<ns>, read back as the blocks the registry enforces; a database out of reach is a ServiceError.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { MongoClient } from "mongodb";
import { readRegistryToolBlocks } from "../../clients/registry-servers";
import { ServiceError } from "../../lib";
import { FIXTURES } from "../support/paths";
import { databaseUri } from "../support/services";

const DB = `mcp_registry_tb_it_${process.pid}`;
const NS = "tbit";
const DOCS = JSON.parse(readFileSync(join(FIXTURES, "registry/servers-tool-overrides.json"), "utf8")) as Array<{
  _id: string;
}>;
let client: MongoClient;

before(async () => {
  client = await new MongoClient(databaseUri()).connect();
  await client.db(DB).collection<{ _id: string }>(`mcp_servers_${NS}`).insertMany(DOCS);
});

after(async () => {
  await client
    ?.db(DB)
    .dropDatabase()
    .catch(() => undefined);
  await client?.close();
});

describe("the registry's tool blocks from its database", () => {
  it("reads only the overrides that block, from the namespace's servers collection", async () => {
    const blocks = await readRegistryToolBlocks({
      uri: databaseUri(),
      options: { retryWrites: false, serverSelectionTimeoutMS: 5000 },
      database: DB,
      namespace: NS,
      target: "ferretdb",
    });
    assert.deepEqual(blocks.map((b) => `${b.server} ${b.tool} ${b.source}`).sort(), [
      "currenttime set_time scanner",
      "fininfo quote admin",
    ]);
  });

  it("a database out of reach is a ServiceError naming where, without credentials", async () => {
    const read = readRegistryToolBlocks({
      uri: "mongodb://user:secret@127.0.0.1:9/",
      options: { serverSelectionTimeoutMS: 300 },
      database: DB,
      namespace: NS,
      target: "127.0.0.1:9",
    });
    await assert.rejects(read, (e: Error) => e instanceof ServiceError && !e.message.includes("secret"));
  });
});
