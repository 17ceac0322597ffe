/**
 * `npm run bench`: ratios against baselines measured in the same run (not timed tests). The store benchmark
 * needs the MongoDB-wire server, the up benchmark the Pulumi engine (scripts/with-services.js provides both). The
 * `pulumi up` against Keycloak's admin API comparison of DESIGN.md needs the Keycloak resource plugin, which cannot
 * be built here (see the README), and is not run.
 */
import { benchCore, benchCoreMemory, type BenchResult } from "./core";
import { benchStore } from "./store";
import { benchUp } from "./up";

async function main(): Promise<void> {
  const results: BenchResult[] = [];
  results.push(benchCore());
  results.push(benchCoreMemory());
  const uri = process.env.MCP_ACCESS_TEST_MONGODB_URI;
  if (!uri) throw new Error("no database: run through npm run bench (scripts/with-services.js db)");
  results.push(await benchStore(uri));
  results.push(await benchUp(uri));
  for (const r of results) {
    process.stdout.write(`${r.name}\n  ${r.subject.toFixed(1)} ${r.unit} vs ${r.baseline.toFixed(1)} ${r.unit} (${r.against}): ratio ${r.ratio.toFixed(2)}${r.note ? ` — ${r.note}` : ""}\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
