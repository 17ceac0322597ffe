/**
 * explain and the per-tool blocks: offline it decides with tool-blocks/ and says what it assumes of the registry;
 * with --stack it reads the registry's own blocks (here through a fake reader: no database), decides with them too
 * and warns of each block only one side holds; an unreachable database is a warning, not a failure.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runExplain } from "../../../cli/explain";
import type { RegistryBlockReader } from "../../../cli/registry-blocks";
import type { ConnectionSettings, ToolBlock } from "../../../lib";
import { GROUP, makeRepo, USER } from "../../support/repo";

const STACK = "config:\n  mcp-gateway-access:namespace: team-a\n  mcp-gateway-access:mongodbHost: db.internal\n";
const root = makeRepo({
  "groups/tools-users.yaml": GROUP,
  "users/alice.yaml": USER("alice"),
  "tool-blocks/x.yaml": "server: currenttime\ntool: current_time_by_timezone\nreason: declared reason\n",
  "stacks/Pulumi.dev.yaml": STACK,
});

async function explain(args: Record<string, unknown>, read?: RegistryBlockReader) {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (s: string) => out.push(s), err: (s: string) => err.push(s) };
  const flags = { dir: root, existingGroup: ["registry-admins"], format: "text" as const, user: "alice", ...args };
  const never: RegistryBlockReader = () => Promise.reject(new Error("the reader must not be called"));
  const code = await runExplain(flags, io, read ?? never, {});
  return { code, out: out.join("\n"), err: err.join("\n") };
}

const scanner: ToolBlock = { server: "currenttime", tool: "zones", reason: "HIGH:PROMPT INJECTION", source: "scanner" };

describe("explain and tool blocks", () => {
  it("without --stack: a declared block denies, and an unblocked tool's answer says what it assumes", async () => {
    const blocked = await explain({ server: "currenttime", method: "tools/call", tool: "current_time_by_timezone" });
    assert.match(blocked.out, /^DENY user alice/);
    assert.match(blocked.out, /blocked in tool-blocks\/ \(tool-blocks\/x\.yaml:1:1: declared reason\)/);
    assert.match(blocked.out, /decided by registry\/services\/tool_blocks\.py @ 50add746 .*\(tool-blocked\)/);
    const other = await explain({ server: "currenttime", method: "tools/call", tool: "zones" });
    assert.match(other.out, /note: assumes zones is not blocked on currenttime beyond tool-blocks\//);
  });

  it("without --stack: the identity's listing shows the blocked tool apart, with the note once", async () => {
    const r = await explain({});
    assert.ok(!/^ {2}server currenttime: tool current_time_by_timezone$/m.test(r.out), r.out);
    assert.match(r.out, /BLOCKED server currenttime: tool current_time_by_timezone: blocked in tool-blocks\//);
    assert.equal(r.out.match(/note: assumes no tool is blocked beyond tool-blocks\//g)?.length, 1);
  });

  it("with --stack: reads the stack's database, decides with the registry's blocks, warns of differences", async () => {
    let asked: ConnectionSettings | undefined;
    const read: RegistryBlockReader = (c) => ((asked = c), Promise.resolve([scanner]));
    const r = await explain({ stack: "dev", server: "currenttime", method: "tools/call", tool: "zones" }, read);
    assert.equal(asked?.namespace, "team-a");
    assert.equal(asked?.mongodbHost, "db.internal");
    assert.match(r.out, /blocked on the registry \(source: scanner, HIGH:PROMPT INJECTION\)/);
    assert.ok(!r.out.includes("note: assumes"), r.out);
    assert.match(r.err, /warning: tool-blocks\/ blocks current_time_by_timezone on currenttime .* but the registry/);
    assert.match(r.err, /warning: the registry blocks zones on currenttime \(source: scanner/);
  });

  it("with --stack and the database out of reach: a warning, and the answers assume no other block", async () => {
    const read: RegistryBlockReader = () => Promise.reject(new Error("connect ECONNREFUSED"));
    const r = await explain({ stack: "dev", server: "currenttime", method: "tools/call", tool: "zones" }, read);
    assert.equal(r.code, 0);
    assert.match(r.err, /warning: the registry's tool blocks were not read \(connect ECONNREFUSED\)/);
    assert.match(r.out, /note: assumes zones is not blocked on currenttime/);
  });
});
