/**
 * `npm run bench` at its smoke size: every benchmark runs once on a tiny repository (the engine, Keycloak and
 * the database included) and the results file has every row. Its figures are not checked: speed is what
 * `npm run bench` measures, as ratios against baselines of the same run.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { BenchResult } from "../../bench/stats";
import { REPO_ROOT } from "../support/paths";
import { databaseUri, keycloakUrl } from "../support/services";

describe("npm run bench -- --smoke", () => {
  it("runs every benchmark and writes the table's rows to the results file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mcp-access-bench-smoke-"));
    try {
      const out = join(dir, "results.json");
      const env = {
        ...process.env,
        MCP_ACCESS_TEST_MONGODB_URI: databaseUri(),
        MCP_ACCESS_TEST_KEYCLOAK_URL: keycloakUrl(),
      };
      const stdout = await new Promise<string>((resolve, reject) =>
        execFile(
          process.execPath,
          [join(REPO_ROOT, "dist", "bench", "run.js"), "--smoke", "--out", out],
          { env, maxBuffer: 1 << 24 },
          (err, so, se) => (err ? reject(new Error(`bench failed: ${se || err.message}`)) : resolve(so)),
        ),
      );
      const written = JSON.parse(readFileSync(out, "utf8")) as { smoke: boolean; results: BenchResult[] };
      assert.equal(written.smoke, true);
      const names = written.results.map((r) => r.name);
      for (const prefix of [
        "core: validate",
        "core memory",
        "diff:",
        "report:",
        "hostile input",
        "scope store",
        "pulumi up, first",
        "pulumi up, no-op",
        "pulumi preview",
        "state per scope document",
      ]) {
        assert.ok(
          names.some((n) => n.startsWith(prefix)),
          `a "${prefix}" row in ${names.join(", ")}`,
        );
      }
      for (const r of written.results) {
        for (const s of [r.baseline, r.subject, r.ratio])
          assert.ok(
            s.min <= s.median && s.median <= s.max && s.min > 0,
            `${r.name}: min/median/max ${JSON.stringify(s)}`,
          );
        assert.ok(stdout.includes(r.name), `the table prints ${r.name}`);
      }
      const noop = written.results.find((r) => r.name.startsWith("pulumi up, no-op"))!;
      const converged = /^no changes; checkpoint written \d+ times$/;
      assert.match(noop.note ?? "", converged, "the converged stack's no-op up and preview change nothing");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
