/**
 * `pulumi up` benchmark with the real engine, on a medium repository (50 groups, 500 users, 50 M2M): a no-op
 * `up` against the first one. The stack keeps only the registry's documents: the Keycloak half needs the
 * Keycloak plugin, which cannot be built here (see the README).
 */
import { rmSync } from "node:fs";
import { MongoClient } from "mongodb";
import { engineStack } from "../test/support/engine";
import { generateRepository, type BenchResult } from "./core";

export async function benchUp(uri: string): Promise<BenchResult> {
  const repo = generateRepository(50, 500, 50);
  const db = `mcp_registry_benchup_${process.pid}`;
  const e = await engineStack(`bench-${process.pid}`, {
    "mcp-gateway-access:definitionsDir": { value: repo },
    "mcp-gateway-access:manageIdentityProvider": { value: "false" },
    "mcp-gateway-access:database": { value: db },
    "mcp-gateway-access:mongodbUri": { value: uri, secret: true },
  });
  try {
    let t = process.hrtime.bigint();
    await e.stack.up({ onOutput: () => undefined });
    const baselineMs = Number(process.hrtime.bigint() - t) / 1e6;
    t = process.hrtime.bigint();
    const again = await e.stack.up({ onOutput: () => undefined });
    const subjectMs = Number(process.hrtime.bigint() - t) / 1e6;
    const changed = Object.entries(again.summary.resourceChanges ?? {}).filter(([k, n]) => k !== "same" && n > 0);
    return {
      name: "pulumi up: a no-op up of 50 groups and 50 M2M records (registry documents only)",
      against: "the first up that created them",
      unit: "ms",
      baseline: baselineMs,
      subject: subjectMs,
      ratio: subjectMs / baselineMs,
      note: changed.length ? `unexpected changes: ${JSON.stringify(changed)}` : "no changes",
    };
  } finally {
    await e.stack.destroy({ onOutput: () => undefined }).catch(() => undefined);
    await e.cleanup();
    const c = await new MongoClient(uri, { retryWrites: false }).connect();
    await c.db(db).dropDatabase().catch(() => undefined);
    await c.close();
    rmSync(repo, { recursive: true, force: true });
  }
}
