/**
 * explain on the generic proxy's client URLs (release 1.30.0), its CSRF gate, and the registry API reads of release
 * 1.31.0 (#1759 skills, #1762 virtual-server tools): one decision path (`decide`), library and command agreeing.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decide, type ScopeForAuth } from "../../../../lib";
import { run } from "../../../../cli/main";
import { makeRepo } from "../../../support/repo";

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}
const json = async (...args: string[]) => JSON.parse((await cli(["explain", ...args, "--format", "json"])).out);

const GROUP = [
  "scope_name: tools-users",
  "server_access:",
  "  - {server: skill/skills/pdf, methods: [all, GET, post]}",
  "  - {server: currenttime, methods: [initialize, tools/list], tools: [now]}",
  "ui_permissions:",
  "  list_skills: [pdf]",
  "",
].join("\n");
const USER = "username: alice\nemail: a@example.com\nfirst_name: A\nlast_name: A\ngroups: [tools-users]\n";
const repoWith = (registry: string) =>
  makeRepo({ "mcp-access.yaml": `registry:\n${registry}`, "groups/t.yaml": GROUP, "users/a.yaml": USER });

describe("decide: generic-proxy client URLs (1.30.0)", () => {
  const docs: ScopeForAuth[] = [
    {
      _id: "v",
      group_mappings: ["v"],
      server_access: [{ server: "rest-endpoint/rest-endpoint/u1", methods: ["GET"] }],
    },
  ];
  const on = { gatewayGenericProxy: true, a2aReverseProxy: false };
  it("off (upstream's default): not routed, naming the switch", () => {
    const d = decide(docs, ["v"], { url: "/gateway/rest-endpoint/u1/v1/x", method: "GET" });
    assert.deepEqual([d.allowed, d.branch, d.target], [false, "not-routed", "rest-endpoint/rest-endpoint/u1"]);
    assert.deepEqual(d.dependsOn, [{ name: "gatewayGenericProxy", value: false }]);
  });
  it("on: the verb on the key, with the backend-credential note; GET when no verb is given", () => {
    const d = decide(docs, ["v"], { url: "/gateway/rest-endpoint/u1/" }, on);
    assert.deepEqual([d.allowed, d.branch], [true, "http-verb-listed"]);
    assert.match(d.notes!.join("\n"), /no verb given: decided as GET/);
    assert.match(d.notes!.join("\n"), /X-Authorization .* same value in both headers is refused \(401\)/);
    assert.equal(decide(docs, ["v"], { url: "/gateway/rest-endpoint/u1/", method: "DELETE" }, on).allowed, false);
  });
  it("A2A agents: decided on the pattern's key, and the answer says it is not verified", () => {
    const d = decide(docs, ["v"], { url: "/gateway/a2a_agent/flights/", method: "GET" }, on);
    assert.equal(d.target, "a2a_agent/agents/flights");
    assert.match(d.notes!.join("\n"), /never state it for agents/);
  });
  it("the prefix is a registry setting; MCP paths and /agent/... are decided as before", () => {
    const gw = { ...on, gatewayProxyPrefix: "gw" };
    assert.equal(decide(docs, ["v"], { url: "/gw/rest-endpoint/u1/", method: "GET" }, gw).allowed, true);
    const mcp = decide(docs, ["v"], { url: "/gateway/rest-endpoint/u1/", method: "GET" }, gw);
    assert.equal(mcp.branch, "default-deny", "with prefix gw, /gateway/... is an MCP server path");
    assert.equal(
      decide(docs, ["v"], { url: "/agent/flights/" }, on).decidedBy,
      "auth_server/server.py validate_a2a_agent_access",
    );
  });
});

describe("explain --url on the generic proxy", () => {
  it("off: NOT ROUTED, naming the switch", async () => {
    const r = await cli([
      "explain",
      "--dir",
      repoWith("  gatewayGenericProxy: false\n"),
      "--user",
      "alice",
      "--url",
      "/gateway/skill/pdf/",
    ]);
    assert.match(r.out, /^NOT ROUTED user alice: \(no body\) \/gateway\/skill\/pdf\/\n  key: skill\/skills\/pdf\n/);
    assert.match(r.out, /depends on the registry's switch: gatewayGenericProxy is off/);
  });
  it("on: GET and POST are listed, DELETE is not (all grants no verb); the key is named", async () => {
    const repo = repoWith("  gatewayGenericProxy: true\n");
    const get = await json("--dir", repo, "--user", "alice", "--url", "/gateway/skill/pdf/", "--method", "GET");
    assert.deepEqual([get.allowed, get.key, get.branch], [true, "skill/skills/pdf", "http-verb-listed"]);
    const del = await json("--dir", repo, "--user", "alice", "--url", "/gateway/skill/pdf/x", "--method", "DELETE");
    assert.deepEqual([del.allowed, del.branch], [false, "default-deny"]);
  });
  it("--cookie: the CSRF gate refuses POST (403) before any scope; Bearer (the default) is exempt", async () => {
    const repo = repoWith("  gatewayGenericProxy: true\n");
    const alice = ["explain", "--dir", repo, "--user", "alice", "--url", "/gateway/skill/pdf/"];
    const post = await cli([...alice, "--method", "POST", "--cookie"]);
    assert.match(post.out, /^DENY \(403\) user alice: POST \/gateway\/skill\/pdf\/ \(session cookie\)\n/);
    assert.match(post.out, /CSRF gate \(gateway_generic_require_bearer_for_writes\)/);
    assert.match((await cli([...alice, "--method", "POST"])).out, /^ALLOW /);
    assert.match((await cli([...alice, "--method", "GET", "--cookie"])).out, /^ALLOW /);
  });
  it("refuses --cookie off the proxy, and a method that is no verb on it (exit 2)", async () => {
    const repo = repoWith("  gatewayGenericProxy: true\n");
    const alice = ["explain", "--dir", repo, "--user", "alice"];
    assert.equal((await cli([...alice, "--url", "/currenttime/mcp", "--cookie"])).code, 2);
    assert.equal((await cli([...alice, "--url", "/gateway/skill/pdf/", "--method", "tools/list"])).code, 2);
  });
  it("follows registry.gatewayProxyPrefix", async () => {
    const repo = repoWith("  gatewayGenericProxy: true\n  gatewayProxyPrefix: gw\n");
    const get = await json("--dir", repo, "--user", "alice", "--url", "/gw/skill/pdf/", "--method", "GET");
    assert.deepEqual([get.allowed, get.key], [true, "skill/skills/pdf"]);
  });
});

describe("explain --url on the registry API reads of 1.31.0", () => {
  const repo = repoWith("  gatewayGenericProxy: false\n");
  const alice = ["--dir", repo, "--user", "alice"];
  it("a skill: list_skills must cover it (#1759), admins unaffected", async () => {
    const pdf = await json(...alice, "--url", "/api/skills/pdf/content");
    assert.deepEqual([pdf.allowed, pdf.branch, pdf.scope], [true, "ui-permission", "tools-users"]);
    assert.match(pdf.notes.join("\n"), /release 1\.31\.0's, known from its pull request, not from code/);
    const docx = await json(...alice, "--url", "/api/skills/docx");
    assert.deepEqual([docx.allowed, docx.status], [false, 403]);
    const admin = await json("--dir", repo, "--groups", "registry-admins", "--url", "/api/skills/docx");
    assert.deepEqual([admin.allowed, admin.branch], [true, "registry-admin"]);
    assert.match((await cli(["explain", ...alice, "--url", "/api/servers"])).out, /^NOT SCOPE-CHECKED/);
  });
  it("a virtual server's tool: backend ∩ allowlist ∩ required_scopes, saying what it assumes (#1762)", async () => {
    const url = ["--url", "/api/virtual-servers/virtual/dev/tools"];
    const now = await json(...alice, ...url, "--backend", "currenttime", "--tool", "now");
    assert.deepEqual([now.allowed, now.branch], [true, "virtual-server-tool"]);
    assert.match(now.notes.join("\n"), /required_scopes are the virtual server's data.*assumed none/);
    const scoped = await json(...alice, ...url, "--backend", "currenttime", "--tool", "now", "--required-scopes", "x");
    assert.equal(scoped.allowed, false);
    assert.equal((await json(...alice, ...url, "--backend", "currenttime", "--tool", "later")).allowed, false);
    const list = await json(...alice, ...url);
    assert.equal(list.branch, "not-scope-checked");
    assert.match(list.notes.join("\n"), /--backend S --tool T/);
    assert.equal((await cli(["explain", ...alice, "--url", "/api/skills/pdf", "--backend", "x"])).code, 2);
  });
});
