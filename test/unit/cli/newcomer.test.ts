/** The CLI a newcomer can trust (issue 14): install, version, pull-request paths, pipes and missing files. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { run } from "../../../cli/main";
import { UPSTREAM_REVISION } from "../../../lib";
import { GitRepo, userFile } from "../../support/git-repo";
import { REPO_ROOT } from "../../support/paths";
import { makeRepo } from "../../support/repo";

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

const BIN = join(REPO_ROOT, "bin", "mcp-access.js");
const PKG = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as {
  version: string;
  scripts: Record<string, string>;
};
const TOOLS =
  "scope_name: tools-users\nserver_access:\n  - server: currenttime\n    methods: [initialize, " +
  "tools/list, tools/call]\n    tools: [now]\n";

describe("getting started", () => {
  it("builds on install, and every test script builds what it runs", () => {
    assert.equal(PKG.scripts.prepare, "npm run build");
    for (const [name, script] of Object.entries(PKG.scripts).filter(([n]) => n.startsWith("test:"))) {
      assert.match(script, /^npm run build && /, name);
    }
  });

  it("prints its version", async () => {
    const r = await cli(["--version"]);
    assert.equal(r.code, 0);
    // The version on the first line (for scripts), then the registry revision whose rules it follows.
    assert.equal(r.out, `${PKG.version}\nregistry rules: ${UPSTREAM_REVISION}`);
    const p = spawnSync(process.execPath, [BIN, "--version"], { encoding: "utf8" });
    assert.equal(p.status, 0);
    assert.equal(p.stdout.split("\n")[0], PKG.version);
  });
});

describe("pull requests", () => {
  it(
    "validate --base passes a change that fixes a broken base, and reports the base's errors as " + "the base's",
    async () => {
      const repo = new GitRepo().write({
        "groups/tools.yaml": TOOLS,
        "users/pa.yaml": userFile("pa", ["tools-users"]),
      });
      const ref = repo.commit("broken main");
      repo.write({ "users/pa.yaml": null, "users/pat.yaml": userFile("pat", ["tools-users"]) });
      const r = await cli(["validate", "--dir", repo.dir, "--base", ref]);
      assert.equal(r.code, 0, r.out + r.err);
      assert.match(
        r.err,
        new RegExp(
          `^base ${ref}: users/pa\\.yaml:1:11: error: username: username "pa" is shorter than 3 characters`,
          "m",
        ),
      );
      assert.match(r.out, /^ok: 1 group, 1 user/m);
      const d = await cli(["diff", "--dir", repo.dir, "--base", ref, "--format", "json"]);
      assert.equal(d.code, 0, d.err);
      assert.match(d.err, /base .*users\/pa\.yaml/);
      assert.deepEqual(
        JSON.parse(d.out).identities.map((i: { name: string; status: string }) => [i.name, i.status]),
        [
          ["pa", "removed"],
          ["pat", "added"],
        ],
      );
    },
  );

  it("reports a symbolic link in a git revision and does not follow it", async () => {
    const repo = new GitRepo().write({
      "groups/tools.yaml": TOOLS,
      "users/alice.yaml": userFile("alice", ["tools-users"]),
    });
    writeFileSync(join(repo.dir, "secret.yaml"), userFile("mallory", ["tools-users"]));
    symlinkSync("../secret.yaml", join(repo.dir, "users", "mallory.yaml"));
    const ref = repo.commit("a link");
    const d = await cli(["diff", "--dir", repo.dir, "--base", ref, "--format", "json"]);
    assert.match(d.err, new RegExp(`base ${ref}: users/mallory\\.yaml: error: symbolic link, not followed`));
    const v = await cli(["validate", "--dir", repo.dir]);
    assert.equal(v.code, 1);
    assert.match(v.out, /^users\/mallory\.yaml: error: symbolic link, not followed/m);
  });

  it("gives GitHub annotations paths relative to the repository root", async () => {
    const repo = new GitRepo().write({ "access/groups/tools.yaml": TOOLS + "bogus: 1\n" });
    const r = await cli(["validate", "--dir", join(repo.dir, "access"), "--format", "github"]);
    assert.equal(r.code, 1);
    assert.match(r.out, /^::error file=access\/groups\/tools\.yaml,line=6,col=1,title=bogus::unknown field "bogus"/m);
  });

  it("ends quietly when the reader of its output goes away (explain | head -1)", () => {
    const files: Record<string, string> = {};
    const groups: string[] = [];
    for (let i = 0; i < 400; i++) {
      groups.push(`team-${i}`);
      const tools = Array.from({ length: 20 }, (_, j) => `tool_${j}`).join(", ");
      files[`groups/team-${i}.yaml`] =
        `scope_name: team-${i}\nserver_access:\n  - server: server-${i}\n    methods: [tools/list, ` +
        `tools/call]\n    tools: [${tools}]\n`;
    }
    const dir = makeRepo(files);
    const p = spawnSync(
      "bash",
      ["-c", `"${process.execPath}" "${BIN}" explain --dir "${dir}" --groups ${groups.join(",")} | head -1`],
      { encoding: "utf8" },
    );
    assert.equal(p.status, 0);
    assert.equal(p.stdout.trim().split("\n").length, 1);
    assert.equal(p.stderr, "", "no EPIPE trace");
  });
});

describe("missing files and folders", () => {
  it("says which file is missing, not ENOENT", async () => {
    const r = await cli(["token", "--verify", "not-a-token", "--public-key", "/nonexistent/key.pem"]);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /^mcp-access: ERR_FILE: \/nonexistent\/key\.pem: no such file or folder$/m);
    assert.doesNotMatch(r.err, /ENOENT|    at /);
  });

  it("says a path is a file where a folder is needed, not ENOTDIR/EEXIST", async () => {
    const dir = makeRepo({ taken: "a file\n" });
    const r = await cli(["schema", "--out", join(dir, "taken")]);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /taken: (exists already|a part of this path is a file, not a folder)/);
    assert.doesNotMatch(r.err, /ENOTDIR|EEXIST/);
  });

  it("refuses a --dir that does not exist instead of reporting 0 groups", async () => {
    const r = await cli(["validate", "--dir", "/nonexistent/access"]);
    assert.equal(r.code, 1);
    assert.match(r.out, /^\/nonexistent\/access: error: the definitions folder does not exist/m);
  });
});
