/**
 * What can never work is said (issue 23, items 7 and 11): server and tool names that never match, files with a
 * near-miss extension, scope names that differ only in case or a surrounding "/", an M2M account in
 * registry-admins, and a user's e-mail that is another user's username.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { revisionFiles } from "../../../../cli/git";
import { checkFiles } from "../../../../lib";
import { nearMissExtension } from "../../../../lib/load/files";
import { check, GROUP, USER } from "../../../support/repo";
import { GitRepo, userFile } from "../../../support/git-repo";

const rule = (server: string, tools = "[now]") =>
  `scope_name: g\nserver_access:\n  - server: ${JSON.stringify(server)}\n    methods: ` +
  `[tools/call]\n    tools: ${tools}\n`;

describe("names that never match", () => {
  for (const server of ["*tools", "fin*", "%2e%2e/admin", "fininfo ", " fininfo", "a%2Fb"]) {
    it(`warns about server ${JSON.stringify(server)}`, () => {
      const r = check({ "groups/g.yaml": rule(server) });
      assert.ok(
        r.warnings.some((d) => d.path === "server_access[0].server" && /never matches|does not expand/.test(d.message)),
        JSON.stringify([...r.errors, ...r.warnings]),
      );
    });
  }
  for (const tool of ["get_*", "*_admin", "now "]) {
    it(`warns about tool ${JSON.stringify(tool)}`, () => {
      const r = check({ "groups/g.yaml": rule("currenttime", `[${JSON.stringify(tool)}]`) });
      assert.ok(
        r.warnings.some(
          (d) => d.path === "server_access[0].tools[0]" && /never matches|does not expand/.test(d.message),
        ),
        JSON.stringify(r.warnings),
      );
    });
  }
  it("says nothing of ordinary names, a lone * or a path with a leading /", () => {
    const r = check({
      "groups/g.yaml":
        rule("/currenttime", "[now, get_time]") + "  - server: other\n    methods: [tools/call]\n    tools: ['*']\n",
    });
    assert.deepEqual(
      r.warnings.filter((d) => /never matches|does not expand/.test(d.message)),
      [],
    );
  });
});

describe("near-miss file names", () => {
  it("knows a near-miss extension from another file", () => {
    for (const n of ["bob.ymal", "bob.yml~", "bob.jsno", "bob.yaml.bak", "bob.YMAL", "bob.yamll", "bob.jsn"])
      assert.ok(nearMissExtension(n), n);
    for (const n of ["README.md", "notes.txt", "bob", ".gitkeep", "bob.yaml", "photo.jpg", "x.js"])
      assert.equal(nearMissExtension(n), null, n);
  });

  it("warns about users/bob.ymal in the working tree and in a git revision", () => {
    const files = {
      "groups/g.yaml": GROUP,
      "users/alice.yaml": USER("alice"),
      "users/bob.ymal": USER("bob"),
      "users/README.md": "# the users\n",
    };
    const r = check(files);
    const w = r.warnings.filter((d) => d.file === "users/bob.ymal");
    assert.equal(w.length, 1, JSON.stringify(r.warnings));
    assert.match(w[0]!.message, /not read: .* rename it to end in \.ya?ml .*removed at apply/);
    assert.equal(r.warnings.filter((d) => d.file === "users/README.md").length, 0);
    const repo = new GitRepo().write({ "groups/g.yaml": GROUP, "users/bob.ymal": userFile("bob", ["tools-users"]) });
    const ref = repo.commit("near miss");
    const g = checkFiles(revisionFiles(repo.dir, ref), { existingGroups: ["registry-admins"] });
    assert.ok(
      g.warnings.some((d) => d.file === "users/bob.ymal"),
      JSON.stringify(g.warnings),
    );
  });
});

describe("groups, admins and e-mails", () => {
  it("warns about scope names that differ only in case or a surrounding /", () => {
    const r = check({
      "groups/a.yaml": "scope_name: team\n",
      "groups/b.yaml": "scope_name: Team\n",
      "groups/c.yaml": "scope_name: ops\ncreate_in_idp: false\n",
      "groups/d.yaml": "scope_name: ops/\ncreate_in_idp: false\n",
    });
    assert.equal(
      r.warnings.filter((d) => /only in case or a surrounding "\/"/.test(d.message)).length,
      2,
      JSON.stringify(r.warnings),
    );
  });

  it("warns about an M2M account in registry-admins", () => {
    const r = check({ "groups/g.yaml": GROUP, "m2m/ci.yaml": "name: ci\ngroups: [tools-users, registry-admins]\n" });
    const w = r.warnings.find((d) => d.file === "m2m/ci.yaml");
    assert.ok(w, JSON.stringify(r.warnings));
    assert.equal(w.path, "groups[1]");
    assert.match(w.message, /joins registry-admins: whoever holds its client secret .* is a full registry admin/);
  });

  it("refuses a user's e-mail that is another user's username", () => {
    const user = (name: string, email: string) =>
      `username: ${name}\nemail: ${email}\nfirst_name: A\nlast_name: B\ngroups: [tools-users]\n`;
    const r = check({
      "groups/g.yaml": GROUP,
      "users/a.yaml": user("bob@example.org", "bob.other@example.com"),
      "users/b.yaml": user("carol", "Bob@example.org"),
    });
    const e = r.errors.find((d) => d.file === "users/b.yaml" && d.path === "email");
    assert.ok(e, JSON.stringify(r.errors));
    assert.match(e.message, /is the username of the user at users\/a\.yaml:1:\d+; Keycloak refuses it/);
    const own = check({ "groups/g.yaml": GROUP, "users/a.yaml": user("bob@example.org", "bob@example.org") });
    assert.equal(own.ok, true, JSON.stringify(own.errors));
  });
});
