/**
 * Files whose names git quotes in line output (non-ASCII, spaces, quotes, backslashes, newlines) are seen in every
 * revision (issue 23, item 2): the mass-removal guard, `diff`, and a broken file in the head revision.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { run } from "../../../cli/main";
import { revisionFiles } from "../../../cli/git";
import { safeText } from "../../../lib";
import { GitRepo, userFile } from "../../support/git-repo";

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

const TOOLS =
  "scope_name: tools-users\nserver_access:\n  - server: currenttime\n    methods: [tools/call]\n    tools: [now]\n";
const ADMIN_GROUP = "scope_name: ops\n";

/** Folders and file names git would quote or that a line-based reader would split. */
const FOLDERS = ["équipe", "with space", 'say "hi"', "back\\slash", "new\nline", "日本", "tab\there"];

for (const prefix of ["", "access dir é/"]) {
  describe(`names git quotes${prefix ? `, definitions under "${prefix}"` : ""}`, () => {
    const at = (p: string) => `${prefix}${p}`;
    const members = () =>
      Object.fromEntries(
        FOLDERS.map((f, i) => [at(`users/${f}/m${i} ${f}.yaml`), userFile(`member${i}`, ["tools-users"])]),
      );

    it("revisionFiles lists every file, whatever its name", () => {
      const repo = new GitRepo().write({ [at("groups/tools.yaml")]: TOOLS, ...members() });
      const ref = repo.commit("members");
      const files = revisionFiles(`${repo.dir}/${prefix}`, ref)
        .map((f) => f.file)
        .sort();
      assert.deepEqual(files, ["groups/tools.yaml", ...FOLDERS.map((f, i) => `users/${f}/m${i} ${f}.yaml`)].sort());
    });

    it("the mass-removal guard counts members removed from such folders", async () => {
      const repo = new GitRepo().write({
        [at("groups/tools.yaml")]: TOOLS,
        [at("mcp-access.yaml")]: "guards:\n  maxRemovalShare: 0.25\n",
        ...members(),
      });
      const ref = repo.commit("members");
      repo.write(Object.fromEntries(Object.keys(members()).map((k) => [k, null])));
      const r = await cli(["validate", "--dir", `${repo.dir}/${prefix}`, "--base", ref]);
      assert.equal(r.code, 1, r.out + r.err);
      assert.match(r.out, new RegExp(`removes ${FOLDERS.length} of ${FOLDERS.length} members of "tools-users"`));
    });

    it("diff reports someone made a registry admin in such a file", async () => {
      const repo = new GitRepo().write({
        [at("groups/tools.yaml")]: TOOLS,
        [at("groups/ops.yaml")]: ADMIN_GROUP,
        ...members(),
      });
      const ref = repo.commit("members");
      repo.write({ [at("users/équipe/m0 équipe.yaml")]: userFile("member0", ["tools-users", "registry-admins"]) });
      const head = repo.commit("an admin");
      const r = await cli([
        "diff",
        "--dir",
        `${repo.dir}/${prefix}`,
        "--base",
        ref,
        "--head",
        head,
        "--format",
        "json",
        "--existing-group",
        "registry-admins",
      ]);
      assert.equal(r.code, 0, r.err);
      const d = JSON.parse(r.out) as { identities: Array<{ name: string; privileged: string[] }> };
      const m = d.identities.find((i) => i.name === "member0");
      assert.ok(m, r.out);
      assert.ok(m.privileged.includes("becomes a registry admin"), JSON.stringify(m));
    });

    it("a broken file with such a name in the head revision is an error, not skipped", async () => {
      for (const f of FOLDERS) {
        const repo = new GitRepo().write({ [at("groups/tools.yaml")]: TOOLS, ...members() });
        const ref = repo.commit("members");
        repo.write({ [at(`users/${f}/broken ${f}.yaml`)]: "username: [unclosed\n" });
        const head = repo.commit("broken");
        const r = await cli(["diff", "--dir", `${repo.dir}/${prefix}`, "--base", ref, "--head", head]);
        assert.equal(r.code, 1, `${JSON.stringify(f)}: ${r.out}${r.err}`);
        // Printed on one line: a newline or tab in the name is escaped (\u000a), never written raw.
        const shown = safeText(`users/${f}/broken ${f}.yaml`);
        assert.ok(r.err.includes(shown) || r.out.includes(shown), r.err);
      }
    });
  });
}
