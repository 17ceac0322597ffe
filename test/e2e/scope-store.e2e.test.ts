/**
 * End to end with the real Pulumi engine: `pulumi up` of this repository's program on a sample repository
 * writes the registry's documents to a real MongoDB-wire server, verified with the mongodb driver — not
 * through Pulumi's own view. (The Keycloak side needs the Keycloak resource plugin; see the README.)
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { MongoClient, type Db } from "mongodb";
import { checkRepository, renderRegistryDocuments } from "../../lib";
import { changes, engineStack, type EngineStack } from "../support/engine";
import { makeRepo } from "../support/repo";
import { databaseUri } from "../support/services";

const STACK = `e2e-${process.pid}`;
const DB = `mcp_registry_e2e_${process.pid}`;
const URI_MARKER = "uri-secret-marker-7f3a";
const PASSWORD_MARKER = "password-secret-marker-91bc";

const GROUP_A =
  "scope_name: team-a\ndescription: Team A\nserver_access:\n  - server: currenttime\n    methods: " +
  "[initialize, tools/list, tools/call]\n    tools: [current_time_by_timezone]\n";
const GROUP_B = "scope_name: team-b\nservers:\n  - server_name: fininfo\n    access_level: read\n";

let repo: string;
let e2e: EngineStack;
let client: MongoClient;
let db: Db;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
}

const scopes = () =>
  db.collection<{ _id: string } & Record<string, unknown>>("mcp_scopes_default").find({}).sort({ _id: 1 }).toArray();

before(async () => {
  const uri = databaseUri();
  client = await new MongoClient(uri, { retryWrites: false }).connect();
  db = client.db(DB);
  repo = makeRepo({
    "groups/a.yaml": GROUP_A,
    "groups/b.yaml": GROUP_B,
    "m2m/bot.yaml": "name: agent-bot\ngroups: [team-a, team-b]\n",
  });
  const sep = uri.includes("?") ? "&" : "?";
  e2e = await engineStack(STACK, {
    "mcp-gateway-access:definitionsDir": { value: repo },
    "mcp-gateway-access:manageIdentityProvider": { value: "false" },
    "mcp-gateway-access:database": { value: DB },
    "mcp-gateway-access:mongodbUri": { value: `${uri}${sep}appName=${URI_MARKER}`, secret: true },
    "mcp-gateway-access:mongodbPassword": { value: PASSWORD_MARKER, secret: true },
  });
});

after(async () => {
  if (e2e) {
    await e2e.stack.destroy({ onOutput: () => undefined }).catch(() => undefined);
    await e2e.cleanup();
  }
  await db?.dropDatabase().catch(() => undefined);
  await client?.close();
});

describe("pulumi up with the real engine", () => {
  it("creates the scope documents and M2M records the definitions render", async () => {
    const result = await e2e.stack.up({ onOutput: () => undefined });
    assert.equal(result.summary.result, "succeeded");
    const docs = await scopes();
    const expected = renderRegistryDocuments(checkRepository(repo).model).scopes;
    assert.deepEqual(
      docs.map(({ created_at, updated_at, ...rest }) => {
        assert.ok(created_at instanceof Date && updated_at instanceof Date);
        return rest;
      }),
      expected,
    );
    const m2m = await db.collection("idp_m2m_clients").find({}).toArray();
    assert.deepEqual(
      m2m.map((r) => [r.client_id, r.name, r.groups, r.provider]),
      [["agent-bot", "agent-bot", ["team-a", "team-b"], "keycloak"]],
    );
    const indexes = await db.collection("mcp_scopes_default").indexes();
    assert.ok(indexes.some((i) => i.name === "group_mappings_1"));
  });

  it("changes nothing on a second up", async () => {
    const before = await scopes();
    const result = await e2e.stack.up({ onOutput: () => undefined });
    assert.deepEqual(changes(result.summary), {});
    assert.deepEqual(await scopes(), before, "not even updated_at moved");
  });

  it(
    "takes over records an earlier version stored with a serialized provider closure: no change, " +
      "the new text stored",
    async () => {
      // Earlier versions stored Pulumi's serialization of a forwarding object as each record's `__provider`.
      const implementation = require.resolve("../../components/scopes/provider");
      const call = (method: string, args: unknown[]): unknown => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module the state's text loads, by path
        const p = (require(implementation) as { recordProvider: Record<string, (...a: unknown[]) => unknown> })
          .recordProvider;
        return p[method]!(...args);
      };
      const methods = ["configure", "check", "diff", "create", "read", "update", "delete"];
      const legacy = Object.fromEntries(methods.map((m) => [m, (...a: unknown[]) => call(m, a)]));
      const legacyText = (await pulumi.runtime.serializeFunction(() => legacy, { allowSecrets: true })).text;
      const exported = await e2e.stack.exportStack();
      const resources = (
        exported.deployment as {
          resources: Array<{ type: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> }>;
        }
      ).resources;
      const records = resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/mcp-gateway-access:"));
      assert.ok(records.length >= 3);
      const current = String(records[0]!.inputs!.__provider);
      for (const r of records) r.inputs!.__provider = r.outputs!.__provider = legacyText;
      await e2e.stack.importStack(exported);

      const before = await scopes();
      assert.deepEqual(changes((await e2e.stack.up({ onOutput: () => undefined })).summary), {});
      assert.deepEqual(await scopes(), before);
      const after = (await e2e.stack.exportStack()).deployment as {
        resources: Array<{ type: string; inputs?: Record<string, unknown> }>;
      };
      for (const r of after.resources.filter((x) => x.type.startsWith("pulumi-nodejs:dynamic/mcp-gateway-access:"))) {
        assert.equal(r.inputs!.__provider, current, "the record now stores the current provider text");
      }
    },
  );

  it("changing one file changes only its document", async () => {
    writeFileSync(
      join(repo, "groups/a.yaml"),
      GROUP_A.replace("[current_time_by_timezone]", "[current_time_by_timezone, convert_time]"),
    );
    const preview = await e2e.stack.preview({ onOutput: () => undefined });
    assert.deepEqual(changes({ resourceChanges: preview.changeSummary }), { update: 1 });
    const before = (await scopes()).find((d) => d._id === "team-b");
    const result = await e2e.stack.up({ onOutput: () => undefined });
    assert.deepEqual(changes(result.summary), { update: 1 });
    const docs = await scopes();
    const a = docs.find((d) => d._id === "team-a")!;
    assert.deepEqual((a.server_access as Array<{ tools: string[] }>)[0]!.tools, [
      "current_time_by_timezone",
      "convert_time",
    ]);
    assert.deepEqual(
      docs.find((d) => d._id === "team-b"),
      before,
      "the other document is untouched",
    );
  });

  it("deleting a file deletes what it created", async () => {
    rmSync(join(repo, "groups/b.yaml"));
    writeFileSync(join(repo, "m2m/bot.yaml"), "name: agent-bot\ngroups: [team-a]\n");
    const result = await e2e.stack.up({ onOutput: () => undefined });
    assert.equal(result.summary.resourceChanges?.delete, 1);
    assert.deepEqual(
      (await scopes()).map((d) => d._id),
      ["team-a"],
    );
  });

  it("refresh shows a change made in the database, and up refuses to overwrite it", async () => {
    await db
      .collection("mcp_scopes_default")
      .updateOne({ _id: "team-a" as never }, { $push: { group_mappings: "added-in-registry" } as never });
    const refresh = await e2e.stack.refresh({ onOutput: () => undefined });
    assert.equal(refresh.summary.resourceChanges?.update, 1, JSON.stringify(refresh.summary.resourceChanges));
    writeFileSync(join(repo, "groups/a.yaml"), GROUP_A.replace("Team A", "Team A, renamed"));
    await assert.rejects(
      e2e.stack.up({ onOutput: () => undefined }),
      /changed outside this stack since it was last applied[\s\S]*group_mappings: \+ "added-in-registry"/,
    );
    const doc = (await scopes())[0]!;
    assert.equal(doc.description, "Team A", "nothing was written");
    await e2e.stack.setConfig("mcp-gateway-access:onScopeConflict", { value: "merge" });
    await e2e.stack.up({ onOutput: () => undefined });
    const merged = (await scopes())[0]!;
    assert.equal(merged.description, "Team A, renamed");
    assert.deepEqual(merged.group_mappings, ["team-a", "added-in-registry"]);
  });

  it("stops on invalid definitions with file:line:column, applies nothing and prints no stack trace", async () => {
    const before = await scopes();
    writeFileSync(join(repo, "groups/bad.yaml"), "scope_name: team-c\nserver_acess: []\n");
    try {
      await assert.rejects(e2e.stack.up({ onOutput: () => undefined }), (e: Error) => {
        assert.match(
          e.message,
          /groups\/bad\.yaml:2:1: error: server_acess: unknown field "server_acess": did you mean "server_access"\?/,
        );
        assert.match(e.message, /nothing was applied/);
        assert.doesNotMatch(e.message, /\n\s+at .+\.js:\d+:\d+/, "no JavaScript stack trace");
        return true;
      });
      assert.deepEqual(await scopes(), before);
    } finally {
      rmSync(join(repo, "groups/bad.yaml"));
    }
  });

  it("keeps no secret in plain text in the state", async () => {
    let files = 0;
    for (const file of walk(e2e.backendDir)) {
      const text = readFileSync(file, "utf8");
      assert.doesNotMatch(text, new RegExp(URI_MARKER), file);
      assert.doesNotMatch(text, new RegExp(PASSWORD_MARKER), file);
      if (text.includes("__provider")) files++;
    }
    assert.ok(files > 0, "the state (with the serialized provider) was searched");
  });
});
