/** The CLI as a user runs it: output formats, exit codes, and no stack traces. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { run } from "../../../cli/main";
import { jsonSchemaFor, SCHEMA_NAMES } from "../../../lib";
import { makeRepo, GROUP, USER } from "../../support/repo";
import { REPO_ROOT } from "../../support/paths";

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

const bad = () => makeRepo({ "groups/g.yaml": GROUP + "bogus: 1\n", "users/u.yaml": USER("Alice") });

describe("mcp-access validate", () => {
  it("exits 0 on a valid repository and says what it found", async () => {
    const r = await cli(["validate", "--dir", REPO_ROOT]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /^ok: \d+ groups, \d+ users, \d+ M2M accounts/m);
  });

  it("exits 1 and prints file:line:column: severity: path: message", async () => {
    const r = await cli(["validate", "--dir", bad()]);
    assert.equal(r.code, 1);
    assert.match(r.out, /^groups\/g\.yaml:7:1: error: bogus: unknown field "bogus"/m);
    assert.match(r.out, /^users\/u\.yaml:1:11: error: username: username "Alice" has upper-case letters/m);
    assert.match(r.out, /^invalid: 2 errors/m);
  });

  it("prints JSON with ok, errors and warnings", async () => {
    const r = await cli(["validate", "--dir", bad(), "--format", "json"]);
    assert.equal(r.code, 1);
    const json = JSON.parse(r.out);
    assert.equal(json.ok, false);
    assert.deepEqual(Object.keys(json.errors[0]).sort(), ["column", "file", "line", "message", "path"]);
    assert.equal(json.errors.length, 2);
    assert.ok(Array.isArray(json.warnings));
  });

  it("prints GitHub workflow annotations", async () => {
    const r = await cli(["validate", "--dir", bad(), "--format", "github"]);
    assert.equal(r.code, 1);
    assert.match(r.out, /^::error file=groups\/g\.yaml,line=7,col=1,title=bogus::unknown field "bogus"/m);
  });

  it("refuses a directory holding none of groups/, users/, m2m/ (applying it would delete everything)", async () => {
    const dir = makeRepo({ "README.md": "not definitions\n" });
    const r = await cli(["validate", "--dir", dir]);
    assert.equal(r.code, 1);
    assert.match(
      r.out,
      /holds none of groups\/, users\/, m2m\/; applying it would remove every group, user and M2M account/,
    );
    assert.doesNotMatch(r.out, /^ok:/m);
  });

  it("checks as a stack will apply: bootstrap and existing groups from its config", async () => {
    const dir = makeRepo({
      "users/u.yaml": USER("alice", "[ops]"),
      "stacks/Pulumi.prod.yaml": "config:\n  mcp-gateway-access:existingGroups: [ops]\n",
      "stacks/Pulumi.bare.yaml": "config: {}\n",
    });
    assert.equal((await cli(["validate", "--dir", dir, "--stack", "prod"])).code, 0);
    assert.equal((await cli(["validate", "--dir", dir, "--stack", "bare"])).code, 1);
    const missing = await cli(["validate", "--dir", dir, "--stack", "nope"]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /stack file stacks\/Pulumi.nope.yaml not found/);
  });

  it("rejects a bad option with a message, not a stack trace", async () => {
    const r = await cli(["validate", "--format", "xml"]);
    assert.equal(r.code, 2);
    assert.match(r.err, /Allowed choices are text, json, github/);
    assert.doesNotMatch(r.err, /at .*\.js:\d+/);
  });
});

describe("mcp-access render", () => {
  it("prints the registry documents as JSON and notes the shorthand conversion", async () => {
    const r = await cli(["render", "--dir", REPO_ROOT]);
    assert.equal(r.code, 0, r.err);
    const docs = JSON.parse(r.out);
    assert.deepEqual(Object.keys(docs), ["scopes", "m2m_clients"]);
    assert.match(r.err, /fininfo-analysts.yaml: "servers" shorthand converted/);
  });

  it("with --bootstrap, renders upstream's seeds and says whether #1732's http:* rule is in", async () => {
    const r = await cli(["render", "--dir", REPO_ROOT, "--bootstrap"]);
    assert.equal(r.code, 0, r.err);
    const ids = JSON.parse(r.out).scopes.map((s: { _id: string }) => s._id);
    assert.ok(ids.includes("registry-admins") && ids.includes("mcp-servers-unrestricted/read"), ids.join(", "));
    assert.match(r.err, /gatewayGenericProxy is off, so registry-admins leaves out #1732's/);
  });

  it("renders nothing and exits 1 when the definitions are invalid", async () => {
    const r = await cli(["render", "--dir", bad()]);
    assert.equal(r.code, 1);
    assert.equal(r.out, "");
    assert.match(r.err, /nothing rendered: 2 errors/);
  });

  it("renders Entra records with --idp entra", async () => {
    const r = await cli(["render", "--dir", REPO_ROOT, "--idp", "entra"]);
    assert.equal(r.code, 0);
    assert.ok(
      JSON.parse(r.out).m2m_clients.every(
        (m: { provider: string; client_id?: string }) => m.provider === "entra" && m.client_id === undefined,
      ),
    );
  });
});

describe("mcp-access schema", () => {
  it("prints JSON Schemas for the three kinds and access tests, which refuse unknown fields", async () => {
    const r = await cli(["schema"]);
    const all = JSON.parse(r.out);
    const kinds = ["groups", "users", "m2m", "access-tests", "rate-limits", "identity-providers", "tool-blocks"];
    assert.deepEqual(Object.keys(all), kinds);
    assert.equal(all["identity-providers"].additionalProperties, false);
    assert.equal(all["access-tests"].items.additionalProperties, false);
    assert.equal(all.groups.additionalProperties, false);
    assert.ok(all.groups.properties.server_access);
    assert.deepEqual(all.groups.required, ["scope_name"]);
  });

  it("matches the schemas committed for editors in schemas/", () => {
    for (const kind of SCHEMA_NAMES) {
      const committed = JSON.parse(readFileSync(join(REPO_ROOT, "schemas", `${kind}.schema.json`), "utf8"));
      assert.deepEqual(
        committed,
        jsonSchemaFor(kind),
        `schemas/${kind}.schema.json is stale: run mcp-access schema --out schemas`,
      );
    }
  });

  it("refuses an unknown kind", async () => {
    const r = await cli(["schema", "roles"]);
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown kind "roles"/);
  });
});

describe("the mcp-access binary", () => {
  it("runs as a process and sets the exit code", () => {
    const p = spawnSync(process.execPath, [join(REPO_ROOT, "bin", "mcp-access.js"), "validate", "--dir", bad()], {
      encoding: "utf8",
    });
    assert.equal(p.status, 1);
    assert.match(p.stdout, /unknown field "bogus"/);
  });
});

describe("what every command shares", () => {
  it("stops on invalid definitions the same way: the errors on stderr, nothing on stdout, exit 1", async () => {
    for (const args of [["render"], ["explain", "--groups", "g"]]) {
      const r = await cli([...args, "--dir", bad()]);
      assert.equal(r.code, 1, args[0]);
      assert.equal(r.out, "", args[0]);
      assert.match(r.err, /^groups\/g\.yaml:7:1: error: bogus: unknown field "bogus"/m, args[0]);
    }
  });

  it("reads a list option repeated or comma-separated alike", async () => {
    const dir = makeRepo({ "groups/g.yaml": GROUP, "users/a.yaml": USER("alice", "[tools-users, ext-a, ext-b]") });
    assert.equal((await cli(["validate", "--dir", dir, "--existing-group", "ext-a,ext-b"])).code, 0);
    assert.equal(
      (await cli(["validate", "--dir", dir, "--existing-group", "ext-a", "--existing-group", "ext-b"])).code,
      0,
    );
    assert.equal((await cli(["validate", "--dir", dir, "--existing-group", "ext-a"])).code, 1);
  });
});
