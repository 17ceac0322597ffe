/** Per-identity access diffs between git revisions, and the safety guards, on scripted git histories. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { run } from "../../../../cli/main";
import { renderComment, type AccessDiffJson } from "../../../../cli/diff";
import { diffAccess, type AccessDiff } from "../../../../lib/review/access-diff";
import { checkRepository } from "../../../../lib";
import { GitRepo, userFile } from "../../../support/git-repo";

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

const TOOLS =
  "scope_name: tools-users\nserver_access:\n  - server: currenttime\n    methods: [initialize, " +
  "tools/list, tools/call]\n    tools: [now]\n";

function base(): { repo: GitRepo; ref: string } {
  const repo = new GitRepo().write({
    "groups/tools.yaml": TOOLS,
    "users/alice.yaml": userFile("alice", ["tools-users"]),
    "users/bob.yaml": userFile("bob", ["tools-users"]),
    "m2m/bot.yaml": "name: bot\ngroups: [tools-users]\n",
  });
  return { repo, ref: repo.commit("base") };
}

async function jsonDiff(repo: GitRepo, baseRef: string, head?: string): Promise<AccessDiffJson> {
  const r = await cli([
    "diff",
    "--dir",
    repo.dir,
    "--base",
    baseRef,
    ...(head ? ["--head", head] : []),
    "--format",
    "json",
  ]);
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out) as AccessDiffJson;
}

describe("mcp-access diff", () => {
  it("reports added and removed users with what they gain and lose", async () => {
    const { repo, ref } = base();
    repo.write({ "users/carol.yaml": userFile("carol", ["tools-users"]), "users/bob.yaml": null });
    const d = await jsonDiff(repo, ref);
    const carol = d.identities.find((i) => i.name === "carol")!;
    assert.equal(carol.status, "added");
    assert.ok(carol.gained.includes("server currenttime: tool now"));
    const bob = d.identities.find((i) => i.name === "bob")!;
    assert.equal(bob.status, "removed");
    assert.ok(bob.lost.includes("server currenttime: method tools/call"));
    assert.equal(
      d.identities.some((i) => i.name === "alice"),
      false,
      "unchanged identities are not listed",
    );
  });

  it("reports a changed tool list for every identity holding the group, between two commits", async () => {
    const { repo, ref } = base();
    repo.write({ "groups/tools.yaml": TOOLS.replace("tools: [now]", "tools: [now, convert]") });
    const head = repo.commit("add convert");
    const d = await jsonDiff(repo, ref, head);
    assert.deepEqual(
      d.identities.map((i) => [i.kind, i.name, i.gained, i.lost]),
      [
        ["m2m", "bot", ["server currenttime: tool convert"], []],
        ["user", "alice", ["server currenttime: tool convert"], []],
        ["user", "bob", ["server currenttime: tool convert"], []],
      ],
    );
    assert.deepEqual(d.groups, [{ name: "tools-users", status: "changed", fields: ["serverAccess"] }]);
  });

  it("flags wildcard grants and new admins first", async () => {
    const { repo, ref } = base();
    repo.write({
      "groups/tools.yaml": TOOLS.replace("tools: [now]", "tools: ['*']"),
      "groups/ops.yaml": "scope_name: ops\nui_permissions:\n  register_service: [all]\n",
      "users/alice.yaml": userFile("alice", ["tools-users", "ops", "registry-admins"]),
    });
    const d = await jsonDiff(repo, ref);
    const alice = d.identities.find((i) => i.name === "alice")!;
    assert.ok(alice.privileged.includes("becomes a registry admin"));
    assert.ok(alice.privileged.includes("joins registry-admins"));
    assert.ok(alice.privileged.some((p) => /gains wildcard access \(.*server currenttime: every tool/.test(p)));
    const md = (await cli(["diff", "--dir", repo.dir, "--base", ref])).out;
    assert.ok(md.indexOf("Privileged changes") < md.indexOf("### Identities"), "privileged changes come first");
    assert.match(md, /- user `alice`: becomes a registry admin; joins registry-admins; gains wildcard access/);
  });

  it("shows a renamed group as removed and added, with no access change for its members", async () => {
    const { repo, ref } = base();
    repo.write({
      "groups/tools.yaml": TOOLS.replace("scope_name: tools-users", "scope_name: time-users"),
      "users/alice.yaml": userFile("alice", ["time-users"]),
      "users/bob.yaml": userFile("bob", ["time-users"]),
      "m2m/bot.yaml": "name: bot\ngroups: [time-users]\n",
    });
    const d = await jsonDiff(repo, ref);
    assert.deepEqual(
      d.groups.map((g) => [g.name, g.status]),
      [
        ["time-users", "added"],
        ["tools-users", "removed"],
      ],
    );
    for (const i of d.identities) {
      assert.deepEqual([i.gained, i.lost], [[], []], `${i.name} keeps the same access`);
      assert.deepEqual([i.groupsAdded, i.groupsRemoved], [["time-users"], ["tools-users"]]);
    }
  });

  it("treats disabling a user as losing its access", async () => {
    const { repo, ref } = base();
    repo.write({ "users/bob.yaml": userFile("bob", ["tools-users"], "enabled: false\n") });
    const bob = (await jsonDiff(repo, ref)).identities.find((i) => i.name === "bob")!;
    assert.equal(bob.enabledAfter, false);
    assert.ok(bob.lost.length > 0 && bob.gained.length === 0);
  });

  it("says so when nothing changes, and refuses an unknown revision", async () => {
    const { repo, ref } = base();
    assert.match((await cli(["diff", "--dir", repo.dir, "--base", ref])).out, /No identity gains or loses access/);
    const bad = await cli(["diff", "--dir", repo.dir, "--base", "no-such-ref"]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /git revision "no-such-ref" not found/);
  });

  it("stays under GitHub's comment limit by summarising", () => {
    const many: AccessDiff = {
      identities: Array.from({ length: 3000 }, (_, i) => ({
        kind: "user" as const,
        name: `user-${i}`,
        status: "added" as const,
        gained: Array.from({ length: 20 }, (_, j) => ({
          kind: "tool" as const,
          server: `s${j}`,
          tool: `t${j}`,
          every: { server: false, tool: false },
        })),
        lost: [],
        groupsAdded: ["g"],
        groupsRemoved: [],
        adminBefore: false,
        adminAfter: false,
        enabledBefore: null,
        enabledAfter: true,
        quarantinedBefore: false,
        quarantinedAfter: false,
        privileged: [],
      })),
      groups: [],
      expectations: [],
    };
    const text = renderComment(many, "a..b");
    assert.ok(text.length <= 60000, `${text.length}`);
    assert.match(text, /more/);
  });

  it("is pure over two models: the same revision gives no change", async () => {
    const { repo } = base();
    const m = checkRepository(repo.dir).model;
    assert.deepEqual(diffAccess(m, m), { identities: [], groups: [], expectations: [] });
  });
});

describe("safety guards (validate)", () => {
  const many = (n: number) =>
    Object.fromEntries(
      Array.from({ length: n }, (_, i) => [`users/usr${i}.yaml`, userFile(`usr${i}`, ["tools-users"])]),
    );

  it("refuses removing more than the allowed share of a group's members at once", async () => {
    const repo = new GitRepo().write({
      "groups/tools.yaml": TOOLS,
      "mcp-access.yaml": "guards:\n  maxRemovalShare: 0.25\n",
      ...many(8),
    });
    const ref = repo.commit("eight members");
    repo.write({ "users/usr0.yaml": null, "users/usr1.yaml": null, "users/usr2.yaml": null });
    const r = await cli(["validate", "--dir", repo.dir, "--base", ref]);
    assert.equal(r.code, 1);
    assert.match(
      r.out,
      new RegExp(
        String.raw`groups\/tools\.yaml:1:1: error: this change removes 3 of 8 members of ` +
          String.raw`"tools-users" \(38%, over the 25% allowed at once: guards\.maxRemovalS` +
          String.raw`hare\): user usr0, user usr1, user usr2`,
      ),
    );
    repo.write({
      "users/usr1.yaml": userFile("usr1", ["tools-users"]),
      "users/usr2.yaml": userFile("usr2", ["tools-users"]),
    });
    assert.equal((await cli(["validate", "--dir", repo.dir, "--base", ref])).code, 0, "one of eight is fine");
  });

  it("counts as registry admins the users whose scopes make them admins, whatever the group is called", async () => {
    const ops = "scope_name: platform-ops\nui_permissions:\n  modify_service: [all]\n";
    const repo = new GitRepo().write({
      "mcp-access.yaml": "guards:\n  minAdmins: 2\n",
      "groups/ops.yaml": ops,
      "users/a.yaml": userFile("ann", ["registry-admins"]),
      "users/b.yaml": userFile("bob", ["platform-ops"]),
      "users/c.yaml": userFile("cyd", ["registry-admins"], "enabled: false\n"),
    });
    const r = await cli(["validate", "--dir", repo.dir]);
    assert.equal(r.code, 0, r.out);
    repo.write({ "groups/ops.yaml": ops.replace("[all]", "[fininfo]") });
    const narrowed = await cli(["validate", "--dir", repo.dir]);
    assert.equal(narrowed.code, 1);
    assert.match(narrowed.out, /1 enabled human user\(s\) would be registry admins \(ann; counted as/);
    assert.match(narrowed.out, /\); at least 2 must remain/);
  });

  it("refuses leaving registry-admins with fewer than N human members", async () => {
    const repo = new GitRepo().write({
      "mcp-access.yaml": "guards:\n  minAdmins: 2\n",
      "users/a.yaml": userFile("ann", ["registry-admins"]),
    });
    const r = await cli(["validate", "--dir", repo.dir]);
    assert.equal(r.code, 1);
    assert.match(r.out, /mcp-access\.yaml:1:1: error: guards\.minAdmins: 1 enabled human user\(s\) would be/);
    assert.match(r.out, /admin-safety code does[^)]*\); at least 2 must remain/);
  });

  it("requires owners on every group when configured", async () => {
    const repo = new GitRepo().write({
      "mcp-access.yaml": "guards:\n  requireOwners: true\n",
      "groups/a.yaml": TOOLS,
      "groups/b.yaml": "scope_name: b\nowners: [alice]\n",
    });
    const r = await cli(["validate", "--dir", repo.dir]);
    assert.equal(r.code, 1);
    assert.match(r.out, /groups\/a\.yaml:1:1: error: owners: group "tools-users" lists no owners/);
    assert.doesNotMatch(r.out, /groups\/b\.yaml/);
  });

  it("reports a typo in mcp-access.yaml like any definition error", async () => {
    const repo = new GitRepo().write({ "mcp-access.yaml": "guards:\n  minAdmin: 2\n" });
    const r = await cli(["validate", "--dir", repo.dir]);
    assert.equal(r.code, 1);
    assert.match(
      r.out,
      /mcp-access\.yaml:2:3: error: guards\.minAdmin: unknown field "minAdmin": did you mean "minAdmins"\?/,
    );
  });

  it("takes guards from the stack too", async () => {
    const repo = new GitRepo().write({
      "users/a.yaml": userFile("ann", ["registry-admins"]),
      "stacks/Pulumi.prod.yaml":
        "config:\n  mcp-gateway-access:existingGroups: [registry-admins]\n  " +
        "mcp-gateway-access:guards:\n    minAdmins: 3\n",
    });
    const r = await cli(["validate", "--dir", repo.dir, "--stack", "prod"]);
    assert.equal(r.code, 1);
    assert.match(r.out, /at least 3 must remain/);
  });
});
