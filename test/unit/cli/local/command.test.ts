/** `mcp-access local` and `mcp-access engine` as a person calls them, short of starting the services. */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { cli } from "../../../support/cli";

describe("mcp-access local", () => {
  it("outside a definitions repository says what to run instead (usage error, exit 2), starting nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mcp-access-local-"));
    for (const args of [["local"], ["local", "--down"], ["local", "pulumi", "preview"], ["local", "token", "a"]]) {
      const r = await cli([...args.slice(0, 1), "--dir", dir, ...args.slice(1)]);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.err, /has no Pulumi\.yaml: run mcp-access local in a definitions repository \(mcp-access init/);
    }
  });

  it("passes the engine's own options through (`local pulumi preview --diff`)", async () => {
    const r = await cli(["local", "--help"]);
    assert.equal(r.code, 0);
    assert.match(r.out, /pulumi \[args\.\.\.\]/);
    assert.match(r.out, /token \[args\.\.\.\]/);
  });
});

describe("mcp-access engine --stamp", () => {
  it("prints the build stamp, a cache key naming the engine and plugin versions, and builds nothing", async () => {
    const a = await cli(["engine", "--stamp"]);
    const b = await cli(["engine", "--stamp"]);
    assert.equal(a.code, 0);
    assert.match(a.out, /^pulumi-3\.259\.0-keycloak-6\.13\.0-[0-9a-f]{16}$/);
    assert.equal(a.out, b.out);
  });
});
