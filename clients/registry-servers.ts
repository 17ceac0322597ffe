/**
 * Read-only: the per-tool blocks the registry holds on its servers (registry 1.31.0, #1719). The stack never writes
 * the servers' documents (they are the registry's; docs/review.md says why); `explain --stack` reads their
 * `tool_overrides` to decide with the blocks the registry enforces.
 */
import type { MongoClientOptions } from "mongodb";
import { blocksOfServerDocument, serversCollectionName, ServiceError, type ToolBlock } from "../lib";

export interface ServersConnection {
  uri: string;
  options: MongoClientOptions;
  database: string;
  namespace: string;
  /** Where it connects, without credentials. */
  target: string;
}

/**
 * server_repository.py @ 0530678f `get_tool_overrides`: the `tool_overrides` of each document of
 * `mcp_servers_<namespace>`; only what blocks is kept. Throws ServiceError when the database cannot be read.
 */
export async function readRegistryToolBlocks(c: ServersConnection): Promise<ToolBlock[]> {
  const { MongoClient } = await import("mongodb");
  const client = new MongoClient(c.uri, c.options);
  try {
    await client.connect();
    const docs = await client
      .db(c.database)
      .collection<{ _id: string }>(serversCollectionName(c.namespace))
      .find({ tool_overrides: { $exists: true } }, { projection: { tool_overrides: 1 } })
      .toArray();
    return docs.flatMap((d) => blocksOfServerDocument(d));
  } catch (e) {
    const reason = (e as Error).message.replace(/\/\/[^@/]*@/g, "//***@");
    throw new ServiceError(`cannot read the registry's servers at ${c.target}: ${reason}`);
  } finally {
    await client.close().catch(() => undefined);
  }
}
