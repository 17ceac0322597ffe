/**
 * Per-tool blocks in the one decision path (registry 1.31.0, #1719/#1782): a declared block denies tools/call
 * before any scope rule, admins' and wildcards' included, hides the tool from what an identity may do, fails an
 * `allow` access test naming the block, and shows in diff as access lost (added) or gained (removed).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  declaredBlocks,
  decideFor,
  diffAccess,
  explainRequest,
  identityAccess,
  grantText,
  REGISTRY_DEFAULTS,
  withRegistryBlocks,
  type AccessModel,
  type ToolBlock,
} from "../../../../lib";
import { check, GROUP, only, USER } from "../../../support/repo";

const WILDCARDS = `scope_name: wild
description: every tool of currenttime, and every tool of every server
server_access:
  - server: currenttime
    methods: [tools/list, tools/call]
    tools: "*"
  - server: fininfo
    methods: [all]
    tools: [all]
`;

const BLOCK = `- server: currenttime
  tool: current_time_by_timezone
  reason: prompt injection in its description
`;

const files = (more: Record<string, string> = {}) => ({
  "groups/tools-users.yaml": GROUP,
  "groups/wild.yaml": WILDCARDS,
  "users/alice.yaml": USER("alice"),
  "users/wanda.yaml": USER("wanda", "[wild]"),
  "users/root.yaml": USER("root", "[registry-admins]"),
  ...more,
});

function model(more: Record<string, string> = {}): AccessModel {
  const r = check(files(more));
  assert.deepEqual(r.errors, []);
  return r.model;
}

const call = (tool: string, server = "currenttime") => ({ server, method: "tools/call", tool });

describe("a declared tool block decides before every grant", () => {
  const blocked = model({ "tool-blocks/currenttime.yaml": BLOCK });

  it("denies tools/call of the blocked tool to a named grant, a `*` grant and an admin, citing the block", () => {
    for (const user of ["alice", "wanda", "root"]) {
      const d = explainRequest(blocked, { user }, call("current_time_by_timezone"));
      assert.equal(d.allowed, false, user);
      assert.equal(d.branch, "tool-blocked");
      assert.match(d.decidedBy, /tool_blocks\.py @ 50add746/);
      assert.match(d.reason, /blocked in tool-blocks\/ \(tool-blocks\/currenttime\.yaml:1:3: prompt injection/);
      assert.match(d.reason, /without the block: allowed by scope/);
    }
  });

  it("blocks on a server reached by `all`, and through a URL whose body names the tool", () => {
    const m = model({ "tool-blocks/fininfo.yaml": "server: /fininfo/\ntool: quote\nreason: leaks\n" });
    assert.equal(explainRequest(m, { user: "wanda" }, call("quote", "fininfo")).branch, "tool-blocked");
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "quote" } });
    const url = { url: "/fininfo/mcp", body: { kind: "text" as const, text: body } };
    assert.equal(explainRequest(m, { user: "wanda" }, url).branch, "tool-blocked");
  });

  it("leaves an unblocked tool of the same server allowed, saying what it assumes of the registry", () => {
    const d = explainRequest(blocked, { user: "wanda" }, call("other_tool"));
    assert.equal(d.allowed, true);
    assert.deepEqual(d.notes, [
      "assumes other_tool is not blocked on currenttime beyond tool-blocks/ (the registry's own blocks are server " +
        "data; --stack reads them)",
    ]);
  });

  it("lets tools/list through and says it hides the blocked tool", () => {
    const d = explainRequest(blocked, { user: "alice" }, { server: "currenttime", method: "tools/list" });
    assert.equal(d.allowed, true);
    assert.ok(d.notes?.includes("tools/list hides the blocked tools: current_time_by_timezone"));
  });

  it("takes the blocked tool out of what an identity may do, and lists it as blocked", () => {
    const alice = identityAccess(blocked).find((i) => i.name === "alice")!;
    assert.ok(!alice.grants.map(grantText).includes("server currenttime: tool current_time_by_timezone"));
    assert.deepEqual(alice.blocked.map(grantText), ["server currenttime: tool current_time_by_timezone"]);
    const wanda = identityAccess(blocked).find((i) => i.name === "wanda")!;
    assert.ok(wanda.grants.map(grantText).includes("server currenttime: every tool"));
    assert.deepEqual(wanda.blocked.map(grantText), ["server currenttime: tool current_time_by_timezone"]);
  });

  it("without a block the same requests are allowed (the rule, not the fixture, denies)", () => {
    assert.equal(explainRequest(model(), { user: "root" }, call("current_time_by_timezone")).allowed, true);
  });
});

describe("access tests and diff with blocks", () => {
  const TEST = `- identity: {user: alice}
  allow:
    - {server: currenttime, method: tools/call, tool: current_time_by_timezone}
`;

  it("an allow on a blocked tool fails at its line, naming the block", () => {
    const r = check(files({ "tool-blocks/currenttime.yaml": BLOCK, "access-tests/alice.yaml": TEST }));
    const d = only(r.errors, /access test/);
    assert.equal(`${d.file}:${d.line}`, "access-tests/alice.yaml:3");
    assert.match(d.message, /should be allowed .* but is denied: tools\/call "current_time_by_timezone" on/);
    assert.match(d.message, /blocked in tool-blocks\/ \(tool-blocks\/currenttime\.yaml:1:3: prompt injection/);
  });

  it("a block added is the tool lost for everyone who reached it; removed, gained", () => {
    const base = model();
    const head = model({ "tool-blocks/currenttime.yaml": BLOCK });
    const lost = diffAccess(base, head);
    const tool = "server currenttime: tool current_time_by_timezone";
    for (const name of ["alice", "wanda", "root"]) {
      const c = lost.identities.find((i) => i.name === name);
      assert.deepEqual(c?.lost.map(grantText), [tool], name);
      assert.deepEqual(c?.gained, [], name);
    }
    assert.deepEqual(
      lost.toolBlocks?.added.map((b) => `${b.server} ${b.tool}`),
      ["currenttime current_time_by_timezone"],
    );
    const gained = diffAccess(head, base);
    assert.deepEqual(gained.identities.find((i) => i.name === "wanda")?.gained.map(grantText), [tool]);
    assert.deepEqual(gained.toolBlocks?.removed.length, 1);
  });

  it("a block changes the access of those who reach the tool only", () => {
    const head = model({ "tool-blocks/x.yaml": "server: fininfo\ntool: quote\nreason: r\n" });
    const d = diffAccess(model(), head);
    assert.equal(
      d.identities.find((c) => c.name === "alice"),
      undefined,
    );
    assert.deepEqual(d.identities.find((c) => c.name === "wanda")?.lost.map(grantText), ["server fininfo: tool quote"]);
  });
});

describe("the registry's own blocks beside the declared ones", () => {
  const declared: ToolBlock = { server: "currenttime", tool: "a", reason: "r", source: "declared", at: "f:1:1" };
  const scanner: ToolBlock = { server: "currenttime", tool: "b", reason: "HIGH:PROMPT INJECTION", source: "scanner" };

  it("decides with both, names the registry's, and warns of each block only one side holds", () => {
    const { known, warnings } = withRegistryBlocks([declared], [scanner]);
    assert.equal(known.registryRead, true);
    assert.equal(warnings.length, 2);
    assert.match(warnings[0]!, /tool-blocks\/ blocks a on currenttime \(f:1:1\) but the registry does not/);
    assert.match(warnings[1]!, /the registry blocks b on currenttime \(source: scanner, HIGH:PROMPT INJECTION\)/);
    const m = model();
    const d = decideFor([], { groups: ["wild"], enabled: true }, call("b"), REGISTRY_DEFAULTS, undefined, known);
    assert.match(d.reason, /blocked on the registry \(source: scanner, HIGH:PROMPT INJECTION\)/);
    const agreed = withRegistryBlocks([declared], [{ ...declared, source: "admin", at: undefined }]);
    assert.deepEqual(agreed.warnings, []);
    assert.equal(declaredBlocks(m).registryRead, false);
  });
});
