/**
 * lib/load/: the table of kinds is the one list of definition folders. Everything else that lists them is derived
 * from it or held to it here, and every kind gets the loader's file rules.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { checkFiles, KIND_NAMES, SCHEMA_NAMES, sizedFile, type RawFile } from "../../../../lib";
import { cli } from "../../../support/cli";
import { REPO_ROOT } from "../../../support/paths";
import { check, GROUP } from "../../../support/repo";

const text = (file: string, body: string): RawFile =>
  sizedFile(file, body.length, () => new TextEncoder().encode(body));

describe("the table of kinds", () => {
  it("the README's picture, the CLI's help and `schema` name every kind", async () => {
    const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
    const picture = /```\n([^\n]*)\n/.exec(readme)![1]!;
    for (const k of KIND_NAMES) {
      assert.match(picture, new RegExp(`(^|\\s)${k}/`), `README picture lacks ${k}/`);
      assert.ok(readme.includes(`\`${k}/\``), `README does not describe ${k}/`);
    }
    const help = await cli(["--help"]);
    const dirHelp = await cli(["validate", "--help"]);
    for (const k of KIND_NAMES) {
      assert.match(help.out, new RegExp(`^  ${k}/ `, "m"), `mcp-access --help lacks ${k}/`);
      assert.ok(dirHelp.out.replace(/\s+/g, " ").includes(`${k}/`), `--dir help lacks ${k}/`);
    }
    assert.deepEqual([...SCHEMA_NAMES].sort(), [...KIND_NAMES].sort());
    const schemas = await cli(["schema"]);
    assert.deepEqual(Object.keys(JSON.parse(schemas.out) as object), [...KIND_NAMES]);
  });
});

describe("the loader's file rules hold for every kind", () => {
  for (const kind of KIND_NAMES) {
    for (const leftover of ["x.yaml~", "x.yaml.orig", "x.yaml.bak"]) {
      it(`${kind}/${leftover} is not read: a warning, never a live definition`, () => {
        // Unparseable on purpose: read as a definition, it would be an error.
        const result = check({ "groups/tools-users.yaml": GROUP, [`${kind}/${leftover}`]: "{ [ unclosed" });
        assert.deepEqual(
          result.errors.map((d) => `${d.file}: ${d.message}`),
          [],
        );
        const warned = result.warnings.filter((d) => d.file === `${kind}/${leftover}`);
        assert.equal(warned.length, 1);
        assert.match(warned[0]!.message, /this file is not read/);
        // Positive control: the same text under a definition name is read, and refused.
        const read = check({ "groups/tools-users.yaml": GROUP, [`${kind}/x.yaml`]: "{ [ unclosed" });
        assert.ok(read.errors.some((d) => d.file === `${kind}/x.yaml`));
      });
    }
  }

  it("a revision's files are read by the same rules: a README under a kind's folder is not parsed", () => {
    const files = [text("groups/tools-users.yaml", GROUP), text("rate-limits/README.md", "# notes: { [")];
    const result = checkFiles(files, { existingGroups: ["registry-admins"] });
    assert.deepEqual(result.errors, []);
    const broken = checkFiles([...files, text("rate-limits/x.yaml", "{ [")], { existingGroups: ["registry-admins"] });
    assert.ok(broken.errors.some((d) => d.file === "rate-limits/x.yaml"));
  });
});
