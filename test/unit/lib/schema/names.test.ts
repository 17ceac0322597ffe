/**
 * Names and text handed control characters and look-alikes (issue 23, items 6 and 11): C0, DEL and C1 refused in
 * every name and (but for tabs and line breaks) in descriptions; nothing printed raw; Coptic, Lisu, ligatures and
 * decomposed accents caught as look-alikes.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { check, GROUP, makeRepo, USER } from "../../../support/repo";
import { cli } from "../../../support/cli";

const CONTROLS: Record<string, string> = {
  NUL: "\u0000",
  ESC: "\u001b",
  BS: "\u0008",
  DEL: "\u007f",
  NEL: "\u0085",
  CSI: "\u009b",
  BEL: "\u0007",
};
const yamlString = (s: string) => JSON.stringify(s); // YAML double-quoted strings take JSON escapes

describe("control characters", () => {
  for (const [name, c] of Object.entries(CONTROLS)) {
    it(`${name} is refused in server, tool, scope, user and M2M names`, () => {
      const r = check({
        "groups/a.yaml":
          `scope_name: ${yamlString(`a${c}b`)}\nserver_access:\n  - server: ` +
          `${yamlString(`time${c}`)}\n    methods: [tools/call]\n    tools: [${yamlString(`now${c}`)}]\n`,
        "groups/b.yaml": GROUP,
        "users/u.yaml": USER("alice").replace("username: alice", `username: ${yamlString(`ali${c}ce`)}`),
        "m2m/m.yaml": `name: ${yamlString(`bot${c}`)}\ngroups: [tools-users]\n`,
      });
      for (const path of ["scope_name", "server_access[0].server", "server_access[0].tools[0]", "username", "name"]) {
        assert.ok(
          r.errors.some((d) => d.path === path && /control character U\+00[0-9A-F]{2}/.test(d.message)),
          `${path}: ${r.errors.map((d) => `${d.path} ${d.message}`).join("\n")}`,
        );
      }
      for (const d of [...r.errors, ...r.warnings])
        assert.ok(!d.message.includes(c), `raw ${name} in: ${JSON.stringify(d.message)}`);
    });

    it(`${name} is refused in a description, which keeps tabs and line breaks`, () => {
      const r = check({
        "groups/a.yaml": GROUP.replace("description: test group", `description: ${yamlString(`text${c}more`)}`),
      });
      assert.ok(
        r.errors.some((d) => d.path === "description" && /control character/.test(d.message)),
        JSON.stringify(r.errors),
      );
    });
  }

  it("tabs and line breaks in a description are fine", () => {
    const r = check({
      "groups/a.yaml": GROUP.replace(
        "description: test group",
        `description: ${yamlString("line one\n\tline two\r\n")}`,
      ),
    });
    assert.equal(r.ok, true, JSON.stringify(r.errors));
  });

  it("validate prints no raw control character, whatever the files hold", async () => {
    const dir = makeRepo({
      "groups/a.yaml":
        `scope_name: a\nserver_access:\n  - server: ` +
        `${yamlString("x\u001b[2J\u001b]0;pwned\u0007")}\n    methods: [tools/call]\n    tools: ["\\u202eevil"]\n`,
      "users/u.yaml": USER("alice", "[a]"),
    });
    for (const format of ["text", "github", "json"]) {
      const r = await cli(["validate", "--dir", dir, "--format", format]);
      assert.equal(r.code, 1);
      assert.doesNotMatch(
        r.out + r.err,
        /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/,
        `${format}: ${JSON.stringify(r.out)}`,
      );
    }
  });
});

describe("nothing printed raw", () => {
  it("explain, render and diff print no raw control character, whatever the definitions hold", async () => {
    const dir = makeRepo({
      "groups/a.yaml":
        `scope_name: a\ndescription: "x\\u009b31m\\u0085y"\nserver_access:\n  - ` +
        `server: ${yamlString("t\u001b[2Jime")}\n    methods: [tools/call]\n    tools: [${yamlString("n\u0008ow")}]\n`,
      "users/u.yaml": USER("alice", "[a]"),
    });
    for (const args of [
      ["explain", "--user", "alice"],
      ["explain", "--groups", "a"],
      ["render"],
      ["validate", "--format", "json"],
    ]) {
      const r = await cli([...args, "--dir", dir]);
      assert.doesNotMatch(
        r.out + r.err,
        /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/,
        `${args.join(" ")}: ${JSON.stringify(r.out + r.err)}`,
      );
    }
  });
});

describe("look-alike characters", () => {
  const cases: Record<string, string> = {
    "Coptic small alfa": "ⲁdmins",
    "Lisu letter A": "ꓮdmins",
    "the ligature fi": "ﬁnance",
    "a decomposed accent": "caf\u0065\u0301",
    "a superscript": "team²",
  };
  for (const [what, name] of Object.entries(cases)) {
    it(`catches ${what} in a scope name`, () => {
      const r = check({ "groups/a.yaml": `scope_name: ${yamlString(name)}\n` });
      assert.ok(
        r.errors.some(
          (d) => d.path === "scope_name" && /looks like a Latin character|not in its composed form/.test(d.message),
        ),
        JSON.stringify(r.errors),
      );
    });
  }

  it("accepts a composed accent in a person name, and refuses a decomposed one", () => {
    const ok = check({
      "groups/b.yaml": GROUP,
      "users/u.yaml": USER("alice").replace("first_name: First", "first_name: Zoé"),
    });
    assert.equal(ok.ok, true, JSON.stringify(ok.errors));
    const bad = check({
      "groups/b.yaml": GROUP,
      "users/u.yaml": USER("alice").replace("first_name: First", `first_name: ${yamlString("Zoe\u0301")}`),
    });
    assert.ok(
      bad.errors.some((d) => d.path === "first_name" && /composed form/.test(d.message)),
      JSON.stringify(bad.errors),
    );
  });
});
