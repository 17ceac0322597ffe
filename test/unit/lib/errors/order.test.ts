/** Names come out in code-unit order, whatever the locale: capitals before small letters, ASCII before the rest. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { byCodeUnit, sortDiagnostics, type Diagnostic } from "../../../../lib";

const at = (file: string, path = "", message = "m"): Diagnostic => ({
  severity: "error",
  file,
  line: 1,
  column: 1,
  path,
  message,
});

describe("code-unit order", () => {
  it("byCodeUnit orders as the default sort does", () => {
    const names = ["b", "é", "B", "a", "z", "a"];
    assert.deepEqual([...names].sort(byCodeUnit), [...names].sort());
    assert.deepEqual([...names].sort(byCodeUnit), ["B", "a", "a", "b", "z", "é"]);
  });

  it("sortDiagnostics orders files, field paths and messages by code unit, not by locale", () => {
    const files = ["groups/b.yaml", "groups/é.yaml", "groups/B.yaml", "groups/a.yaml", "groups/z.yaml"];
    assert.deepEqual(
      sortDiagnostics(files.map((f) => at(f))).map((d) => d.file),
      ["groups/B.yaml", "groups/a.yaml", "groups/b.yaml", "groups/z.yaml", "groups/é.yaml"],
    );
    const paths = sortDiagnostics([at("f", "tools"), at("f", "Tools"), at("f", "écrit")]).map((d) => d.path);
    assert.deepEqual(paths, ["Tools", "tools", "écrit"]);
    const messages = sortDiagnostics([at("f", "", "zone"), at("f", "", "Zone"), at("f", "", "élan")]);
    assert.deepEqual(
      messages.map((d) => d.message),
      ["Zone", "zone", "élan"],
    );
  });
});
