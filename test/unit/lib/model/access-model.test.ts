/** Every validation rule, each with a bad file: the message, and the line and column it points at. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { check, GROUP, only, USER } from "../../../support/repo";
import { adminSafetyAdmins, authScopes, grantsOf, grantText, planIdentity, resolveIdentity } from "../../../../lib";

describe("schema errors", () => {
  it("refuses an unknown field and suggests the field meant", () => {
    const r = check({ "groups/g.yaml": GROUP + "ui_permisions:\n  list_service: [currenttime]\n" });
    assert.equal(r.ok, false);
    const d = only(r.errors, /unknown field "ui_permisions"/);
    assert.match(d.message, /did you mean "ui_permissions"/);
    assert.deepEqual([d.file, d.line, d.column, d.path], ["groups/g.yaml", 7, 1, "ui_permisions"]);
  });

  it("refuses unknown fields nested in rules", () => {
    const r = check({
      "groups/g.yaml": "scope_name: g\nserver_access:\n  - server: s\n    methods: [tools/list]\n    tool: [a]\n",
    });
    const d = only(r.errors, /unknown field "tool"/);
    assert.match(d.message, /did you mean "tools"/);
    assert.deepEqual([d.line, d.column, d.path], [5, 5, "server_access[0].tool"]);
  });

  it("reports wrong types with what was found", () => {
    const r = check({ "groups/g.yaml": GROUP + "create_in_idp: yes please\n" });
    const d = only(r.errors, /create_in_idp/);
    assert.match(d.message, /must be true or false, but is the string "yes please"/);
    assert.deepEqual([d.line, d.column], [7, 16]);
  });

  it("explains a single string where a list is expected", () => {
    const r = check({ "groups/g.yaml": GROUP, "users/u.yaml": USER("alice", "tools-users") });
    const d = only(r.errors, /"groups" must be a list/);
    assert.match(d.message, /write \["tools-users"\]/);
    assert.deepEqual([d.file, d.line, d.column], ["users/u.yaml", 5, 9]);
  });

  it("reports missing required fields at the mapping that lacks them", () => {
    const r = check({
      "groups/g.yaml": GROUP,
      "users/u.yaml": "username: alice\nfirst_name: A\nlast_name: B\ngroups: [tools-users]\n",
    });
    const d = only(r.errors, /missing required field "email"/);
    assert.deepEqual([d.file, d.line, d.column, d.path], ["users/u.yaml", 1, 1, ""]);
  });

  it("refuses an unknown access_level in the servers shorthand", () => {
    const r = check({ "groups/g.yaml": "scope_name: g\nservers:\n  - server_name: s\n    access_level: write\n" });
    const d = only(r.errors, /access_level/);
    assert.match(d.message, /must be one of: read, execute/);
    assert.deepEqual([d.line, d.column, d.path], [4, 19, "servers[0].access_level"]);
  });

  it("refuses an empty group list for users and M2M accounts", () => {
    const r = check({
      "groups/g.yaml": GROUP,
      "users/u.yaml": USER("alice", "[]"),
      "m2m/a.yaml": "name: bot\ngroups: []\n",
    });
    const u = only(
      r.errors.filter((d) => d.file === "users/u.yaml"),
      /"groups" is empty/,
    );
    assert.deepEqual([u.line, u.column], [5, 9]);
    const m = only(
      r.errors.filter((d) => d.file === "m2m/a.yaml"),
      /"groups" is empty: list at least one group/,
    );
    assert.deepEqual([m.line, m.column], [2, 9]);
  });

  it("refuses an invalid email address", () => {
    const r = check({
      "groups/g.yaml": GROUP,
      "users/u.yaml": USER("alice").replace("alice@example.com", "alice-at-example"),
    });
    const d = only(r.errors, /not a valid email/);
    assert.deepEqual([d.line, d.column], [2, 8]);
  });

  it("explains a server_access entry that is neither a server nor an agent rule", () => {
    const r = check({ "groups/g.yaml": "scope_name: g\nserver_access:\n  - name: s\n" });
    const d = only(r.errors, /needs "server"/);
    assert.deepEqual([d.line, d.column, d.path], [3, 5, "server_access[0]"]);
  });

  it("reports the problem of the rule shape meant, not of every alternative", () => {
    const r = check({ "groups/g.yaml": "scope_name: g\nserver_access:\n  - agent: /a\n    actions: [fly_agent]\n" });
    const d = only(r.errors, /actions/);
    assert.match(d.message, /must be one of: list_agents/);
    assert.deepEqual([d.line, d.column, d.path], [4, 15, "server_access[0].actions[0]"]);
  });
});

describe("secrets in definitions", () => {
  it("refuses a password on a user and says where passwords come from", () => {
    const r = check({ "groups/g.yaml": GROUP, "users/u.yaml": USER("alice") + "password: hunter2\n" });
    const d = only(r.errors, /"password" must not be in a definition file/);
    assert.match(d.message, /initialPasswords/);
    assert.deepEqual([d.line, d.column], [6, 1]);
    assert.equal(r.errors.length, 1, "not reported a second time as an unknown field");
  });

  it("refuses client_secret on an M2M account and points at the stack output", () => {
    const r = check({ "groups/g.yaml": GROUP, "m2m/a.yaml": "name: bot\ngroups: [tools-users]\nclient_secret: abc\n" });
    const d = only(r.errors, /"client_secret" must not be in a definition file/);
    assert.match(d.message, /`m2m` stack output/);
    assert.deepEqual([d.line, d.column], [3, 1]);
  });

  it("refuses a secret anywhere, also nested", () => {
    const r = check({
      "groups/g.yaml": GROUP.replace(
        "tools: [current_time_by_timezone]",
        "tools: [current_time_by_timezone]\n    secret: x",
      ),
    });
    const d = only(r.errors, /"secret" must not be in a definition file/);
    assert.equal(d.path, "server_access[0].secret");
    assert.deepEqual([d.line, d.column], [7, 5]);
  });
});

describe("cross-file checks", () => {
  it("refuses duplicate group names across files and names the first", () => {
    const r = check({ "groups/a.yaml": GROUP, "groups/b.json": JSON.stringify({ scope_name: "tools-users" }) });
    const d = only(r.errors, /already defined at groups\/a.yaml:1:13/);
    assert.deepEqual([d.file, d.line, d.column], ["groups/b.json", 1, 15]);
  });

  it("refuses duplicate usernames, also differing only in case", () => {
    const r = check({ "groups/g.yaml": GROUP, "users/a.yaml": USER("alice"), "users/b.yaml": USER("alice") });
    const d = only(r.errors, /username "alice" is already defined at users\/a.yaml:1:11/);
    assert.equal(d.file, "users/b.yaml");
  });

  it("refuses duplicate M2M names", () => {
    const m = "name: bot\ngroups: [tools-users]\n";
    const r = check({ "groups/g.yaml": GROUP, "m2m/a.yaml": m, "m2m/b.yaml": m });
    const d = only(r.errors, /M2M account "bot" is already defined at m2m\/a.yaml:1:7/);
    assert.deepEqual([d.file, d.line, d.column], ["m2m/b.yaml", 1, 7]);
  });

  it("refuses a username equal to an M2M name", () => {
    const r = check({
      "groups/g.yaml": GROUP,
      "users/a.yaml": USER("bot"),
      "m2m/b.yaml": "name: bot\ngroups: [tools-users]\n",
    });
    const d = only(r.errors, /same name as the user at users\/a.yaml:1:11/);
    assert.deepEqual([d.file, d.line, d.column], ["m2m/b.yaml", 1, 7]);
  });

  it("refuses references to undefined groups, with a suggestion", () => {
    const r = check({ "groups/g.yaml": GROUP, "users/a.yaml": USER("alice", "[tools-user]") });
    const d = only(r.errors, /group "tools-user" is not defined/);
    assert.match(d.message, /did you mean "tools-users"/);
    assert.deepEqual([d.line, d.column, d.path], [5, 10, "groups[0]"]);
  });

  it("accepts bootstrap groups the stack declares, and refuses them otherwise", () => {
    const files = { "groups/g.yaml": GROUP, "users/a.yaml": USER("alice", "[registry-admins]") };
    assert.equal(check(files).ok, true);
    const r = check(files, { existingGroups: [] });
    only(r.errors, /group "registry-admins" is not defined/);
    assert.equal(check(files, { existingGroups: [], bootstrap: true }).ok, true);
  });

  it("refuses joining a group that has no IdP group (create_in_idp: false)", () => {
    const r = check({ "groups/g.yaml": GROUP + "create_in_idp: false\n", "users/a.yaml": USER("alice") });
    only(r.errors, /defined with create_in_idp: false/);
  });

  it("refuses a group file named like the bootstrap group when the stack manages it", () => {
    const r = check({ "groups/g.yaml": "scope_name: registry-admins\n" }, { bootstrap: true });
    only(r.errors, /bootstrap admin group the stack manages/);
  });
});

describe("names the identity provider refuses or changes", () => {
  it("refuses upper case in usernames and gives the lower-case form", () => {
    const r = check({ "groups/g.yaml": GROUP, "users/a.yaml": USER("Alice") });
    const d = only(r.errors, /upper-case/);
    assert.match(d.message, /write "alice"/);
    assert.deepEqual([d.line, d.column, d.path], [1, 11, "username"]);
  });

  it("refuses characters the IdP refuses", () => {
    const r = check({
      "groups/g.yaml": GROUP,
      "users/a.yaml": USER("alice").replace("username: alice", 'username: "al ice"'),
    });
    only(r.errors, /characters the identity provider refuses/);
  });

  it("refuses the service-account prefix Keycloak reserves", () => {
    const r = check({ "groups/g.yaml": GROUP, "users/a.yaml": USER("service-account-x") });
    only(r.errors, /reserves for M2M service-account users/);
  });

  it("refuses upper case in M2M names", () => {
    const r = check({ "groups/g.yaml": GROUP, "m2m/a.yaml": "name: Bot\ngroups: [tools-users]\n" });
    only(r.errors, /write "bot"/);
  });

  it("refuses a slash in the name of a group created in the IdP", () => {
    const r = check({ "groups/g.yaml": "scope_name: team/read\n" });
    only(r.errors, /group path separator/);
    assert.equal(check({ "groups/g.yaml": "scope_name: team/read\ncreate_in_idp: false\n" }).ok, true);
  });
});

describe("registry rules", () => {
  it(
    "warns about a scope named like an OAuth scope: the auth server reads a groupless token's " +
      "scope claim as scopes",
    () => {
      const r = check({
        "groups/e.yaml":
          "scope_name: email\nserver_access:\n  - server: currenttime\n    methods: [initialize]\n    tools: []\n",
      });
      const d = only(r.warnings, /OAuth scope tokens carry/);
      assert.deepEqual([d.severity, d.file, d.line, d.path], ["warning", "groups/e.yaml", 1, "scope_name"]);
      assert.equal(
        check({ "groups/e.yaml": "scope_name: emails\n" }).warnings.filter((x: { message: string }) =>
          /OAuth scope/.test(x.message),
        ).length,
        0,
      );
    },
  );

  for (const server of ["'*'", "all", "ALL", "/all/", "'/*'"]) {
    it(`refuses the wildcard server ${server} in a group`, () => {
      const r = check({
        "groups/g.yaml": `scope_name: g\nserver_access:\n  - server: ${server}\n    methods: [all]\n`,
      });
      const d = only(r.errors, /wildcard the registry refuses/);
      assert.deepEqual([d.line, d.column, d.path], [3, 13, "server_access[0].server"]);
    });
  }

  it("refuses the wildcard server in the shorthand and in grouped rules", () => {
    const r = check({
      "groups/g.yaml":
        "scope_name: g\nservers:\n  - server_name: all\n    access_level: read\nserver_access:\n  - " +
        "scope_name: g\n    access_rules:\n      - server: '*'\n        methods: [ping]\n",
    });
    assert.equal(r.errors.filter((d) => /wildcard the registry refuses/.test(d.message)).length, 2);
  });

  it("refuses unknown UI actions and suggests the one meant", () => {
    const r = check({ "groups/g.yaml": "scope_name: g\nui_permissions:\n  list_services: [a]\n" });
    const d = only(r.errors, /unknown UI action "list_services"/);
    assert.match(d.message, /did you mean "list_service"/);
    assert.deepEqual([d.line, d.column], [3, 3]);
  });

  it("accepts custom entity UI actions", () => {
    const group = "scope_name: g\nui_permissions:\n  list_widget_entity: [widget]\n";
    assert.equal(check({ "groups/g.yaml": group }).ok, true);
  });

  it("warns about a tools wildcard whatever the methods: it opens every method", () => {
    for (const methods of ["[tools/call]", "[tools/list]", "[initialize]"]) {
      const r = check({
        "groups/g.yaml": `scope_name: g\nserver_access:\n  - server: s\n    methods: ${methods}\n    tools: ['*']\n`,
      });
      assert.equal(r.ok, true);
      const d = only(r.warnings, /a tools wildcard on "s" lets members call every tool and opens every method/);
      assert.deepEqual([d.line, d.column, d.path], [5, 12, "server_access[0].tools"]);
    }
  });

  it("refuses a read entry that lists tools, says why and what to write instead", () => {
    const r = check({
      "groups/g.yaml": "scope_name: g\nservers:\n  - server_name: s\n    tools: [a]\n    access_level: read\n",
    });
    const d = only(r.errors, /access_level read on "s" lists tools/);
    assert.match(d.message, /tools\/list is filtered by the tools\/call decision/);
    assert.match(d.message, /access_level: execute/);
    assert.equal(d.path, "servers[0].tools");
  });

  it("keeps agent rules in server_access as written (only agent_access and UI permissions are normalised)", () => {
    const r = check({
      "groups/g.yaml":
        "scope_name: g\nserver_access:\n  - agent: '*'\n    actions: [invoke_agent]\n  - agent: " +
        "flights\n    actions: [get_agent]\n  - scope_name: g\n    access_rules:\n      - agent: " +
        "/*\n        actions: [invoke_agent]\n",
    });
    assert.equal(r.ok, true);
    const entries = r.model.groups[0]!.serverAccess;
    assert.deepEqual(entries, [
      { agent: "*", actions: ["invoke_agent"] },
      { agent: "flights", actions: ["get_agent"] },
      { scope_name: "g", access_rules: [{ agent: "/*", actions: ["invoke_agent"] }] },
    ]);
    const warned = r.warnings.filter((w) => /compares them raw/.test(w.message));
    assert.deepEqual(
      warned.map((w) => w.path),
      ["server_access[1].agent", "server_access[2].access_rules[0].agent"],
    );
    assert.match(warned[0]!.message, /agent "flights" never matches: agent paths of A2A requests start with "\/"/);
    assert.match(warned[0]!.message, /write "\/flights"/);
    assert.match(warned[1]!.message, /"\/\*" is not an agent wildcard in server_access.*write "\*"/);
  });
  it("validates custom-entity scopes: the type pattern, and what each grant may name", () => {
    const uuid = "0f8fad5b-d9cb-469f-a165-70867728950e";
    const r = check({
      "groups/g.yaml": [
        "scope_name: g",
        "ui_permissions:",
        `  list_dataset_entity: [all, dataset, /dataset/${uuid}, /other/${uuid}, "*"]`,
        `  create_dataset_entity: [dataset, /dataset/${uuid}]`,
        "  delete_Data_entity: [all]",
        "  modify_my-type_2_entity: [my-type_2]",
        "",
      ].join("\n"),
    });
    const problems = r.errors.map((e) => [e.line, e.path, e.message]);
    assert.deepEqual(
      problems.map(([line, path]) => [line, path]),
      [
        [3, "ui_permissions.list_dataset_entity[3]"],
        [3, "ui_permissions.list_dataset_entity[4]"],
        [4, "ui_permissions.create_dataset_entity[1]"],
        [5, "ui_permissions.delete_Data_entity"],
      ],
    );
    assert.match(String(problems[0]![2]), /opens nothing; the registry reads "all", "dataset" or a record path/);
    assert.match(String(problems[2]![2]), /type-level: a record path grants nothing/);
    assert.match(String(problems[3]![2]), /\^\[a-z0-9_-\]\+\$.*"Data" does not/);
  });

  it("explains custom-entity grants as what they open, and they never confer admin", () => {
    const uuid = "0f8fad5b-d9cb-469f-a165-70867728950e";
    const ui = `ui_permissions:\n  list_dataset_entity: [/dataset/${uuid}]\n  create_dataset_entity: [all]\n`;
    const r = check({ "groups/g.yaml": `scope_name: g\n${ui}` });
    assert.equal(r.ok, true);
    const { grants, admin } = grantsOf(authScopes(r.model).filter((d) => d._id === "g"));
    assert.deepEqual(grants.map(grantText), [
      "ui create_dataset_entity: every dataset record",
      `ui list_dataset_entity: the dataset record /dataset/${uuid}`,
    ]);
    assert.equal(admin, false);
  });

  it("counts admins for minAdmins as the registry's admin-safety code does", () => {
    const files = {
      "groups/viewers.yaml": "scope_name: viewers\nui_permissions:\n  list_service: [all]\n",
      "groups/ops.yaml": "scope_name: ops\ngroup_mappings: [ops, mcp-registry-admin]\n",
      "groups/plain.yaml": "scope_name: plain\nui_permissions:\n  list_service: [currenttime]\n",
      "users/a.yaml": "username: ann\nemail: a@example.com\nfirst_name: A\nlast_name: A\ngroups: [viewers]\n",
      "users/b.yaml": "username: ben\nemail: b@example.com\nfirst_name: B\nlast_name: B\ngroups: [ops]\n",
      "users/c.yaml": "username: cat\nemail: c@example.com\nfirst_name: C\nlast_name: C\ngroups: [plain]\n",
      "users/d.yaml":
        "username: dan\nemail: d@example.com\nfirst_name: D\nlast_name: D\ngroups: [registry-admins]\nenabled: false\n",
    };
    const r = check(files);
    // any "all" grant (viewers), a privileged mapping (ops); not plain; not the disabled dan.
    assert.deepEqual(adminSafetyAdmins(r.model), ["ann", "ben"]);
    const guarded = check({ ...files, "mcp-access.yaml": "guards:\n  minAdmins: 3\n" });
    const d = only(guarded.errors, /would be registry admins/);
    assert.match(d.message, /^2 enabled human user\(s\) would be registry admins \(ann, ben;/);
  });

  it("#1628: warns that HTTP:* is not the verb wildcard (case-sensitive)", () => {
    const rule = "  - server: skill/skills/pdf\n    methods: ['HTTP:*', 'http:*', delete]\n    tools: []\n";
    const r = check({ "groups/g.yaml": `scope_name: g\nserver_access:\n${rule}` });
    assert.equal(only(r.warnings, /HTTP verb wildcard/).path, "server_access[0].methods[0]");
  });

  it("warns about a rule without a tools key (upstream's legacy-shape audit), not about tools: []", () => {
    const rules = "  - server: a\n    methods: [initialize]\n  - server: b\n    methods: [initialize]\n    tools: []\n";
    const r = check({ "groups/g.yaml": `scope_name: g\nserver_access:\n${rules}` });
    assert.equal(only(r.warnings, /has no tools key/).path, "server_access[0]");
  });

  it("refuses empty and slash-only servers at their line (#1507)", () => {
    const rules =
      "  - server: /\n    methods: [initialize]\n    tools: []\n  - server: ''\n    methods: [ping]\n    tools: []\n";
    const r = check({ "groups/g.yaml": `scope_name: g\nserver_access:\n${rules}` });
    const slash = only(r.errors, /server "\/" names no server/);
    assert.deepEqual([slash.file, slash.line, slash.column], ["groups/g.yaml", 3, 13]);
    assert.match(slash.message, /refuses empty and slash-only servers \(#1507\)/);
    assert.equal(only(r.errors, /an empty server names no server/).line, 6);
  });

  it("does not take a group_mappings entry '/name' as mapping the group 'name' (exact; #1689 is not merged)", () => {
    const r = check({
      "groups/g.yaml": "scope_name: g\ngroup_mappings: [/g]\n",
      "m2m/b.yaml": "name: bot\ngroups: [g]\n",
    });
    const d = only(r.warnings, /group_mappings leaves out "g"/);
    assert.match(d.message, /"\/g" is a different group: the registry matches group names exactly/);
  });

  it("warns that a server: api rule is never evaluated", () => {
    const r = check({ "groups/g.yaml": "scope_name: g\nserver_access:\n  - server: api\n    methods: [GET]\n" });
    only(r.warnings, /server "api" is never evaluated/);
  });

  it('warns that "all" on a mutating UI action makes members admins, but not "*"', () => {
    const r = check({
      "groups/g.yaml": "scope_name: g\nui_permissions:\n  modify_service: [all]\n  toggle_service: ['*']\n",
    });
    assert.equal(r.ok, true);
    const d = only(r.warnings, /registry admin/);
    assert.equal(d.path, "ui_permissions.modify_service");
  });

  it("warns that scope_type and custom_scopes are not stored", () => {
    const r = check({ "groups/g.yaml": "scope_name: g\nscope_type: server_scope\ncustom_scopes: [x]\n" });
    assert.equal(r.ok, true);
    only(r.warnings, /scope_type is accepted/);
    only(r.warnings, /custom_scopes is accepted/);
  });

  it("warns about a misspelt MCP method", () => {
    const r = check({ "groups/g.yaml": "scope_name: g\nserver_access:\n  - server: s\n    methods: [tools/lst]\n" });
    const d = only(r.warnings, /"tools\/lst" is not an MCP method/);
    assert.match(d.message, /did you mean "tools\/list"/);
  });
});

describe("files", () => {
  it("reports invalid YAML with its position", () => {
    const r = check({ "groups/g.yaml": "scope_name: g\nserver_access: [\n" });
    const d = only(r.errors, /invalid YAML/);
    assert.equal(d.file, "groups/g.yaml");
    assert.ok(d.line >= 2, `line ${d.line}`);
  });

  it("reports duplicate keys as invalid YAML", () => {
    const r = check({ "groups/g.yaml": "scope_name: g\nscope_name: h\n" });
    const d = only(r.errors, /invalid YAML: Map keys must be unique/);
    assert.deepEqual([d.line, d.column], [2, 1]);
  });

  it("refuses an alias bomb without expanding it", () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 9; i++) {
      const p = String.fromCharCode(96 + i);
      const n = String.fromCharCode(97 + i);
      levels.push(`${n}: &${n} [*${p}, *${p}, *${p}, *${p}, *${p}, *${p}, *${p}, *${p}, *${p}, *${p}]`);
    }
    const r = check({ "groups/g.yaml": "scope_name: g\ncustom_scopes: []\n" + levels.join("\n") + "\n" });
    only(r.errors, /alias bomb/);
  });

  it("refuses files over the size limit", () => {
    const r = check({ "groups/g.yaml": "scope_name: g\n" + "#".repeat(2000) + "\n" }, { maxFileBytes: 1000 });
    const d = only(r.errors, /over the 1000-byte limit/);
    assert.equal(d.file, "groups/g.yaml");
  });

  it("refuses non-UTF-8 files and points at the bad byte", () => {
    const bytes = Buffer.concat([
      Buffer.from("scope_name: g\ndescription: caf"),
      Buffer.from([0xe9]),
      Buffer.from("\n"),
    ]);
    const r = check({ "groups/g.yaml": bytes });
    const d = only(r.errors, /not valid UTF-8 \(invalid byte 0xe9\)/);
    assert.deepEqual([d.line, d.column], [2, 17]);
  });

  it("refuses several YAML documents in one file", () => {
    const r = check({ "groups/g.yaml": "scope_name: g\n---\nscope_name: h\n" });
    const d = only(r.errors, /more than one YAML document/);
    assert.equal(d.line, 2);
  });

  it("refuses a list of groups in one file", () => {
    const r = check({ "groups/g.yaml": "- scope_name: g\n" });
    only(r.errors, /expected one group mapping/);
  });

  it("reports every error of every file in one run", () => {
    const r = check({
      "groups/a.yaml": "scope_name: a\nbogus: 1\n",
      "groups/b.yaml": "scope_name: b\nserver_access:\n  - server: all\n    methods: [ping]\n",
      "users/u.yaml": USER("Alice", "[nope]") + "password: x\n",
      "m2m/m.yaml": "name: m\ngroups: []\n",
    });
    const files = new Set(r.errors.map((d) => d.file));
    assert.deepEqual([...files].sort(), ["groups/a.yaml", "groups/b.yaml", "m2m/m.yaml", "users/u.yaml"]);
    assert.ok(r.errors.length >= 6, `${r.errors.length} errors`);
  });

  it("treats a missing kind folder as an empty set when another one exists", () => {
    const r = check({ "groups/g.yaml": GROUP });
    assert.equal(r.ok, true, JSON.stringify(r.errors));
    assert.equal(r.model.users.length + r.model.m2m.length, 0);
  });
});

describe("the bootstrap admin's groups (bootstrapAdminGroups)", () => {
  const upstream = ["mcp-registry-admin", "mcp-servers-unrestricted"];

  it("default to registry-admins; other groups are looked up, and the admin is decided with them", () => {
    const plain = check({ "groups/g.yaml": GROUP }, { bootstrap: true });
    assert.deepEqual(plain.model.bootstrapAdmin?.groups, ["registry-admins"]);
    const r = check({ "groups/g.yaml": GROUP }, { bootstrap: true, bootstrapAdminGroups: upstream });
    assert.equal(r.ok, true, JSON.stringify(r.errors));
    assert.deepEqual(r.model.bootstrapAdmin?.groups, upstream);
    for (const g of upstream) assert.ok(r.model.externalGroups.includes(g), g);
    assert.deepEqual(resolveIdentity(r.model, { user: "admin" })?.groups, upstream);
    const plan = planIdentity(r.model, { idp: "keycloak" });
    const looked = plan.groups.filter((g) => upstream.includes(g.name)).map((g) => g.action);
    assert.deepEqual(looked, ["lookUp", "lookUp"]);
    // registry-admins stays the bootstrap's own group.
    assert.ok(plan.groups.some((g) => g.name === "registry-admins" && g.bootstrap && g.action === "create"));
  });
});
