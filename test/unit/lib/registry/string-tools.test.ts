/**
 * A `tools` value stored as a string — the Helm chart's seeds before 1.31.0 (#1757) wrote `"tools": "*"`, and so do
 * the scripts' unrestricted seeds at 8c5b834b — decided exactly as auth_server/server.py
 * `validate_server_tool_access` (8c5b834b) reads it: `"all" in tools or "*" in tools`, `tool_name in tools` and
 * `method in tools` are Python's `in`, a substring test on a string.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { authorize, grantsEverything, pyIn, type ScopeForAuth } from "../../../../lib";

/** A scope whose one rule stores `tools` as the string given (cast: the definitions' types allow only "*"). */
const withTools = (tools: string, methods: string[] = ["initialize"]): ScopeForAuth[] =>
  [
    { _id: "s", group_mappings: ["g"], server_access: [{ server: "srv", methods, tools }] },
  ] as unknown as ScopeForAuth[];

describe("pyIn and grantsEverything: Python's `in` on a list or a string", () => {
  it("membership in a list, substring in a string, nothing in a missing value", () => {
    assert.equal(pyIn(["read_file"], "read"), false);
    assert.equal(pyIn("read_file", "read"), true);
    assert.equal(pyIn("read_file", ""), true, "'' in any string is True in Python too");
    assert.equal(pyIn(undefined, "read"), false, 'server_config.get("tools", []) on a rule without tools');
    assert.equal(grantsEverything("*"), true);
    assert.equal(grantsEverything("install"), true, '"all" in "install"');
    assert.equal(grantsEverything("read_file"), false);
    assert.equal(grantsEverything(["read_all"]), false, "in a list only the item itself is a wildcard");
  });
});

describe("validate_server_tool_access on a string tools (8c5b834b)", () => {
  it('"*" as a string is every tool and, by the backward-compatible branch, every method', () => {
    const docs = withTools("*");
    const call = authorize(docs, ["g"], "srv", "tools/call", "anything");
    assert.deepEqual([call.allowed, call.branch], [true, "tools-wildcard"]);
    assert.match(call.reason, /tools "\*" of server "srv" contains "all" or "\*" \(a string/);
    const ping = authorize(docs, ["g"], "srv", "prompts/list");
    assert.deepEqual([ping.allowed, ping.branch], [true, "compat-tools-wildcard"]);
  });
  it("a tool name is granted when it is a substring of the string — more than the string names", () => {
    const docs = withTools("get_stock_price");
    const part = authorize(docs, ["g"], "srv", "tools/call", "stock");
    assert.deepEqual([part.allowed, part.branch], [true, "tool-listed"]);
    assert.match(part.reason, /"stock" is a substring of tools "get_stock_price"/);
    assert.equal(authorize(docs, ["g"], "srv", "tools/call", "get_stock_price").allowed, true);
    assert.equal(authorize(docs, ["g"], "srv", "tools/call", "delete_stock").allowed, false);
    const method = authorize(docs, ["g"], "srv", "get");
    assert.deepEqual([method.allowed, method.branch], [true, "compat-method-in-tools"], '"get" in "get_stock_price"');
    assert.equal(authorize(docs, ["g"], "srv", "tools/list").allowed, false);
  });
  it('a string containing "all" is a wildcard', () => {
    const d = authorize(withTools("install_package"), ["g"], "srv", "tools/call", "rm_rf");
    assert.deepEqual([d.allowed, d.branch], [true, "tools-wildcard"]);
  });
  it("a list keeps exact membership", () => {
    const docs: ScopeForAuth[] = [
      { _id: "s", group_mappings: ["g"], server_access: [{ server: "srv", methods: [], tools: ["get_stock_price"] }] },
    ];
    assert.equal(authorize(docs, ["g"], "srv", "tools/call", "stock").allowed, false);
  });
});
