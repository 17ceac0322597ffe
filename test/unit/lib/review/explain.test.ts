/**
 * Authorisation decisions (contract §5.4) and the explain command; the branch table from upstream is
 * lib/registry/evaluate.test.ts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { authorize, type ScopeForAuth } from "../../../../lib";
import { run } from "../../../../cli/main";
import { makeRepo } from "../../../support/repo";

const docs: ScopeForAuth[] = [
  {
    _id: "readers",
    group_mappings: ["readers"],
    server_access: [{ server: "/currenttime/", methods: ["initialize", "tools/list"], tools: ["now"] }],
  },
  {
    _id: "callers",
    group_mappings: ["callers", "guid-1"],
    server_access: [{ server: "currenttime", methods: ["tools/call"], tools: ["now", "convert"] }],
  },
  { _id: "everything", group_mappings: ["ops"], server_access: [{ server: "*", methods: ["all"], tools: ["*"] }] },
  {
    _id: "legacy",
    group_mappings: ["legacy"],
    server_access: [{ server: "fininfo", methods: ["initialize"], tools: ["ping", "quote"] }],
  },
  { _id: "star-string", group_mappings: ["star"], server_access: [{ server: "fininfo", methods: ["*"], tools: "*" }] },
  {
    _id: "grouped",
    group_mappings: ["grouped"],
    server_access: [
      { scope_name: "grouped", access_rules: [{ server: "sre", methods: ["tools/list"], tools: ["restart"] }] },
    ],
  },
  { _id: "agents-only", group_mappings: ["agents"], server_access: [{ agent: "/a", actions: ["invoke_agent"] }] },
  {
    _id: "api",
    group_mappings: ["api-users"],
    server_access: [{ server: "api", methods: ["GET", "servers"], tools: [] }],
  },
];

const table: Array<[string, string[], string, string, string | undefined, boolean, string | null]> = [
  // description, groups, server, method, tool, allowed, granting scope
  ["no groups map to a scope: 403", ["nobody"], "currenttime", "initialize", undefined, false, null],
  ["method listed", ["readers"], "currenttime", "tools/list", undefined, true, "readers"],
  ["server names match after stripping slashes", ["readers"], "/currenttime", "initialize", undefined, true, "readers"],
  ["method not listed: default deny", ["readers"], "currenttime", "ping", undefined, false, null],
  ["other server: deny", ["readers"], "fininfo", "initialize", undefined, false, null],
  [
    "tools/call needs the tool in tools, not the method",
    ["readers"],
    "currenttime",
    "tools/call",
    "now",
    true,
    "readers",
  ],
  ["tools/call of a tool not listed: deny", ["readers"], "currenttime", "tools/call", "convert", false, null],
  [
    "tools/call allowed by a second scope",
    ["readers", "callers"],
    "currenttime",
    "tools/call",
    "convert",
    true,
    "callers",
  ],
  ["tools/call without a tool name: deny", ["callers"], "currenttime", "tools/call", undefined, false, null],
  [
    "tools/call in methods alone does not grant a method other than tools/call",
    ["callers"],
    "currenttime",
    "tools/list",
    undefined,
    false,
    null,
  ],
  ["Entra Object IDs map like names", ["guid-1"], "currenttime", "tools/call", "now", true, "callers"],
  ["server * and methods all", ["ops"], "anything", "resources/list", undefined, true, "everything"],
  ["tools * grants every tool", ["ops"], "anything", "tools/call", "whatever", true, "everything"],
  [
    "backward compatibility: a method named in tools is granted",
    ["legacy"],
    "fininfo",
    "ping",
    undefined,
    true,
    "legacy",
  ],
  [
    "the backward-compatible rule does not apply to tools/call",
    ["legacy"],
    "fininfo",
    "tools/call",
    "ping",
    true,
    "legacy",
  ],
  ["methods * and tools as the bare string *", ["star"], "fininfo", "tools/call", "quote", true, "star-string"],
  ["methods * grants any method", ["star"], "fininfo", "prompts/list", undefined, true, "star-string"],
  ["rules inside {scope_name, access_rules} count", ["grouped"], "sre", "tools/list", undefined, true, "grouped"],
  ["agent rules grant no server access", ["agents"], "a", "initialize", undefined, false, null],
  ["registry API rules use HTTP verbs and path segments", ["api-users"], "api", "servers", undefined, true, "api"],
  ["registry API: a verb not listed is denied", ["api-users"], "api", "DELETE", undefined, false, null],
];

describe("authorize (the auth server's rules)", () => {
  for (const [what, groups, server, method, tool, allowed, scope] of table) {
    it(what, () => {
      const d = authorize(docs, groups, server, method, tool);
      assert.equal(d.allowed, allowed, d.reason);
      assert.equal(d.scope, scope);
      if (allowed) assert.ok(d.rule);
      else assert.equal(d.rule, null);
    });
  }

  it("the first granting scope wins, in the order the scopes are found", () => {
    const d = authorize(docs, ["callers", "ops"], "currenttime", "tools/call", "now");
    assert.equal(d.scope, "callers");
    assert.deepEqual(d.scopes, ["callers", "everything"]);
  });
});

describe("mcp-access explain", () => {
  const repo = makeRepo({
    "groups/t.yaml":
      "scope_name: tools-users\nserver_access:\n  - server: currenttime\n    methods: [initialize, " +
      "tools/list, tools/call]\n    tools: [now]\nui_permissions:\n  list_service: [currenttime]\n",
    "groups/admins.yaml": "scope_name: ops-admins\nui_permissions:\n  modify_service: [all]\n",
    "users/a.yaml": "username: alice\nemail: a@example.com\nfirst_name: A\nlast_name: A\ngroups: [tools-users]\n",
    "users/d.yaml":
      "username: dan\nemail: d@example.com\nfirst_name: D\nlast_name: D\ngroups: [tools-users]\nenabled: false\n",
    "m2m/b.yaml": "name: bot\ngroups: [tools-users, ops-admins]\n",
    "users/c.yaml": "username: carol\nemail: c@example.com\nfirst_name: C\nlast_name: C\ngroups: [registry-admins]\n",
  });
  async function cli(args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await run(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
    return { code, out: out.join("\n"), err: err.join("\n") };
  }

  it("prints one decision as JSON, with the scope and rule that granted it", async () => {
    const r = await cli([
      "explain",
      "--dir",
      repo,
      "--user",
      "alice",
      "--server",
      "currenttime",
      "--method",
      "tools/call",
      "--tool",
      "now",
      "--format",
      "json",
    ]);
    assert.equal(r.code, 0);
    const j = JSON.parse(r.out);
    assert.deepEqual(
      {
        allowed: j.allowed,
        scope: j.scope,
        rule: j.rule,
        scopes: j.scopes,
        branch: j.branch,
        decided_by: j.decided_by,
      },
      {
        allowed: true,
        scope: "tools-users",
        rule: { server: "currenttime", methods: ["initialize", "tools/list", "tools/call"], tools: ["now"] },
        scopes: ["tools-users"],
        branch: "tool-listed",
        decided_by: "auth_server/server.py validate_server_tool_access",
      },
    );
    assert.match(j.reason, /tools\/call checks tools only/);
    assert.match(j.upstream, /mcp-gateway-registry/);
  });

  it("knows the bootstrap admin the stack creates (a member of registry-admins), and only with bootstrap", async () => {
    const r = await cli([
      "explain",
      "--dir",
      repo,
      "--bootstrap",
      "--user",
      "admin",
      "--agent",
      "/flights",
      "--format",
      "json",
    ]);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.deepEqual([j.identity, j.allowed], ["user admin (the bootstrap admin)", true]);
    const plain = await cli(["explain", "--dir", repo, "--bootstrap", "--user", "admin"]);
    assert.match(plain.out, /groups: registry-admins/);
    const without = await cli(["explain", "--dir", repo, "--user", "admin"]);
    assert.equal(without.code, 2);
    assert.match(without.err, /no user "admin" in users\//);
  });

  it("derives the key from a request path (--url) and says when a path is not scope-checked", async () => {
    const ok = JSON.parse(
      (
        await cli([
          "explain",
          "--dir",
          repo,
          "--user",
          "alice",
          "--url",
          "/currenttime/mcp",
          "--method",
          "tools/list",
          "--format",
          "json",
        ])
      ).out,
    );
    assert.deepEqual([ok.allowed, ok.key, ok.scope, ok.branch], [true, "currenttime", "tools-users", "method-listed"]);
    const api = await cli(["explain", "--dir", repo, "--user", "alice", "--url", "/api/servers"]);
    assert.match(api.out, /^NOT SCOPE-CHECKED user alice: \(no body\) \/api\/servers\n  \/api\/\* is the registry API/);
  });

  it("decides an agent action like validate_a2a_agent_access, admin groups bypassing", async () => {
    const denied = JSON.parse(
      (await cli(["explain", "--dir", repo, "--user", "alice", "--agent", "/flights", "--format", "json"])).out,
    );
    assert.deepEqual([denied.allowed, denied.decided_by], [false, "auth_server/server.py validate_a2a_agent_access"]);
    const admin = await cli([
      "explain",
      "--dir",
      repo,
      "--groups",
      "registry-admins",
      "--agent",
      "flights",
      "--action",
      "invoke_agent",
    ]);
    const head = "^ALLOW groups registry-admins: invoke_agent on agent flights\n  by scope registry-admins\n";
    assert.match(admin.out, new RegExp(`${head}  scope "registry-admins" is an admin marker`));
  });

  /** One decision as JSON. */
  const json = async (...args: string[]) => JSON.parse((await cli(["explain", ...args, "--format", "json"])).out);
  type Answer = { depends_on: Array<{ switch: string; on: boolean }> };
  const switches = (j: Answer) => j.depends_on.map((d) => [d.switch, d.on]);

  it("--http with the generic proxy off (default): a body-less request to /<server>, agreeing with --url", async () => {
    const http = await json("--dir", repo, "--user", "alice", "--http", "delete", "--server", "currenttime");
    assert.deepEqual([http.allowed, http.branch, http.key], [true, "method-listed", "currenttime"]);
    assert.match(http.reason, /generic gateway proxy is off, so a body-less DELETE to \/currenttime/);
    assert.deepEqual(switches(http), [["gatewayGenericProxy", false]]);
    const url = await json("--dir", repo, "--user", "alice", "--url", "/currenttime");
    assert.deepEqual([url.allowed, url.branch, url.key, url.scope], [http.allowed, http.branch, http.key, http.scope]);
    const text = await cli(["explain", "--dir", repo, "--user", "alice", "--http", "GET", "--server", "currenttime"]);
    assert.match(text.out, /depends on the registry's switch: gatewayGenericProxy is off \(registry\.gatewayGeneric/);
    const bad = await cli([
      "explain",
      "--dir",
      repo,
      "--user",
      "alice",
      "--http",
      "GET",
      "--method",
      "x",
      "--server",
      "s",
    ]);
    assert.equal(bad.code, 2);
  });

  it("--http with the generic proxy on (mcp-access.yaml registry:): the verb hop; all/* grant no verb", async () => {
    const on = makeRepo({
      "mcp-access.yaml": "registry:\n  gatewayGenericProxy: true\n",
      "groups/t.yaml":
        "scope_name: tools-users\nserver_access:\n  - server: skill/skills/pdf\n    methods: [all, GET]\n",
      "users/a.yaml": "username: alice\nemail: a@example.com\nfirst_name: A\nlast_name: A\ngroups: [tools-users]\n",
    });
    const del = await json("--dir", on, "--user", "alice", "--http", "delete", "--server", "skill/skills/pdf");
    assert.deepEqual([del.allowed, del.branch], [false, "default-deny"]);
    assert.match(del.decided_by, /is_http_verb=True/);
    assert.deepEqual(switches(del), [["gatewayGenericProxy", true]]);
    const get = await json("--dir", on, "--user", "alice", "--http", "get", "--server", "skill/skills/pdf");
    assert.deepEqual([get.allowed, get.branch], [true, "http-verb-listed"]);
  });

  it("--url models the body: a batch, a body that is not JSON (400), a spilled body (413)", async () => {
    const batch = '[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"now"}}]';
    const b = await json("--dir", repo, "--user", "alice", "--url", "/currenttime/mcp", "--body", batch);
    assert.deepEqual([b.allowed, b.branch], [false, "default-deny"]);
    assert.match(b.reason, /batch \(a list\) names no method, so the method is the transport segment "mcp"/);
    const bad = await cli(["explain", "--dir", repo, "--user", "alice", "--url", "/currenttime/mcp", "--body", "x=1"]);
    assert.match(bad.out, /^DENY \(400\) user alice: body x=1 \/currenttime\/mcp\n/);
    const spilled = await json("--dir", repo, "--user", "alice", "--url", "/currenttime/mcp", "--spilled-body");
    assert.deepEqual([spilled.allowed, spilled.status, spilled.branch], [false, 413, "body-refused"]);
    const alice = ["explain", "--dir", repo, "--user", "alice"];
    const both = await cli([...alice, "--url", "/x", "--body", "{}", "--method", "ping"]);
    assert.equal(both.code, 2);
  });

  it("an agent answer says the token goes in X-Authorization", async () => {
    const r = await cli(["explain", "--dir", repo, "--user", "carol", "--agent", "/flights"]);
    assert.match(r.out, /note: agents send their gateway token in X-Authorization on \/agent\/\.\.\. paths/);
  });

  it("exits 0 on a deny too, and says why", async () => {
    const r = await cli([
      "explain",
      "--dir",
      repo,
      "--m2m",
      "bot",
      "--server",
      "currenttime",
      "--method",
      "tools/call",
      "--tool",
      "delete_all",
    ]);
    assert.equal(r.code, 0);
    assert.match(
      r.out,
      new RegExp(
        String.raw`^DENY M2M account bot: tools\/call delete_all on currenttime\n  no rul` +
          String.raw`e of ops-admins, tools-users grants tools\/call delete_all on "current` +
          String.raw`time" \(default deny\)\n  decided by auth_server\/server.py validate_s` +
          String.raw`erver_tool_access \(default-deny\)`,
      ),
    );
  });

  it("denies a disabled user", async () => {
    const r = await cli([
      "explain",
      "--dir",
      repo,
      "--user",
      "dan",
      "--server",
      "currenttime",
      "--method",
      "initialize",
      "--format",
      "json",
    ]);
    assert.equal(JSON.parse(r.out).allowed, false);
  });

  it("lists an identity's scopes, grants and admin status", async () => {
    const r = await cli(["explain", "--dir", repo, "--m2m", "bot"]);
    assert.match(r.out, /registry admin: yes/);
    assert.match(r.out, /server currenttime: tool now/);
    assert.match(r.out, /ui modify_service: all/);
  });

  it("counts the registry-admins scope the registry seeds", async () => {
    const r = await cli([
      "explain",
      "--dir",
      repo,
      "--user",
      "carol",
      "--server",
      "anything",
      "--method",
      "tools/call",
      "--tool",
      "x",
      "--format",
      "json",
    ]);
    assert.equal(JSON.parse(r.out).scope, "registry-admins");
  });

  it("evaluates raw groups as a token carries them", async () => {
    const r = await cli([
      "explain",
      "--dir",
      repo,
      "--groups",
      "tools-users",
      "--server",
      "/currenttime/",
      "--method",
      "tools/list",
      "--format",
      "json",
    ]);
    assert.equal(JSON.parse(r.out).allowed, true);
  });

  it("refuses an unknown identity and ambiguous flags", async () => {
    assert.match(
      (await cli(["explain", "--dir", repo, "--user", "zed"])).err,
      /no user "zed" in users\/ \(known: alice, carol, dan\)/,
    );
    assert.equal((await cli(["explain", "--dir", repo, "--user", "alice", "--m2m", "bot"])).code, 2);
    assert.match(
      (await cli(["explain", "--dir", repo, "--user", "alice", "--server", "x"])).err,
      /a decision on --server needs --method/,
    );
  });
});
