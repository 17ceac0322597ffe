/**
 * The generic gateway proxy as released in 1.30.0 (lib/registry/generic-proxy.ts): client URLs to keys
 * (docs/gateway-proxy-operational-guide.md @ 093ef9d1), the CSRF gate (docs/design/gateway-generic-proxy.md @
 * 75f2ec15), and the one verb hop of evaluate.ts (auth_server/server.py @ 046eec7, #1628).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { authorizeProxy, proxyRoute, type ProxyRoute, type ScopeForAuth } from "../../../../lib";

describe("proxyRoute: a client URL /{prefix}/{type}/{name}/ → {entity_type}/{registered_path}", () => {
  const key = (url: string, prefix = "gateway") => proxyRoute(url, prefix)?.key ?? null;
  it("maps the documented routes: a skill, a custom record (operational guide @ 093ef9d1)", () => {
    assert.equal(key("/gateway/skill/pdf/"), "skill/skills/pdf");
    assert.equal(key("/gateway/skill/pdf/README.md?x=1"), "skill/skills/pdf", "what follows goes to the backend");
    const uuid = "0f8fad5b-d9cb-469f-a165-70867728950e";
    assert.equal(key(`/gateway/rest-endpoint/${uuid}/v1/weather`), `rest-endpoint/rest-endpoint/${uuid}`);
    assert.equal(key("https://registry.example.com/gateway/skill/pdf/"), "skill/skills/pdf");
    assert.equal(proxyRoute("/gateway/skill/pdf/", "gateway")?.keyFrom, "documented");
  });
  it("maps an A2A agent by the documents' pattern only, and says so", () => {
    const r = proxyRoute("/gateway/a2a_agent/flights/", "gateway");
    assert.deepEqual([r?.key, r?.keyFrom], ["a2a_agent/agents/flights", "pattern"]);
  });
  it("follows GATEWAY_PROXY_PREFIX, and names no route for other paths", () => {
    assert.equal(key("/gw/skill/pdf/", "gw"), "skill/skills/pdf");
    assert.equal(key("/gateway/skill/pdf/", "gw"), null);
    assert.equal(key("/gateway/skill/"), null, "no name");
    assert.equal(key("/gateway/skill"), null);
    assert.equal(key("/gateway/Not_A_Type/x/"), null, "not a custom type's name (TYPE_NAME_PATTERN)");
    assert.equal(key("/currenttime/mcp"), null, "MCP server paths are unchanged");
    assert.equal(key("/agent/flights/"), null, "/agent/... is unchanged");
  });
});

describe("authorizeProxy: the generic hop, in upstream's order", () => {
  const docs: ScopeForAuth[] = [
    { _id: "legacy", group_mappings: ["legacy"], server_access: [{ server: "*", methods: ["all"], tools: ["*"] }] },
    { _id: "star", group_mappings: ["star"], server_access: [{ server: "skill/skills/pdf", methods: ["*"] }] },
    {
      _id: "verbs",
      group_mappings: ["verbs"],
      server_access: [{ server: "skill/skills/pdf", methods: ["get", "POST"] }],
    },
    { _id: "wild", group_mappings: ["wild"], server_access: [{ server: "*", methods: ["http:*"], tools: [] }] },
  ];
  const pdf: ProxyRoute = proxyRoute("/gateway/skill/pdf/", "gateway")!;
  const bearer = (verb: string) => ({ verb, cookie: false });

  it("with the switch off the URL is not routed: no auth server decides it", () => {
    const d = authorizeProxy(docs, ["wild"], pdf, bearer("GET"), false);
    assert.deepEqual([d.allowed, d.branch], [false, "not-routed"]);
    assert.match(d.reason, /no gateway location serves this client URL \(key skill\/skills\/pdf\)/);
  });
  it("all/* grant no verb; http:* grants every verb; listed verbs compare upper-cased", () => {
    assert.equal(authorizeProxy(docs, ["legacy"], pdf, bearer("GET"), true).allowed, false);
    assert.equal(authorizeProxy(docs, ["star"], pdf, bearer("GET"), true).allowed, false);
    const wild = authorizeProxy(docs, ["wild"], pdf, bearer("delete"), true);
    assert.deepEqual([wild.allowed, wild.branch], [true, "http-verb-wildcard"]);
    const get = authorizeProxy(docs, ["verbs"], pdf, bearer("GET"), true);
    assert.deepEqual([get.allowed, get.branch], [true, "http-verb-listed"]);
    assert.match(get.reason, /^client URL → key skill\/skills\/pdf; GET/);
    assert.equal(authorizeProxy(docs, ["verbs"], pdf, bearer("DELETE"), true).allowed, false);
  });
  it("the CSRF gate: a state-changing verb under cookie auth is refused (403) before any scope is read", () => {
    for (const verb of ["POST", "put", "PATCH", "DELETE"]) {
      const d = authorizeProxy(docs, ["wild"], pdf, { verb, cookie: true }, true);
      assert.deepEqual([d.allowed, d.branch, d.status, d.scope], [false, "csrf-refused", 403, null], verb);
      assert.match(d.reason, /gateway_generic_require_bearer_for_writes/);
    }
    assert.equal(authorizeProxy(docs, ["wild"], pdf, { verb: "GET", cookie: true }, true).allowed, true);
    assert.equal(authorizeProxy(docs, ["wild"], pdf, bearer("POST"), true).allowed, true, "Bearer is exempt");
  });
  it("only HTTP verbs are decided on the hop", () => {
    const d = authorizeProxy(docs, ["wild"], pdf, bearer("tools/list"), true);
    assert.deepEqual([d.allowed, d.branch], [false, "default-deny"]);
    assert.match(d.reason, /decides HTTP verbs/);
  });
});
