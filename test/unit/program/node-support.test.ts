/** An older Node is refused at start with one line (node-support.ts), by the CLI and by the Pulumi program. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { MIN_NODE_MAJOR, unsupportedNode } from "../../../node-support";
import { REPO_ROOT } from "../../support/paths";

/** A preload that makes this Node say it is `version`, as an older Node would. */
function pretending(version: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "mcp-access-node-")), "old-node.js");
  writeFileSync(file, `Object.defineProperty(process.versions, "node", { value: ${JSON.stringify(version)} });\n`);
  return file;
}

describe("the supported Node.js", () => {
  it("is package.json's engines.node", () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { engines: { node: string } };
    assert.equal(pkg.engines.node, `>=${MIN_NODE_MAJOR}`);
  });

  it("says in one line which version is needed and how to get it", () => {
    const line = unsupportedNode("mcp-access", "20.19.0");
    assert.ok(line);
    assert.doesNotMatch(line, /\n/);
    assert.match(line, /needs Node\.js 22 or newer, and this is Node\.js 20\.19\.0/);
    assert.match(line, /nvm install 22/);
    assert.equal(unsupportedNode("mcp-access", "22.0.0"), null);
    assert.equal(unsupportedNode("mcp-access", "24.3.1"), null);
  });

  it("the CLI refuses an older Node before it loads anything else: one line, exit 1", () => {
    const res = spawnSync(
      process.execPath,
      ["--require", pretending("20.19.0"), join(REPO_ROOT, "bin", "mcp-access.js"), "validate"],
      { encoding: "utf8", cwd: REPO_ROOT },
    );
    assert.equal(res.status, 1);
    assert.equal(res.stdout, "");
    assert.equal(res.stderr.trim().split("\n").length, 1);
    assert.match(res.stderr, /^mcp-access needs Node\.js 22 or newer/);
  });

  it("the Pulumi program refuses it before the compile cache (what failed with enableCompileCache)", () => {
    const entry = join(REPO_ROOT, "dist", "pulumi.js");
    const res = spawnSync(
      process.execPath,
      ["--require", pretending("20.11.1"), "-e", `require(${JSON.stringify(entry)})`],
      {
        encoding: "utf8",
      },
    );
    assert.equal(res.status, 1);
    assert.match(
      res.stderr,
      /^the mcp-gateway-access Pulumi program needs Node\.js 22 or newer, and this is Node\.js 20\.11\.1/,
    );
  });
});
