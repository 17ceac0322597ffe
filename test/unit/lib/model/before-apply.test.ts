/**
 * What `pulumi up` would refuse, or apply as no access, is caught by validate: each rule with the message and the
 * line and column it points at (issue 14).
 */
import assert from "node:assert/strict";
import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { checkRepository, readStackFile } from "../../../../lib";
import { RESERVED_CLIENT_IDS } from "../../../../lib/schema/names";
import { check, GROUP, makeRepo, only, USER } from "../../../support/repo";

const user = (name: string, extra: Record<string, string> = {}) => {
  const fields = {
    username: name,
    email: `${name}@example.com`,
    first_name: "First",
    last_name: "Last",
    groups: "[tools-users]",
    ...extra,
  };
  return Object.entries(fields)
    .map(([k, v]) => `${k}: ${v}\n`)
    .join("");
};

describe("identity-provider limits", () => {
  it("email_verified: a boolean on Keycloak, at its line; Entra ID has none and refuses it", () => {
    const files = (v: string) => ({ "groups/g.yaml": GROUP, "users/ann.yaml": user("ann", { email_verified: v }) });
    assert.ok(check(files("true")).ok);
    const wrong = check(files('"yes"')).errors.filter((d) => d.path === "email_verified");
    assert.deepEqual(
      wrong.map((d) => [d.file, d.line]),
      [["users/ann.yaml", 6]],
    );
    const entra = only(check(files("true"), { identityProvider: "entra" }).errors, /email_verified is Keycloak's/);
    assert.deepEqual([entra.file, entra.line, entra.path], ["users/ann.yaml", 6, "email_verified"]);
  });

  it("refuses a username under 3 characters, as Keycloak's user profile does (error-invalid-length)", () => {
    const r = check({ "groups/g.yaml": GROUP, "users/pa.yaml": USER("pa") });
    const d = only(r.errors, /shorter than 3 characters, which Keycloak's user profile refuses/);
    assert.deepEqual([d.file, d.line, d.column, d.path], ["users/pa.yaml", 1, 11, "username"]);
  });

  it("refuses a username over 255 characters", () => {
    const r = check({ "groups/g.yaml": GROUP, "users/long.yaml": user("a".repeat(256)) });
    only(r.errors, /username is longer than 255 characters \(256\)/);
  });

  it("refuses an e-mail Keycloak refuses: over 255 characters, or over 64 before the @", () => {
    const r = check({
      "groups/g.yaml": GROUP,
      "users/a.yaml": user("alice", { email: `${"a".repeat(65)}@example.com` }),
      "users/b.yaml": user("bob", { email: `b@${"d".repeat(250)}.com` }),
    });
    assert.equal(only(r.errors, /before "@" is longer than 64 characters \(65\)/).file, "users/a.yaml");
    assert.equal(only(r.errors, /email is longer than 255 characters/).file, "users/b.yaml");
  });

  it("refuses person names with characters Keycloak's person-name validator refuses, or over 255 characters", () => {
    const r = check({
      "groups/g.yaml": GROUP,
      "users/a.yaml": user("alice", { first_name: '"Al (the boss)"' }),
      "users/b.yaml": user("bob", { last_name: "b".repeat(256) }),
    });
    const d = only(
      r.errors,
      /first_name contains U\+0028 at character 4, which Keycloak's person-name validator refuses/,
    );
    assert.deepEqual([d.file, d.line, d.column, d.path], ["users/a.yaml", 3, 13, "first_name"]);
    assert.equal(only(r.errors, /last_name is longer than 255 characters/).file, "users/b.yaml");
  });

  it("accepts names in other scripts and with apostrophes and hyphens", () => {
    const r = check({
      "groups/g.yaml": GROUP,
      "users/a.yaml": user("ivan", { first_name: "Иван", last_name: "O'Brien-Smith" }),
    });
    assert.equal(r.ok, true, JSON.stringify(r.errors));
  });

  it("applies Entra's limits (givenName, surname ≤ 64, mailNickname ≤ 64) only on Entra", () => {
    const files = { "groups/g.yaml": GROUP, "users/a.yaml": user("alice", { first_name: "F".repeat(65) }) };
    assert.equal(check(files).ok, true);
    const r = check(files, { identityProvider: "entra" });
    const d = only(r.errors, /first_name \(givenName\) is longer than the 64 characters Entra ID accepts \(65\)/);
    assert.equal(d.path, "first_name");
  });

  it("refuses M2M names of Keycloak's built-in clients and of the bootstrap's", () => {
    assert.deepEqual(
      [...RESERVED_CLIENT_IDS],
      [
        "account",
        "account-console",
        "admin-cli",
        "broker",
        "realm-management",
        "security-admin-console",
        "mcp-gateway-web",
        "mcp-gateway-m2m",
      ],
    );
    const files: Record<string, string> = { "groups/g.yaml": GROUP };
    for (const n of RESERVED_CLIENT_IDS) files[`m2m/${n}.yaml`] = `name: ${n}\ngroups: [tools-users]\n`;
    const r = check(files);
    for (const n of RESERVED_CLIENT_IDS) {
      const d = only(r.errors, new RegExp(`M2M name "${n}" is a client every realm of the registry has`));
      assert.deepEqual([d.file, d.line, d.column, d.path], [`m2m/${n}.yaml`, 1, 7, "name"]);
    }
  });
});

describe("identities that collide at apply", () => {
  it("refuses duplicate e-mail addresses, ignoring case, and names the first", () => {
    const r = check({
      "groups/g.yaml": GROUP,
      "users/a.yaml": user("alice", { email: "Alice@Example.com" }),
      "users/b.yaml": user("bob", { email: "alice@example.com" }),
    });
    const d = only(
      r.errors,
      new RegExp(
        String.raw`email "alice@example.com" is already defined at users\/a.yaml:2:8; Key` +
          String.raw`cloak refuses two users with the same e-mail address \(compared ignori` +
          String.raw`ng case\)`,
      ),
    );
    assert.deepEqual([d.file, d.line, d.column, d.path], ["users/b.yaml", 2, 8, "email"]);
  });

  it("refuses the bootstrap admin's username (and e-mail) when the stack manages the bootstrap", () => {
    const files = { "groups/g.yaml": GROUP, "users/admin.yaml": user("admin") };
    assert.equal(check(files).ok, true, "without bootstrap, admin is a name like any other");
    const d = only(
      check(files, { bootstrap: true }).errors,
      /username "admin" is the bootstrap admin's, whom the stack creates/,
    );
    assert.deepEqual([d.file, d.line, d.column], ["users/admin.yaml", 1, 11]);
    assert.equal(
      check(files, { bootstrap: true, bootstrapAdminUsername: "root", bootstrapAdminEmail: "root@example.com" }).ok,
      true,
    );
    const mail = check(
      { "groups/g.yaml": GROUP, "users/a.yaml": user("alice", { email: "ADMIN@example.com" }) },
      { bootstrap: true },
    );
    only(mail.errors, /email "ADMIN@example.com" is the bootstrap admin's/);
  });

  it("reads the bootstrap admin's name from the stack file", () => {
    const dir = makeRepo({
      "groups/g.yaml": GROUP,
      "users/root.yaml": user("root"),
      "stacks/Pulumi.dev.yaml":
        "config:\n  mcp-gateway-access:bootstrap: true\n  mcp-gateway-access:bootstrapAdminUsername: root\n",
    });
    const settings = readStackFile(dir, "dev");
    assert.equal(settings.bootstrapAdminUsername, "root");
    const r = checkRepository(dir, settings);
    only(r.errors, /username "root" is the bootstrap admin's/);
  });
});

describe("files are what they say", () => {
  it("reads .json as strict JSON: a trailing comma is an error at its position", () => {
    const r = check({ "groups/g.json": '{\n  "scope_name": "g",\n}\n' });
    const d = only(r.errors, /invalid JSON: .*no comments, no trailing commas/);
    assert.deepEqual([d.file, d.line, d.column], ["groups/g.json", 3, 1]);
  });

  it("reads .json as strict JSON: a comment is an error at its position", () => {
    const r = check({ "groups/g.json": '{\n  // the group\n  "scope_name": "g"\n}\n' });
    const d = only(r.errors, /invalid JSON/);
    assert.deepEqual([d.line, d.column], [2, 3]);
  });

  it("refuses YAML custom tags instead of reading them as strings", () => {
    for (const tag of ["!env", "!vault", "!include"]) {
      const r = check({
        "users/a.yaml":
          `username: alice\nemail: ${tag} ALICE_MAIL\nfirst_name: A\nlast_name: ` + `B\ngroups: [registry-admins]\n`,
      });
      const d = only(r.errors, new RegExp(`YAML tag "${tag}" is not supported: definitions are plain data`));
      assert.deepEqual([d.file, d.line, d.path], ["users/a.yaml", 2, "email"]);
    }
  });

  it("says what !!binary and merge keys are", () => {
    const bin = check({ "groups/g.yaml": "scope_name: !!binary Zw==\n" });
    only(bin.errors, /"!!binary" marks base64-encoded binary data/);
    const merge = check({
      "groups/g.yaml": "scope_name: g\nserver_access:\n  - <<: {server: s}\n    methods: [tools/list]\n",
    });
    const d = only(merge.errors, /"<<" is a YAML merge key/);
    assert.deepEqual([d.line, d.column, d.path], [3, 5, "server_access[0].<<"]);
  });
});

describe("look-alike and invisible characters", () => {
  it("refuses a Cyrillic letter in a Latin username, naming the code point and its position", () => {
    const r = check({ "groups/g.yaml": GROUP, "users/a.yaml": user("\u0430lice", { email: "alice@example.com" }) });
    const d = only(r.errors, /U\+0430 \(Cyrillic "а"\) at character 1, which looks like a Latin character/);
    assert.deepEqual([d.file, d.line, d.column, d.path], ["users/a.yaml", 1, 11, "username"]);
    assert.equal(r.errors.filter((e) => e.path === "username").length, 1, "reported once");
  });

  it("refuses a zero-width space in a tool name, and look-alikes in servers and scopes", () => {
    const r = check({
      "groups/g.yaml":
        "scope_name: t\u043eols\nserver_access:\n  - server: curr\u0435nttime\n    methods: " +
        '[tools/call]\n    tools: ["get\u200btime"]\n',
    });
    only(r.errors, /scope_name "tоols" contains U\+043E \(Cyrillic "о"\) at character 2/);
    only(r.errors, /server "currеnttime" contains U\+0435 \(Cyrillic "е"\) at character 5/);
    const d = only(r.errors, /contains the invisible character U\+200B ZERO WIDTH SPACE at character 4/);
    assert.equal(d.path, "server_access[0].tools[0]");
  });

  it("leaves descriptions alone", () => {
    assert.equal(check({ "groups/g.yaml": GROUP.replace("test group", "группа\u200b") }).ok, true);
  });
});

describe("rules that grant nothing or too much", () => {
  it("refuses server names that are URLs or go up a folder", () => {
    const r = check({
      "groups/g.yaml":
        "scope_name: g\nservers:\n  - server_name: ../x\n    access_level: read\nserver_access:\n  " +
        "- server: https://mcp.example.com/x\n    methods: [tools/list]\n",
    });
    const up = only(r.errors, /server "..\/x" is a relative path/);
    assert.deepEqual([up.line, up.column, up.path], [3, 18, "servers[0].server_name"]);
    only(r.errors, /server "https:\/\/mcp.example.com\/x" is a URL/);
  });

  it("warns about agent * with destructive actions, not with reading ones", () => {
    const r = check({
      "groups/g.yaml":
        'scope_name: g\nserver_access:\n  - agent: "*"\n    actions: [list_agents, delete_agent]\n  ' +
        '- agent: "*"\n    actions: [list_agents]\n',
    });
    const d = only(r.warnings, /agent "\*" with delete_agent lets every member change or remove every agent/);
    assert.equal(d.path, "server_access[0].actions");
  });

  it("warns about execute with no tools", () => {
    const r = check({
      "groups/g.yaml":
        "scope_name: g\nservers:\n  - server_name: currenttime\n    access_level: " +
        "execute\nserver_access:\n  - server: fininfo\n    methods: [tools/list, tools/call]\n",
    });
    assert.equal(only(r.warnings, /access_level execute on "currenttime" lists no tools/).path, "servers[0]");
    assert.equal(
      only(r.warnings, /tools\/call on "fininfo" with no tools grants no tool/).path,
      "server_access[0].methods[1]",
    );
  });

  it("warns when group_mappings leaves out the group's own name while members join it", () => {
    const group = GROUP + "group_mappings: [other-group]\n";
    const r = check({ "groups/g.yaml": group, "users/a.yaml": USER("alice") });
    const d = only(
      r.warnings,
      new RegExp(
        String.raw`group_mappings leaves out "tools-users", so the 1 identities joining i` +
          String.raw`t \(users\/a.yaml\) receive nothing from this scope`,
      ),
    );
    assert.deepEqual([d.file, d.path], ["groups/g.yaml", "group_mappings"]);
    assert.equal(
      check({ "groups/g.yaml": group }).warnings.filter((w) => /group_mappings/.test(w.message)).length,
      0,
      "no members, no warning",
    );
    assert.equal(
      check({ "groups/g.yaml": group, "users/a.yaml": USER("alice") }, { identityProvider: "entra" }).warnings.filter(
        (w) => /group_mappings/.test(w.message),
      ).length,
      0,
      "Entra adds the Object ID",
    );
  });
});

describe("one run shows every error of an item", () => {
  it("reports the username, the e-mail and the groups of one user together", () => {
    const r = check({
      "users/a.yaml": "username: pa\nemail: not-an-email\nfirst_name: A\nlast_name: B\ngroups: registry-admins\n",
    });
    only(r.errors, /username "pa" is shorter than 3 characters/);
    only(r.errors, /"email" is not a valid email address/);
    only(r.errors, /"groups" must be a list/);
  });
});

describe("the definitions folder", () => {
  it("refuses a folder that does not exist", () => {
    const r = checkRepository("/nonexistent/definitions");
    only(
      r.errors,
      /the definitions folder does not exist; check --dir \(mcp-access\) or definitionsDir \(stack config\)/,
    );
  });

  it("refuses a kind folder whose name differs only in case", () => {
    const r = check({ "groups/g.yaml": GROUP, "Users/a.yaml": USER("alice") });
    const d = only(r.errors, /folder "Users" differs from "users" only in case/);
    assert.equal(d.file, "Users/");
  });

  it("loads files in subfolders and shows their paths", () => {
    const r = check({
      "groups/g.yaml": GROUP,
      "users/team-a/alice.yaml": USER("alice"),
      "users/team-b/deep/bob.yaml": USER("Bob"),
    });
    assert.deepEqual(
      r.model.users.map((u) => u.file),
      ["users/team-b/deep/bob.yaml", "users/team-a/alice.yaml"],
    );
    assert.equal(only(r.errors, /upper-case/).file, "users/team-b/deep/bob.yaml");
  });

  it("reports symbolic links, files and folders, and does not follow them", () => {
    const outside = makeRepo({ "alice.yaml": USER("alice"), "team/bob.yaml": USER("bob") });
    const dir = makeRepo({ "groups/g.yaml": GROUP, "users/carol.yaml": USER("carol") });
    symlinkSync(join(outside, "alice.yaml"), join(dir, "users", "alice.yaml"));
    symlinkSync(join(outside, "team"), join(dir, "users", "team"));
    const r = checkRepository(dir);
    assert.deepEqual(
      r.model.users.map((u) => u.username),
      ["carol"],
    );
    for (const f of ["users/alice.yaml", "users/team"])
      assert.equal(
        only(
          r.errors.filter((e) => e.file === f),
          /symbolic link, not followed/,
        ).line,
        0,
      );
  });
});
