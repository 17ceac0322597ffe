/** The registry's per-tool overrides read as blocks (server_repository.py @ 0530678f, tool_blocks.py @ 50add746). */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { blocksOfServerDocument, findBlock, serversCollectionName } from "../../../../lib";
import { REPO_ROOT } from "../../../support/paths";

const DOCS = JSON.parse(
  readFileSync(join(REPO_ROOT, "test/fixtures/registry/servers-tool-overrides.json"), "utf8"),
) as Array<{ _id: string; tool_overrides?: unknown }>;

describe("the registry's per-tool blocks", () => {
  it("only entries whose blocked is true block; version documents and odd shapes block nothing", () => {
    const blocks = DOCS.flatMap((d) => blocksOfServerDocument(d));
    assert.deepEqual(
      blocks.map((b) => `${b.server} ${b.tool} ${b.source} ${b.reason}`),
      ["currenttime set_time scanner HIGH:PROMPT INJECTION", "fininfo quote admin exfiltrates"],
    );
  });

  it("match a request's server by key, path or transport URL, and the tool by its exact name", () => {
    const blocks = DOCS.flatMap((d) => blocksOfServerDocument(d));
    assert.ok(findBlock(blocks, "/currenttime/mcp", "set_time"));
    assert.ok(findBlock(blocks, "currenttime", "set_time"));
    assert.equal(findBlock(blocks, "currenttime", "Set_Time"), undefined);
    assert.equal(findBlock(blocks, "fininfo", "set_time"), undefined);
  });

  it("are read from the namespace's servers collection", () => {
    assert.equal(serversCollectionName("default"), "mcp_servers_default");
  });
});
