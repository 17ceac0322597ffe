/** Grants as data: wildcards are flags read from the rule, not words found in the text. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { agentGrants, grantText, isWildcardGrant, scopeIndex, serverRuleGrants } from "../../../../lib";

describe("grants", () => {
  it("marks every wildcard the registry honours, and reads as before", () => {
    const grants = [
      ...serverRuleGrants({ server: "*", methods: ["all"], tools: "*" }),
      ...serverRuleGrants({ server: "/currenttime/", methods: ["tools/call"], tools: ["now"] }),
      ...agentGrants("*", ["invoke_agent"]),
    ];
    assert.deepEqual(
      grants.map((g) => [grantText(g), isWildcardGrant(g)]),
      [
        ["server every server (*): every method", true],
        ["server every server (*): every tool", true],
        ["server currenttime: method tools/call", false],
        ["server currenttime: tool now", false],
        ["agent every agent (*): invoke_agent", true],
      ],
    );
  });

  it("does not take a name that reads like a wildcard for one", () => {
    const [method, tool] = serverRuleGrants({
      server: "every tool server",
      methods: ["tools/call"],
      tools: ["every method"],
    });
    assert.equal(grantText(tool!), "server every tool server: tool every method");
    assert.equal(isWildcardGrant(method!), false);
    assert.equal(isWildcardGrant(tool!), false);
  });
});

describe("grants follow validate_server_tool_access", () => {
  it("a tools wildcard grants every method too (the backward-compatible branch)", () => {
    const texts = serverRuleGrants({ server: "fininfo", methods: ["initialize"], tools: ["*"] }).map(grantText);
    assert.deepEqual(texts, ["server fininfo: every method", "server fininfo: every tool"]);
  });

  it("a rule server that strips to * is every server", () => {
    assert.ok(
      serverRuleGrants({ server: "/*", methods: ["ping"] }).every((g) => g.kind === "method" && g.every.server),
    );
  });
});

describe("scopeIndex", () => {
  it("finds the same scopes, in the same order, as scanning every scope", () => {
    const doc = (_id: string, group_mappings: string[]) => ({ _id, group_mappings, server_access: [] });
    const docs = [
      doc("z-first", ["team", "/team/"]),
      doc("a-second", [" ops ", "team"]),
      doc("empty", ["", "/"]),
      doc("nested", ["/a/b/", "Team"]),
      doc("none", []),
    ];
    // The registry's lookup written plainly (get_group_mappings_bulk): every scope with a mapping equal to a
    // non-empty claim, exactly.
    const scan = (groups: string[]) => {
      const claims = new Set(groups.filter((g) => g !== ""));
      return docs.filter((d) => d.group_mappings.some((g) => claims.has(g)));
    };
    const lookup = scopeIndex(docs);
    for (const groups of [
      [],
      ["team"],
      ["/team"],
      ["ops", "team"],
      ["Team", "ops"],
      ["a/b"],
      [""],
      ["/"],
      ["x"],
      ["team", "team"],
    ]) {
      assert.deepEqual(lookup(groups), scan(groups), JSON.stringify(groups));
    }
  });
});
