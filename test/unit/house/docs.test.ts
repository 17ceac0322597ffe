/** The README is a front door that stays short, and every link in it and in docs/ leads somewhere. */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { REPO_ROOT } from "../../support/paths";

const DOCS = [
  "README.md",
  ...readdirSync(join(REPO_ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

describe("documentation", () => {
  it("the README is a front door of at most 400 lines", () => {
    const lines = readFileSync(join(REPO_ROOT, "README.md"), "utf8").split("\n").length;
    assert.ok(lines <= 400, `README.md has ${lines} lines; move reference into docs/`);
  });

  it("every relative link in the README and docs/ names a file that exists", () => {
    for (const doc of DOCS) {
      const text = readFileSync(join(REPO_ROOT, doc), "utf8");
      for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        assert.ok(
          existsSync(join(REPO_ROOT, dirname(doc), target!)),
          `${doc} links to ${target}, which does not exist`,
        );
      }
    }
  });

  it("every docs/ page is linked from the README", () => {
    const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
    for (const doc of DOCS.filter((d) => d.startsWith("docs/")))
      assert.ok(readme.includes(`(${doc})`), `README lacks a link to ${doc}`);
  });
});
