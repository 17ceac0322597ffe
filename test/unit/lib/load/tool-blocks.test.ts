/** The tool-blocks/ kind: one block or a list, strict fields, positions, duplicates and unknown servers. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { jsonSchemaFor } from "../../../../lib";
import { check, GROUP, only } from "../../../support/repo";

const at = (d: { file: string; line: number; column: number }) => `${d.file}:${d.line}:${d.column}`;
const repo = (blocks: Record<string, string>) => check({ "groups/tools-users.yaml": GROUP, ...blocks });

describe("tool-blocks/", () => {
  it("loads one block or a list into the model", () => {
    const r = repo({
      "tool-blocks/one.yaml": "server: /currenttime/\ntool: a\nreason: why\n",
      "tool-blocks/list.yaml":
        "- {server: currenttime, tool: b, reason: why}\n- {server: currenttime, tool: c, reason: x}\n",
    });
    assert.deepEqual(r.errors, []);
    assert.deepEqual(
      r.model.toolBlocks?.map((b) => `${b.server} ${b.tool} ${b.source} ${b.at}`),
      [
        "currenttime b declared tool-blocks/list.yaml:1:3",
        "currenttime c declared tool-blocks/list.yaml:2:3",
        "currenttime a declared tool-blocks/one.yaml:1:1",
      ],
    );
  });

  it("refuses an unknown field, a missing reason and a wildcard, each at its position", () => {
    const r = repo({
      "tool-blocks/bad.yaml":
        "- {server: currenttime, tool: a, reason: r, reson: typo}\n- {server: currenttime, tool: b}\n" +
        "- {server: '*', tool: c, reason: r}\n- {server: currenttime, tool: all, reason: r}\n",
    });
    assert.equal(at(only(r.errors, /reson/)), "tool-blocks/bad.yaml:1:45");
    assert.match(at(only(r.errors, /missing required field "reason"/)), /^tool-blocks\/bad\.yaml:2:/);
    assert.equal(r.errors.filter((d) => /"\*" and "all" are not blocks/.test(d.message)).length, 2);
    assert.equal(r.model.toolBlocks?.length ?? 0, 0, "nothing of a file with an error is loaded");
  });

  it("a tool blocked twice is an error at the second, naming the first", () => {
    const r = repo({
      "tool-blocks/a.yaml": "server: currenttime\ntool: now\nreason: r\n",
      "tool-blocks/b.yaml": "server: /currenttime\ntool: now\nreason: s\n",
    });
    const d = only(r.errors, /already blocked/);
    assert.equal(at(d), "tool-blocks/b.yaml:2:7");
    assert.match(d.message, /already blocked at tool-blocks\/a\.yaml:2:7/);
  });

  it("a server no group names is a warning, not an error", () => {
    const r = repo({ "tool-blocks/x.yaml": "server: currenttiem\ntool: now\nreason: r\n" });
    assert.deepEqual(r.errors, []);
    const w = only(r.warnings, /no group names server "currenttiem"/);
    assert.equal(at(w), "tool-blocks/x.yaml:1:9");
    assert.equal(r.model.toolBlocks?.length, 1, "the block still holds");
  });

  it("has a strict schema for editors, from the table of kinds", () => {
    const s = jsonSchemaFor("tool-blocks") as { title: string; anyOf: Array<Record<string, unknown>> };
    assert.equal(s.title, "mcp-gateway-access tool blocks");
    assert.equal(s.anyOf[0]!.additionalProperties, false);
    assert.deepEqual(s.anyOf[0]!.required, ["server", "tool", "reason"]);
  });
});
