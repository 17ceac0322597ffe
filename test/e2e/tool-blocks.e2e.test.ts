/**
 * Tool blocks end to end on the local stack: a definitions repository in git whose group grants a tool, then a
 * commit that blocks it in tool-blocks/:
 * - `validate` and `test` fail the access test that allows the tool, naming the block;
 * - `diff --base` shows the tool lost by everyone who reached it (the group's member and an admin) and the block;
 * - `explain --stack` reads the registry's own blocks from the local stack's database (FerretDB: a server document
 *   of mcp_servers_<ns> with tool_overrides, as server_repository.py @ 0530678f stores them), decides with them
 *   and warns of each block only one side holds; with the database out of reach it warns and goes on.
 * The registry's own enforcement (1.31.0) is not exercised: the auth server these tests run is main @ 8c5b834b,
 * before blocks existed (and blocks are enforced by the registry, not by /validate).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { MongoClient } from "mongodb";
import { cli } from "../support/cli";
import { GitRepo } from "../support/git-repo";
import { databaseUri } from "../support/services";

const DB = `mcp_registry_tb_${process.pid}`;
const NS = `tb${process.pid}`;

const GROUP = `scope_name: tb-tools
description: calls currenttime's tools
server_access:
  - server: currenttime
    methods: [initialize, tools/list, tools/call]
    tools: [current_time_by_timezone, set_time]
`;
const USER = (name: string, groups: string) =>
  `username: ${name}\nemail: ${name}@example.com\nfirst_name: F\nlast_name: L\ngroups: ${groups}\n`;
const TESTS = `- identity: {user: alice}
  allow:
    - {server: currenttime, method: tools/call, tool: set_time}
`;
/** What the team writes once set_time is blocked (explain refuses definitions whose access tests are broken). */
const TESTS_AFTER = `- identity: {user: alice}
  deny:
    - {server: currenttime, method: tools/call, tool: set_time}
`;
const BLOCK = `# yaml-language-server: $schema=../schemas/tool-blocks.schema.json
- server: currenttime
  tool: set_time
  reason: changes the server's clock
`;
const STACK = (timeoutMs = 10000) =>
  `config:\n  mcp-gateway-access:database: ${DB}\n  mcp-gateway-access:namespace: ${NS}\n` +
  `  mcp-gateway-access:existingGroups: [registry-admins]\n  mcp-gateway-access:mongodbTimeoutMs: ${timeoutMs}\n`;

let git: GitRepo;
let base: string;
let mongo: MongoClient;
const savedUri = process.env.MONGODB_CONNECTION_STRING;

before(async () => {
  const uri = databaseUri();
  mongo = await new MongoClient(uri).connect();
  // The stack's connection string is a secret: as for `pulumi up`, it comes from the environment.
  process.env.MONGODB_CONNECTION_STRING = uri;
  git = new GitRepo();
  git.write({
    "groups/tb-tools.yaml": GROUP,
    "users/alice.yaml": USER("alice", "[tb-tools]"),
    "users/root.yaml": USER("root", "[registry-admins]"),
    "access-tests/alice.yaml": TESTS,
    "stacks/Pulumi.e2e.yaml": STACK(),
    "stacks/Pulumi.away.yaml": STACK(500),
  });
  base = git.commit("a group granting set_time");
  git.write({ "tool-blocks/currenttime.yaml": BLOCK });
  git.commit("block set_time");
  await mongo
    .db(DB)
    .collection<{ _id: string; [field: string]: unknown }>(`mcp_servers_${NS}`)
    .insertOne({
      _id: "/currenttime/",
      server_name: "currenttime",
      tool_overrides: {
        current_time_by_timezone: { blocked: true, reason: "HIGH:PROMPT INJECTION", source: "scanner" },
        list_zones: { blocked: false, reason: "unblocked", source: "admin" },
      },
    });
});

after(async () => {
  if (savedUri === undefined) delete process.env.MONGODB_CONNECTION_STRING;
  else process.env.MONGODB_CONNECTION_STRING = savedUri;
  await mongo
    ?.db(DB)
    .dropDatabase()
    .catch(() => undefined);
  await mongo?.close();
});

describe("tool blocks on the local stack", () => {
  it("the base validates; with the block, validate and test fail the allow, naming the block", async () => {
    const blocked = await cli(["validate", "--dir", git.dir]);
    assert.equal(blocked.code, 1, blocked.out + blocked.err);
    const all = blocked.out + blocked.err;
    assert.match(all, /access-tests\/alice\.yaml:3:\d+/);
    assert.match(
      all,
      /blocked in tool-blocks\/ \(tool-blocks\/currenttime\.yaml:\d+:\d+: changes the server's clock\)/,
    );
    const tested = await cli(["test", "--dir", git.dir]);
    assert.equal(tested.code, 1);
    assert.match(tested.out, /FAIL {2}user alice: allow/);
  });

  it("diff --base shows set_time lost by alice and by the admin, and the block added", async () => {
    const r = await cli(["diff", "--dir", git.dir, "--base", base, "--format", "json"]);
    assert.equal(r.code, 0, r.err);
    const d = JSON.parse(r.out) as {
      identities: Array<{ name: string; lost: string[] }>;
      toolBlocks?: { added: Array<{ server: string; tool: string }> };
    };
    for (const name of ["alice", "root"])
      assert.deepEqual(d.identities.find((i) => i.name === name)?.lost, ["server currenttime: tool set_time"], name);
    assert.deepEqual(
      d.toolBlocks?.added.map((b) => `${b.server} ${b.tool}`),
      ["currenttime set_time"],
    );
    const md = await cli(["diff", "--dir", git.dir, "--base", base]);
    assert.match(md.out, /### Tool blocks/);
  });

  it("explain --stack decides with the registry's own blocks and warns of each block only one side holds", async () => {
    git.write({ "access-tests/alice.yaml": TESTS_AFTER });
    assert.equal((await cli(["validate", "--dir", git.dir])).code, 0);
    const args = ["explain", "--dir", git.dir, "--stack", "e2e", "--user", "alice", "--server", "currenttime"];
    const r = await cli([...args, "--method", "tools/call", "--tool", "current_time_by_timezone"]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^DENY user alice/);
    assert.match(r.out, /blocked on the registry \(source: scanner, HIGH:PROMPT INJECTION\)/);
    assert.ok(!r.out.includes("note: assumes"), r.out);
    assert.match(r.err, /tool-blocks\/ blocks set_time on currenttime .* but the registry does not/);
    assert.match(r.err, /the registry blocks current_time_by_timezone on currenttime \(source: scanner/);
    const unblocked = await cli([...args, "--method", "tools/call", "--tool", "list_zones"]);
    assert.ok(!unblocked.out.includes("blocked on the registry"), unblocked.out);
  });

  it("explain --stack with the database out of reach: a warning, and the declared blocks only", async () => {
    const saved = process.env.MONGODB_CONNECTION_STRING;
    process.env.MONGODB_CONNECTION_STRING = "mongodb://127.0.0.1:9/";
    try {
      const r = await cli([
        ...["explain", "--dir", git.dir, "--stack", "away", "--user", "alice"],
        ...["--server", "currenttime", "--method", "tools/call", "--tool", "current_time_by_timezone"],
      ]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, /warning: the registry's tool blocks were not read/);
      assert.match(r.out, /^ALLOW user alice/);
      assert.match(r.out, /note: assumes current_time_by_timezone is not blocked on currenttime/);
    } finally {
      process.env.MONGODB_CONNECTION_STRING = saved;
    }
  });
});
