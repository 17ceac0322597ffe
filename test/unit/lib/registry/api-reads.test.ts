/**
 * Registry API reads the registry checks itself (lib/registry/api-reads.ts): one skill behind list_skills (release
 * 1.31.0, #1759; user_has_asset_permission @ 8c5b834b) and a virtual server's tools filtered per caller (1.31.0,
 * #1762; resolve_scope_access and filter_tools_for_user @ 8c5b834b).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  apiRead,
  authorizeSkillRead,
  authorizeVirtualServerTool,
  isRegistryAdmin,
  mergedUiPermissions,
  type ScopeForAuth,
} from "../../../../lib";

describe("apiRead: which /api/ URLs are one skill or a virtual server's tools", () => {
  it("single-skill routes and their sub-resources; listings are not one skill", () => {
    assert.deepEqual(apiRead("/api/skills/pdf"), { kind: "skill", name: "pdf", route: "/api/skills/pdf" });
    assert.equal((apiRead("/api/skills/pdf/content") as { name: string }).name, "pdf");
    assert.equal((apiRead("/api/skills/skills/pdf/security-scan") as { name: string }).name, "pdf");
    assert.equal(apiRead("/api/skills"), null);
    assert.equal(apiRead("/api/skills/search"), null);
    assert.equal(apiRead("/api/servers"), null);
  });
  it("a virtual server's tool list", () => {
    assert.deepEqual(apiRead("/api/virtual-servers/virtual/dev/tools"), {
      kind: "virtual-server-tools",
      path: "/virtual/dev",
    });
    assert.equal(apiRead("/api/virtual-servers/virtual/dev"), null);
  });
});

const docs: ScopeForAuth[] = [
  { _id: "admins", group_mappings: ["admins"], server_access: [], ui_permissions: { modify_service: ["all"] } },
  { _id: "all-skills", group_mappings: ["all-skills"], server_access: [], ui_permissions: { list_skills: ["all"] } },
  { _id: "pdf-only", group_mappings: ["pdf-only"], server_access: [], ui_permissions: { list_skills: ["pdf"] } },
  { _id: "publishers", group_mappings: ["publishers"], server_access: [], ui_permissions: { publish_skill: ["all"] } },
  {
    _id: "dev",
    group_mappings: ["dev"],
    server_access: [
      { server: "/github/", methods: ["tools/list"], tools: ["search", "read"] },
      { server: "jira", methods: ["initialize"] },
      { server: "docs", methods: ["tools/list"], tools: "*" },
    ],
  },
  { _id: "ops", group_mappings: ["ops"], server_access: [{ server: "*", methods: ["all"], tools: [] }] },
];

describe("authorizeSkillRead (#1759): list_skills covering the skill, before visibility", () => {
  it("merges ui_permissions as get_ui_permissions_for_user does, and finds admins as _user_is_admin", () => {
    // A list holding "all" adds "all"; the others add their items, so both stay (a set upstream).
    assert.deepEqual(mergedUiPermissions(docs.slice(1, 3)), { list_skills: ["all", "pdf"] });
    assert.equal(isRegistryAdmin({ modify_service: ["all"] }), true);
    assert.equal(isRegistryAdmin({ publish_skill: ["all"], list_service: ["all"] }), false);
  });
  it("admins read every skill; list_skills all or the name passes the gate; anything else is 403", () => {
    assert.deepEqual(
      [authorizeSkillRead(docs, ["admins"], "pdf").allowed, authorizeSkillRead(docs, ["admins"], "pdf").branch],
      [true, "registry-admin"],
    );
    const all = authorizeSkillRead(docs, ["all-skills"], "pdf");
    assert.deepEqual([all.allowed, all.scope, all.branch], [true, "all-skills", "ui-permission"]);
    assert.match(all.reason, /visibility .* decides next/);
    assert.equal(authorizeSkillRead(docs, ["pdf-only"], "pdf").allowed, true);
    const other = authorizeSkillRead(docs, ["pdf-only"], "docx");
    assert.deepEqual([other.allowed, other.status], [false, 403]);
    const none = authorizeSkillRead(docs, ["publishers"], "pdf");
    assert.deepEqual([none.allowed, none.status], [false, 403], "publish_skill all is no admin and no list grant");
    assert.match(none.reason, /public skill too/);
  });
});

describe("authorizeVirtualServerTool (#1762): backend access ∩ allowlist ∩ required_scopes", () => {
  const ask = (backend: string, tool: string, requiredScopes: string[] = []) => ({
    path: "/virtual/dev",
    backend,
    tool,
    requiredScopes,
  });
  const seen = (groups: string[], a: ReturnType<typeof ask>) => authorizeVirtualServerTool(docs, groups, a).allowed;
  it("admins and a server: * rule see every tool, required_scopes included", () => {
    assert.equal(seen(["admins"], ask("github", "delete_repo", ["nobody-has-this"])), true);
    assert.equal(seen(["ops"], ask("anything", "x", ["nobody-has-this"])), true);
  });
  it("the backend must be the caller's, the tool in its allowlist (fail closed), the required scopes held", () => {
    assert.equal(seen(["dev"], ask("github", "search")), true, "slashes stripped, as _lookup_allowlist does");
    assert.equal(seen(["dev"], ask("github", "delete_repo")), false);
    assert.equal(seen(["dev"], ask("jira", "create")), false, "no tools key: an empty allowlist hides every tool");
    assert.equal(seen(["dev"], ask("docs", "anything")), true, 'tools "*" is the wildcard');
    assert.equal(seen(["dev"], ask("slack", "post")), false, "no rule names the backend");
    assert.equal(seen(["dev"], ask("github", "search", ["dev"])), true);
    const d = authorizeVirtualServerTool(docs, ["dev"], ask("github", "search", ["dev", "auditors"]));
    assert.equal(d.allowed, false);
    assert.match(d.reason, /required_scopes auditors are not among the caller's scopes \(fail closed\)/);
  });
  it("a string tools other than */all is one exact tool name here (resolve_scope_access), not a substring", () => {
    const str: ScopeForAuth[] = [
      { _id: "s", group_mappings: ["s"], server_access: [{ server: "x", methods: [], tools: "*" }] },
    ];
    // A string as the store may hold it (the definitions' types allow only "*"), so cast.
    const one = [
      { ...str[0]!, server_access: [{ server: "x", methods: [], tools: "read_all" }] },
    ] as unknown as ScopeForAuth[];
    assert.equal(authorizeVirtualServerTool(str, ["s"], ask("x", "t")).allowed, true);
    assert.equal(authorizeVirtualServerTool(one, ["s"], ask("x", "read")).allowed, false);
  });
});
