/**
 * Scope-store benchmark: documents written through the dynamic provider (create, as `pulumi up` calls it)
 * against the same writes made directly with the driver, on the same MongoDB-wire server.
 */
import { MongoClient } from "mongodb";
import { recordProvider, type RecordInputs } from "../components/scopes/provider";
import { result, type BenchResult } from "./stats";

export async function benchStore(uri: string, documents = 300): Promise<BenchResult> {
  const db = `mcp_registry_bench_${process.pid}`;
  const doc = (i: number) => ({
    scope_type: "group",
    description: `Group ${i}`,
    server_access: [
      { server: `server-${i % 50}`, methods: ["initialize", "tools/list", "tools/call"], tools: ["a", "b"] },
    ],
    group_mappings: [`group-${i}`],
    ui_permissions: { list_service: [`server-${i % 50}`] },
    agent_access: [],
    is_idp_managed: true,
  });
  const client = await new MongoClient(uri, { retryWrites: false }).connect();
  try {
    const direct = client.db(db).collection<{ _id: string }>("direct");
    await direct.createIndex({ group_mappings: 1 });
    let t = process.hrtime.bigint();
    for (let i = 0; i < documents; i++) {
      const now = new Date();
      await direct.findOne({ _id: `group-${i}` });
      await direct.replaceOne({ _id: `group-${i}` }, { ...doc(i), created_at: now, updated_at: now }, { upsert: true });
    }
    const baselineMs = Number(process.hrtime.bigint() - t) / 1e6;

    await recordProvider.configure!({
      config: { get: (k: string) => (k === "mcp-gateway-access:mongodbUri" ? uri : undefined), require: () => "" },
    });
    const inputs = (i: number): RecordInputs => ({
      kind: "scope",
      key: `group-${i}`,
      database: db,
      collection: "via_provider",
      desired: doc(i),
      timestamps: true,
      onConflict: "fail",
      source: "bench",
    });
    await recordProvider.create(inputs(-1)); // connection and index, as the first resource of a run pays them
    t = process.hrtime.bigint();
    for (let i = 0; i < documents; i++) await recordProvider.create(inputs(i));
    const subjectMs = Number(process.hrtime.bigint() - t) / 1e6;
    return result(
      {
        name: `scope store: ${documents} documents through the dynamic provider`,
        against: "the same reads and writes with the driver",
        unit: "ms",
      },
      [baselineMs],
      [subjectMs],
    );
  } finally {
    await client
      .db(db)
      .dropDatabase()
      .catch(() => undefined);
    await client.close();
    await recordProvider.close();
  }
}
