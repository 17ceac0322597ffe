/**
 * The registry's decisions, one row per branch of each upstream function, written from the upstream code
 * (agentic-community/mcp-gateway-registry at UPSTREAM_REVISION):
 * - auth_server/server.py `validate_server_tool_access` (MCP methods and tools, and the generic-proxy verb branch
 *   of merged PR #1628, pinned by its tests/auth_server/unit/test_generic_verb_authz.py),
 * - auth_server/server.py `_server_names_match`, `_registered_server_from_proxy_path`, `validate_request`'s key
 *   derivation,
 * - auth_server/server.py `validate_a2a_agent_access` with scope_repository.py `_flatten_server_access`,
 * - auth_server/server.py `map_groups_to_scopes` with scope_repository.py `get_group_mappings_bulk` (exact `$in`).
 * Rows for rules only a merged PR has (not in the archive at main@8c5b834b) name the PR: #1628 (generic proxy).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  authorize,
  authorizeAgent,
  authorizeUrl,
  decide,
  readBody,
  requestTarget,
  serverKey,
  type DecisionBranch,
  type ScopeForAuth,
  UPSTREAM_REVISION,
} from "../../../../lib";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../../../support/paths";

const docs: ScopeForAuth[] = [
  {
    _id: "readers",
    group_mappings: ["readers"],
    server_access: [{ server: "/currenttime/", methods: ["initialize", "tools/list"], tools: [] }],
  },
  {
    _id: "callers",
    group_mappings: ["callers"],
    server_access: [{ server: "currenttime", methods: ["initialize"], tools: ["now"] }],
  },
  {
    _id: "tools-star",
    group_mappings: ["tools-star"],
    server_access: [{ server: "fininfo", methods: ["initialize"], tools: ["*"] }],
  },
  {
    _id: "methods-all",
    group_mappings: ["methods-all"],
    server_access: [{ server: "fininfo", methods: ["all"], tools: [] }],
  },
  {
    _id: "compat",
    group_mappings: ["compat"],
    server_access: [{ server: "fininfo", methods: [], tools: ["prompts/list", "tools/call"] }],
  },
  { _id: "every-server", group_mappings: ["every-server"], server_access: [{ server: "/*", methods: ["ping"] }] },
  { _id: "server-all", group_mappings: ["server-all"], server_access: [{ server: "all", methods: ["ping"] }] },
  {
    _id: "federated",
    group_mappings: ["federated"],
    server_access: [{ server: "peer-registry-x/cloudflare-docs", methods: ["initialize"] }],
  },
  {
    _id: "grouped",
    group_mappings: ["grouped"],
    server_access: [
      {
        scope_name: "grouped",
        access_rules: [
          { server: "sre", methods: ["tools/list"] },
          { agent: "/ops-agent", actions: ["invoke_agent"] },
        ],
      },
    ],
  },
  {
    _id: "proxy",
    group_mappings: ["proxy"],
    server_access: [{ server: "skill/skills/pdf", methods: ["get", "Delete"], tools: ["*", "PUT"] }],
  },
  {
    _id: "proxy-star",
    group_mappings: ["proxy-star"],
    server_access: [{ server: "skill/skills/pdf", methods: ["*", "all"], tools: ["*"] }],
  },
  {
    _id: "proxy-mcp-named",
    group_mappings: ["proxy-mcp-named"],
    server_access: [{ server: "skill/tools/mcp", methods: ["GET"] }],
  },
  {
    _id: "proxy-http",
    group_mappings: ["proxy-http"],
    server_access: [{ server: "*", methods: ["http:*"], tools: [] }],
  },
  {
    _id: "agents",
    group_mappings: ["agents"],
    server_access: [
      { agent: "/flights", actions: ["invoke_agent"] },
      { agent: "/hotels", actions: ["get_agent"] },
      { server: "flights", methods: ["all"] },
    ],
  },
  {
    _id: "agents-any",
    group_mappings: ["agents-any"],
    server_access: [
      { agent: "all", actions: ["invoke_agent"] },
      { agent: "/cars", actions: ["*"] },
    ],
  },
  {
    _id: "agents-nested",
    group_mappings: ["agents-nested"],
    server_access: [{ agents: { actions: [{ action: "invoke_agent", resources: ["all"] }] } }],
  },
  { _id: "slash-mapped", group_mappings: ["/team"], server_access: [{ server: "currenttime", methods: ["ping"] }] },
  {
    _id: "proxy-http-upper",
    group_mappings: ["proxy-http-upper"],
    server_access: [{ server: "*", methods: ["HTTP:*"], tools: [] }],
  },
  {
    _id: "mcp-registry-admin",
    group_mappings: ["entra-admins-object-id"],
    server_access: [{ server: "*", methods: ["all"] }],
  },
  {
    _id: "agents-unslashed",
    group_mappings: ["agents-unslashed"],
    server_access: [{ agent: "flights", actions: ["invoke_agent"] }],
  },
];

interface Row {
  what: string;
  groups: string[];
  call: "mcp" | "http" | "agent";
  target: string;
  method: string;
  tool?: string;
  allowed: boolean;
  branch: DecisionBranch;
  scope?: string;
}

const rows: Row[] = [
  // validate_server_tool_access: scopes
  {
    what: "no group maps to a scope",
    groups: ["nobody"],
    call: "mcp",
    target: "currenttime",
    method: "initialize",
    allowed: false,
    branch: "no-scope",
  },
  // _server_names_match
  {
    what: "server names compare after strip('/')",
    groups: ["readers"],
    call: "mcp",
    target: "currenttime",
    method: "initialize",
    allowed: true,
    branch: "method-listed",
    scope: "readers",
  },
  {
    what: "server names compare case-sensitively",
    groups: ["readers"],
    call: "mcp",
    target: "CurrentTime",
    method: "initialize",
    allowed: false,
    branch: "default-deny",
  },
  {
    what: "a rule server stripping to * matches every server",
    groups: ["every-server"],
    call: "mcp",
    target: "anything",
    method: "ping",
    allowed: true,
    branch: "method-listed",
    scope: "every-server",
  },
  {
    what: "a rule server 'all' is not a wildcard",
    groups: ["server-all"],
    call: "mcp",
    target: "anything",
    method: "ping",
    allowed: false,
    branch: "default-deny",
  },
  {
    what: "federated keys are the full path",
    groups: ["federated"],
    call: "mcp",
    target: "/peer-registry-x/cloudflare-docs/mcp",
    method: "initialize",
    allowed: true,
    branch: "method-listed",
    scope: "federated",
  },
  // method branch
  {
    what: "a listed method",
    groups: ["readers"],
    call: "mcp",
    target: "currenttime",
    method: "tools/list",
    allowed: true,
    branch: "method-listed",
    scope: "readers",
  },
  {
    what: "MCP methods are case-sensitive",
    groups: ["readers"],
    call: "mcp",
    target: "currenttime",
    method: "TOOLS/LIST",
    allowed: false,
    branch: "default-deny",
  },
  {
    what: "a methods wildcard grants any method but tools/call",
    groups: ["methods-all"],
    call: "mcp",
    target: "fininfo",
    method: "prompts/get",
    allowed: true,
    branch: "methods-wildcard",
    scope: "methods-all",
  },
  {
    what: "a methods wildcard does not grant tools/call",
    groups: ["methods-all"],
    call: "mcp",
    target: "fininfo",
    method: "tools/call",
    tool: "quote",
    allowed: false,
    branch: "default-deny",
  },
  // tools/call with a tool name: tools only
  {
    what: "tools/call checks tools only, not methods",
    groups: ["callers"],
    call: "mcp",
    target: "currenttime",
    method: "tools/call",
    tool: "now",
    allowed: true,
    branch: "tool-listed",
    scope: "callers",
  },
  {
    what: "tools/call of a tool not listed",
    groups: ["callers"],
    call: "mcp",
    target: "currenttime",
    method: "tools/call",
    tool: "convert",
    allowed: false,
    branch: "default-deny",
  },
  {
    what: "tools/call with a tools wildcard",
    groups: ["tools-star"],
    call: "mcp",
    target: "fininfo",
    method: "tools/call",
    tool: "quote",
    allowed: true,
    branch: "tools-wildcard",
    scope: "tools-star",
  },
  // backward-compatible branch
  {
    what: "a method listed in tools",
    groups: ["compat"],
    call: "mcp",
    target: "fininfo",
    method: "prompts/list",
    allowed: true,
    branch: "compat-method-in-tools",
    scope: "compat",
  },
  {
    what: "a tools wildcard opens every method",
    groups: ["tools-star"],
    call: "mcp",
    target: "fininfo",
    method: "resources/list",
    allowed: true,
    branch: "compat-tools-wildcard",
    scope: "tools-star",
  },
  {
    what: "tools/call without a tool name goes through the compat branch",
    groups: ["compat"],
    call: "mcp",
    target: "fininfo",
    method: "tools/call",
    allowed: true,
    branch: "compat-method-in-tools",
    scope: "compat",
  },
  {
    what: "tools/call without a tool name, no compat grant",
    groups: ["callers"],
    call: "mcp",
    target: "currenttime",
    method: "tools/call",
    allowed: false,
    branch: "default-deny",
  },
  // flattened rules
  {
    what: "rules inside {scope_name, access_rules} count",
    groups: ["grouped"],
    call: "mcp",
    target: "sre",
    method: "tools/list",
    allowed: true,
    branch: "method-listed",
    scope: "grouped",
  },
  {
    what: "agent rules never match a server",
    groups: ["agents"],
    call: "mcp",
    target: "ops-agent",
    method: "initialize",
    allowed: false,
    branch: "default-deny",
  },
  // map_groups_to_scopes + get_group_mappings_bulk: exact (normalising, #1689, is an open proposal)
  {
    what: "a mapping '/team' does not match a 'team' claim",
    groups: ["team"],
    call: "mcp",
    target: "currenttime",
    method: "ping",
    allowed: false,
    branch: "no-scope",
  },
  {
    what: "a mapping '/team' matches a '/team' claim",
    groups: ["/team"],
    call: "mcp",
    target: "currenttime",
    method: "ping",
    allowed: true,
    branch: "method-listed",
    scope: "slash-mapped",
  },
  {
    what: "a claim '/readers/ ' does not match 'readers'",
    groups: [" /readers/ "],
    call: "mcp",
    target: "currenttime",
    method: "initialize",
    allowed: false,
    branch: "no-scope",
  },
  {
    what: "empty group strings are dropped",
    groups: ["", "readers"],
    call: "mcp",
    target: "currenttime",
    method: "initialize",
    allowed: true,
    branch: "method-listed",
    scope: "readers",
  },
  {
    what: "group names keep their case",
    groups: ["Readers"],
    call: "mcp",
    target: "currenttime",
    method: "initialize",
    allowed: false,
    branch: "no-scope",
  },
  // generic-proxy hop (is_http_verb=True)
  {
    what: "#1628: a listed verb, compared upper-cased",
    groups: ["proxy"],
    call: "http",
    target: "skill/skills/pdf",
    method: "GET",
    allowed: true,
    branch: "http-verb-listed",
    scope: "proxy",
  },
  {
    what: "#1628: a stored 'Delete' authorises DELETE",
    groups: ["proxy"],
    call: "http",
    target: "skill/skills/pdf",
    method: "delete",
    allowed: true,
    branch: "http-verb-listed",
    scope: "proxy",
  },
  {
    what: "#1628: a verb not listed, even in tools or with a tools wildcard",
    groups: ["proxy"],
    call: "http",
    target: "skill/skills/pdf",
    method: "PUT",
    allowed: false,
    branch: "default-deny",
  },
  {
    what: "#1628: all/* in methods never grant a verb",
    groups: ["proxy-star"],
    call: "http",
    target: "skill/skills/pdf",
    method: "DELETE",
    allowed: false,
    branch: "default-deny",
  },
  {
    what: "#1628: a proxy key keeps a last segment named like a transport",
    groups: ["proxy-mcp-named"],
    call: "http",
    target: "/skill/tools/mcp",
    method: "GET",
    allowed: true,
    branch: "http-verb-listed",
    scope: "proxy-mcp-named",
  },
  {
    what: "#1628: http:* grants every verb",
    groups: ["proxy-http"],
    call: "http",
    target: "skill/skills/pdf",
    method: "PATCH",
    allowed: true,
    branch: "http-verb-wildcard",
    scope: "proxy-http",
  },
  {
    what: "#1628: HTTP:* is not the wildcard (case-sensitive)",
    groups: ["proxy-http-upper"],
    call: "http",
    target: "skill/skills/pdf",
    method: "PATCH",
    allowed: false,
    branch: "default-deny",
  },
  // validate_a2a_agent_access
  {
    what: "an admin group bypasses the agent check",
    groups: ["registry-admins"],
    call: "agent",
    target: "/anything",
    method: "invoke_agent",
    allowed: true,
    branch: "admin-group-bypass",
  },
  {
    what: "admin markers compare raw: '/registry-admins' is not one",
    groups: ["/registry-admins"],
    call: "agent",
    target: "/anything",
    method: "invoke_agent",
    allowed: false,
    branch: "no-scope",
  },
  {
    what: "#1434: a scope named like an admin marker bypasses too (Entra Object ID group)",
    groups: ["entra-admins-object-id"],
    call: "agent",
    target: "/anything",
    method: "invoke_agent",
    allowed: true,
    branch: "admin-group-bypass",
    scope: "mcp-registry-admin",
  },
  {
    what: "agent rules compare as stored: 'flights' never matches the path '/flights'",
    groups: ["agents-unslashed"],
    call: "agent",
    target: "/flights",
    method: "invoke_agent",
    allowed: false,
    branch: "default-deny",
  },
  {
    what: "mcp-registry-admin is an admin group too",
    groups: ["mcp-registry-admin"],
    call: "agent",
    target: "/anything",
    method: "invoke_agent",
    allowed: true,
    branch: "admin-group-bypass",
  },
  {
    what: "the agent path matches exactly, with a leading /",
    groups: ["agents"],
    call: "agent",
    target: "flights",
    method: "invoke_agent",
    allowed: true,
    branch: "agent-rule",
    scope: "agents",
  },
  {
    what: "another agent path is denied",
    groups: ["agents"],
    call: "agent",
    target: "/flights-v2",
    method: "invoke_agent",
    allowed: false,
    branch: "default-deny",
  },
  {
    what: "an action not listed is denied",
    groups: ["agents"],
    call: "agent",
    target: "/hotels",
    method: "invoke_agent",
    allowed: false,
    branch: "default-deny",
  },
  {
    what: "agent 'all' matches every agent",
    groups: ["agents-any"],
    call: "agent",
    target: "/whatever",
    method: "invoke_agent",
    allowed: true,
    branch: "agent-rule",
    scope: "agents-any",
  },
  {
    what: "an actions wildcard grants the action",
    groups: ["agents-any"],
    call: "agent",
    target: "/cars",
    method: "modify_agent",
    allowed: true,
    branch: "agent-rule",
    scope: "agents-any",
  },
  {
    what: "agent rules inside access_rules are flattened first",
    groups: ["grouped"],
    call: "agent",
    target: "/ops-agent",
    method: "invoke_agent",
    allowed: true,
    branch: "agent-rule",
    scope: "grouped",
  },
  {
    what: "the nested agents block grants nothing",
    groups: ["agents-nested"],
    call: "agent",
    target: "/flights",
    method: "invoke_agent",
    allowed: false,
    branch: "default-deny",
  },
];

describe("the registry's decisions, one row per upstream branch", () => {
  for (const r of rows) {
    it(`${r.call}: ${r.what}`, () => {
      const d =
        r.call === "agent"
          ? authorizeAgent(docs, r.groups, r.target, r.method)
          : authorize(docs, r.groups, r.target, r.method, r.tool, { httpVerb: r.call === "http" });
      assert.equal(d.allowed, r.allowed, d.reason);
      assert.equal(d.branch, r.branch, d.reason);
      assert.equal(d.scope, r.scope ?? null);
      if (r.scope && r.branch !== "admin-group-bypass") assert.ok(d.rule, "a granting decision names its rule");
      assert.ok(d.decidedBy.startsWith("auth_server/server.py"));
    });
  }

  it("the first granting scope wins, in the order the scopes are found", () => {
    const d = authorize(docs, ["tools-star", "methods-all"], "fininfo", "initialize");
    assert.equal(d.scope, "tools-star");
    assert.deepEqual(d.scopes, ["tools-star", "methods-all"]);
  });
});

describe("server keys and request paths, as the auth server derives them", () => {
  const keys: Array<[string, string]> = [
    ["currenttime", "currenttime"],
    ["/currenttime/mcp", "currenttime"],
    ["peer-x/docs/sse", "peer-x/docs"],
    ["/peer-registry-x/cloudflare-docs/", "peer-registry-x/cloudflare-docs"],
    ["messages", "messages"],
    ["/fininfo/messages", "fininfo"],
  ];
  for (const [path, key] of keys)
    it(`_registered_server_from_proxy_path(${path}) = ${key}`, () => assert.equal(serverKey(path), key));

  it("validate_request: <server>/<transport> gives the key and the endpoint", () => {
    assert.deepEqual(requestTarget("/currenttime/mcp"), { kind: "server", key: "currenttime", endpoint: "mcp" });
    assert.deepEqual(requestTarget("https://gw.example.com/peer-x/docs/sse?x=1"), {
      kind: "server",
      key: "peer-x/docs",
      endpoint: "sse",
    });
  });
  it("validate_request: any other path is the whole key", () => {
    assert.deepEqual(requestTarget("/peer-registry-x/cloudflare-docs"), {
      kind: "server",
      key: "peer-registry-x/cloudflare-docs",
      endpoint: null,
    });
    assert.deepEqual(requestTarget("/mcp"), { kind: "server", key: "mcp", endpoint: null });
  });
  it("validate_request: /api/* is not scope-checked, nor an empty path", () => {
    assert.equal(requestTarget("/api/servers").kind, "unchecked");
    assert.equal(requestTarget("/").kind, "unchecked");
  });
  it("validate_request: the registry root path is removed first", () => {
    assert.deepEqual(requestTarget("/registry/currenttime/mcp", "/registry"), {
      kind: "server",
      key: "currenttime",
      endpoint: "mcp",
    });
  });
  it("_get_a2a_agent_path: /agent/<path>/… is an A2A request on /<path>", () => {
    assert.deepEqual(requestTarget("/agent/flights/.well-known/agent-card.json"), { kind: "agent", path: "/flights" });
    assert.deepEqual(requestTarget("/agent/flights/"), { kind: "agent", path: "/flights" });
  });
  it("validate_request: without a body the method is the transport endpoint, else initialize", () => {
    assert.equal(authorizeUrl(docs, ["readers"], "/currenttime/mcp").allowed, false, "method 'mcp' is not listed");
    const d = authorizeUrl(docs, ["readers"], "/currenttime");
    assert.equal(d.allowed, true);
    assert.equal(d.target, "currenttime");
    const body = { kind: "text" as const, text: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }) };
    assert.equal(authorizeUrl(docs, ["readers"], "/currenttime/mcp", body).branch, "method-listed");
  });
  it("validate_request: /api/* says it is not scope-checked", () => {
    const d = authorizeUrl(docs, ["nobody"], "/api/servers");
    assert.equal(d.branch, "not-scope-checked");
    assert.match(d.reason, /registry API/);
  });
});

describe("validate_request reads the body (X-Body) as the auth server does", () => {
  const text = (t: string) => ({ kind: "text" as const, text: t });
  it("a JSON-RPC batch (a list) names no method: the transport segment, else initialize", () => {
    const batch = text(JSON.stringify([{ jsonrpc: "2.0", id: 1, method: "tools/list" }]));
    assert.deepEqual(readBody(batch), { refused: null, method: null, tool: null, batch: true });
    const onMcp = authorizeUrl(docs, ["readers"], "/currenttime/mcp", batch);
    assert.equal(onMcp.allowed, false, "method 'mcp' is not listed");
    assert.match(onMcp.reason, /batch .* transport segment "mcp"/);
    const bare = authorizeUrl(docs, ["readers"], "/currenttime", batch);
    assert.deepEqual([bare.allowed, bare.branch], [true, "method-listed"]);
  });
  it("a body that is not JSON is refused (400), a spilled body too (413), before any scope", () => {
    const bad = authorizeUrl(docs, ["readers"], "/currenttime/mcp", text("method=tools/call"));
    assert.deepEqual([bad.allowed, bad.branch, bad.status], [false, "body-refused", 400]);
    const spilled = authorizeUrl(docs, ["methods-all"], "/fininfo/mcp", { kind: "spilled" });
    assert.deepEqual([spilled.allowed, spilled.branch, spilled.status], [false, "body-refused", 413]);
  });
  it("a body on /api/... or an agent path is never refused (no server name)", () => {
    assert.equal(authorizeUrl(docs, ["nobody"], "/api/servers", text("not json")).branch, "not-scope-checked");
    assert.equal(authorizeUrl(docs, ["agents"], "/agent/flights", { kind: "spilled" }).allowed, true);
  });
  it("the method: method, else tool/name, else params.name/tool/method; tools/call's tool is params.name", () => {
    const none = { refused: null, method: null, tool: null, batch: false };
    assert.deepEqual(readBody(text('{"name": "tools/list"}')), { ...none, method: "tools/list" });
    const call = readBody(text('{"method": "tools/call", "params": {"name": "now"}}'));
    assert.deepEqual(call, { ...none, method: "tools/call", tool: "now" });
    assert.deepEqual(readBody(text("{}")), none, "an empty object is falsy");
    assert.deepEqual(readBody(text("null")), { refused: null, method: null, tool: null, batch: false });
  });
});

describe("the generic gateway proxy switch (gatewayGenericProxy, PR #1628; default off)", () => {
  const off = { gatewayGenericProxy: false, a2aReverseProxy: false };
  const on = { gatewayGenericProxy: true, a2aReverseProxy: false };
  it("off (and at main@8c5b834b): a body-less request of any verb to /<server> is initialize on the server key", () => {
    const d = decide(docs, ["readers"], { server: "currenttime", http: "DELETE" }, off);
    assert.deepEqual([d.allowed, d.branch, d.scope], [true, "method-listed", "readers"]);
    assert.deepEqual(d.dependsOn, [{ name: "gatewayGenericProxy", value: false }]);
    const url = decide(docs, ["readers"], { url: "/currenttime" }, off);
    assert.deepEqual([url.allowed, url.branch, url.scope], [d.allowed, d.branch, d.scope], "--http and --url agree");
  });
  it("off: /api/... is never scope-checked, whatever the verb", () => {
    assert.equal(decide(docs, ["nobody"], { server: "api", http: "GET" }, off).branch, "not-scope-checked");
    assert.equal(decide(docs, ["nobody"], { url: "/api" }, off).branch, "not-scope-checked");
  });
  it("#1628 on: the verb hop on the kind/path key, http:* exactly", () => {
    const d = decide(docs, ["proxy-http"], { server: "skill/skills/pdf", http: "delete" }, on);
    assert.deepEqual([d.allowed, d.branch], [true, "http-verb-wildcard"]);
    assert.equal(decide(docs, ["readers"], { server: "currenttime", http: "DELETE" }, on).allowed, false);
  });
  it("agent answers say the token travels in X-Authorization, and that they need the A2A reverse proxy", () => {
    const d = decide(docs, ["agents"], { agent: "/flights", action: "invoke_agent" });
    assert.match(d.notes?.join(" ") ?? "", /X-Authorization.*same token in both headers.*401/);
    assert.deepEqual(d.dependsOn, [{ name: "a2aReverseProxy", value: false }]);
    assert.match(d.notes?.join(" ") ?? "", /a2aReverseProxy off the gateway has no \/agent\/<path>\/ route/);
    const flags = { gatewayGenericProxy: false, a2aReverseProxy: true };
    const routed = decide(docs, ["agents"], { url: "/agent/flights/" }, flags);
    assert.deepEqual([routed.allowed, routed.dependsOn], [true, [{ name: "a2aReverseProxy", value: true }]]);
    assert.equal(routed.notes?.length, 1);
  });
});

describe("UPSTREAM_REVISION", () => {
  it("names the archive's commit and the merged PRs applied, as the README does, and no non-upstream file", () => {
    const sha = "8c5b834be29da0218226623c610b03ed5763c337";
    assert.match(
      UPSTREAM_REVISION,
      new RegExp(`main @ ${sha} \\(2026-08-21, merges up to #1641; vendored, read in code\\)`),
    );
    // Which release each rule follows, and whether it was read in code or only in release notes and PRs.
    assert.match(UPSTREAM_REVISION, /auth_server\/server\.py @ 046eec7 \(generic-proxy verb hop #1628; read in code\)/);
    assert.match(UPSTREAM_REVISION, /releases 1\.30\.0-1\.31\.0 from release notes and PRs, not code/);
    for (const pr of ["#1732", "#1759", "#1762", "#1763"]) assert.ok(UPSTREAM_REVISION.includes(pr), pr);
    assert.match(UPSTREAM_REVISION, /group names still exact \(#1713 in no release\)/);
    const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8").replace(/\s+/g, " ");
    const stated = `\`main\` @ \`${sha}\` (2026-08-21, merges up to PR #1641)`;
    assert.ok(readme.includes(stated), "README states the revision");
    for (const stale of ["group_names.py", "iam_manager.py", "5f85dd2", "normalize_group_name"]) {
      assert.ok(!readme.includes(stale) && !UPSTREAM_REVISION.includes(stale), stale);
    }
  });
});
