/**
 * All problems of all files in one run: a key refused while reading (`__proto__`, a duplicate, a list as a key)
 * leaves that key out and the file is still checked, so its other problems show too; nothing of such a file is
 * loaded. For every kind of the table.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KIND_NAMES } from "../../../../lib";
import { check, GROUP, USER } from "../../../support/repo";

const REFUSED = [
  ["__proto__", "__proto__: 1\nzz_not_a_field: 1\n", /"__proto__" is not a valid field name/],
  ["a duplicate key", "zz_not_a_field: 1\nzz_not_a_field: 2\nzz_other: 1\n", /appears twice/],
  ["a list as a key", "? [a, b]\n: 1\nzz_not_a_field: 1\n", /a key must be a plain value/],
] as const;

describe("a refused key does not hide the file's other problems", () => {
  for (const kind of KIND_NAMES) {
    for (const [what, text, pattern] of REFUSED) {
      it(`${kind}: ${what}, and the rest of the file and the other files still checked`, () => {
        const file = `${kind}/x.yaml`;
        const other = kind === "users" ? "groups/bad.yaml" : "users/bad.yaml";
        const r = check({
          "groups/g.yaml": GROUP,
          "users/alice.yaml": USER("alice"),
          [file]: text,
          [other]: "zz: 1\n",
        });
        assert.equal(r.ok, false);
        const mine = r.errors.filter((d) => d.file === file);
        assert.ok(
          mine.some((d) => pattern.test(d.message)),
          mine.map((d) => d.message).join("\n"),
        );
        assert.ok(mine.length >= 2, `only the refusal was reported:\n${mine.map((d) => d.message).join("\n")}`);
        assert.ok(r.errors.some((d) => d.file === other));
      });
    }
  }

  it("groups: __proto__ in ui_permissions, a wrong description and an unknown field, all at their lines", () => {
    const r = check({
      "groups/g.yaml":
        "scope_name: g1\ndescription: 5\nui_permissions:\n  __proto__: [x]\n  list_service: [a]\nzz: 1\n",
      "users/alice.yaml": USER("alice", "[g1]"),
    });
    assert.deepEqual(
      r.errors.map((d) => [d.line, d.path]),
      [
        [2, "description"],
        [4, "ui_permissions.__proto__"],
        [6, "zz"],
      ],
    );
  });

  it("nothing of a file with a refused key is loaded, and its name is not reported missing elsewhere", () => {
    const r = check({
      "groups/g.yaml": GROUP,
      "users/alice.yaml": USER("alice") + "enabled: true\nenabled: true\n",
      "groups/h.yaml": "scope_name: other\nscope_name: other\n",
      "users/bob.yaml": USER("bob", "[other]"),
    });
    assert.equal(r.ok, false);
    assert.deepEqual(
      r.model.users.map((u) => u.username),
      ["bob"],
    );
    assert.deepEqual(
      r.errors.map((d) => d.file),
      ["groups/h.yaml", "users/alice.yaml"],
    );
  });
});
