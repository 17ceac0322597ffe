/**
 * A group_mappings entry no group name can equal (surrounding whitespace or "/"): the registry matches the claim's
 * names exactly and no claim holds such a name, so the scope would silently grant nobody. An error at the entry.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { check } from "../../../support/repo";

const group = (mapping: string) => `scope_name: team\ngroup_mappings:\n  - ok-name\n  - ${JSON.stringify(mapping)}\n`;

describe("group_mappings entries that never match", () => {
  const cases: Array<[string, string]> = [
    [" team", "team"],
    ["team ", "team"],
    ["\tteam", "team"],
    ["team\n", "team"],
    ["/team", "team"],
    ["team/", "team"],
    ["//team//", "team"],
    [" /team/ ", "team"],
    ["/a/b/", "a/b"],
    ["/", ""],
    [" ", ""],
  ];
  for (const idp of ["keycloak", "entra"] as const) {
    for (const [mapping, bare] of cases) {
      it(`${idp}: ${JSON.stringify(mapping)} is an error at the entry`, () => {
        const r = check({ "groups/g.yaml": group(mapping) }, { identityProvider: idp });
        const hits = r.errors.filter(
          (d) => d.path === "group_mappings[1]" && /no group name equals it/.test(d.message),
        );
        assert.equal(hits.length, 1, JSON.stringify([...r.errors, ...r.warnings]));
        assert.equal(hits[0]!.line, 4);
        assert.match(hits[0]!.message, bare ? new RegExp(`write ${JSON.stringify(bare)}$`) : /remove it$/);
      });
    }
  }

  it("says nothing of exact names, inner slashes or Object IDs", () => {
    for (const mapping of ["team", "a/b", "Team Leads", "6f1c2a9e-4b4d-4a8e-9a53-0d3e5c8b7f10"]) {
      const r = check({ "groups/g.yaml": group(mapping) });
      assert.deepEqual(
        r.errors.filter((d) => d.path.startsWith("group_mappings")),
        [],
      );
    }
  });
});
