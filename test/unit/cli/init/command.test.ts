/**
 * `mcp-access init`: writes a new definitions repository that `mcp-access validate` passes as written (both
 * identity providers, with and without examples), never overwrites a file, and refuses a bad --idp or --stack.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { checkRepository, IDENTITY_PROVIDERS, KIND_NAMES, readStackFile } from "../../../../lib";
import { cli } from "../../../support/cli";

const base = mkdtempSync(join(tmpdir(), "mcp-access-init-"));
after(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
const fresh = (name = "Team Access") => join(base, String(n++), name);

describe("mcp-access init", () => {
  for (const idp of IDENTITY_PROVIDERS) {
    for (const examples of [false, true]) {
      it(`writes a repository validate passes (--idp ${idp}${examples ? " --examples" : ""})`, async () => {
        const dir = fresh();
        const r = await cli(["init", dir, "--idp", idp, ...(examples ? ["--examples"] : [])]);
        assert.equal(r.code, 0, r.err);
        assert.ok(r.out.includes(`wrote ${join(dir, "package.json")}`));
        assert.match(r.out, /next steps:\n {2}cd '.*Team Access'\n {2}npm install\n {2}npx mcp-access validate\n/);
        // The local stack is a Keycloak's: an Entra ID repository is told of none, and has no script for it.
        assert.equal(/npm run local/.test(r.out), idp === "keycloak");
        const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { scripts: Record<string, string> };
        assert.equal("local" in pkg.scripts, idp === "keycloak");
        assert.equal(readFileSync(join(dir, "README.md"), "utf8").includes("npm run local"), idp === "keycloak");
        assert.match(r.out, /pull request/);
        for (const k of KIND_NAMES) assert.ok(existsSync(join(dir, k)), k);
        // The real check, as the CLI and the Pulumi program run it.
        const plain = checkRepository(dir);
        assert.deepEqual(plain.errors, []);
        assert.deepEqual(plain.warnings, []);
        const v = await cli(["validate", "--dir", dir]);
        assert.equal(v.code, 0, v.out);
        if (examples) {
          assert.match(v.out, /ok: 1 group, 1 user, 1 M2M account/);
          assert.match(v.out, /access-test expectations held/);
        }
        const stacks = idp === "keycloak" ? ["prod", "local"] : [];
        for (const stack of stacks) {
          const s = await cli(["validate", "--dir", dir, "--stack", stack]);
          assert.equal(s.code, 0, `${stack}: ${s.out}${s.err}`);
          assert.equal(readStackFile(dir, stack).identityProvider, "keycloak");
        }
        if (idp === "entra") {
          // An Entra ID stack needs its tenant's settings first; validate says which.
          const s = await cli(["validate", "--dir", dir, "--stack", "prod"]);
          assert.equal(s.code, 2);
          assert.match(s.err, /entraSecretEndDate is required/);
        }
      });
    }
  }

  it("never overwrites: an existing file is kept and said so, the rest are written", async () => {
    const dir = fresh("existing");
    mkdirSync(join(dir, "groups"), { recursive: true });
    writeFileSync(join(dir, "package.json"), "{}\n");
    writeFileSync(join(dir, "README.md"), "# ours\n");
    const r = await cli(["init", dir, "--idp", "keycloak", "--stack", "staging"]);
    assert.equal(r.code, 0, r.err);
    assert.ok(r.out.includes(`kept ${join(dir, "package.json")} (exists)`));
    assert.ok(r.out.includes(`kept ${join(dir, "README.md")} (exists)`));
    assert.ok(r.out.includes(`wrote ${join(dir, "stacks/Pulumi.staging.yaml")}`));
    assert.ok(r.out.includes(`wrote ${join(dir, "stacks/Pulumi.local.yaml")}`));
    assert.equal(readFileSync(join(dir, "package.json"), "utf8"), "{}\n");
    assert.equal(readFileSync(join(dir, "README.md"), "utf8"), "# ours\n");
    const again = await cli(["init", dir, "--idp", "keycloak", "--stack", "staging"]);
    assert.equal(again.code, 0);
    assert.doesNotMatch(again.out, /^wrote /m);
  });

  it("refuses a bad --idp, a missing one and a stack name Pulumi refuses (exit 2), writing nothing", async () => {
    const dir = fresh("refused");
    for (const args of [
      ["--idp", "okta"],
      [],
      ["--idp", "keycloak", "--stack", "../x"],
      ["--idp", "keycloak", "--stack", "a b"],
    ]) {
      const r = await cli(["init", dir, ...args]);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.err, /^mcp-access: ERR_USAGE: /);
    }
    assert.ok(!existsSync(dir));
  });
});
