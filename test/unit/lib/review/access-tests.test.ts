/**
 * Access tests as a runner: loading (the definitions' rules), names the definitions must know, `*` expansion,
 * reports and exit codes, and validate, diff and explain agreeing with it. The decision rules themselves are
 * tested with `explain`/`authorize` (explain.test.ts); here a decision only needs to be plainly right or wrong.
 */
import assert from "node:assert/strict";
import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { run } from "../../../../cli/main";
import { ANY_OTHER_SERVER, ANY_OTHER_TOOL, checkRepository, diffAccess } from "../../../../lib";
import { GitRepo } from "../../../support/git-repo";
import { REPO_ROOT } from "../../../support/paths";
import { makeRepo, only } from "../../../support/repo";

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

const TOOLS = `scope_name: tools-users
server_access:
  - server: currenttime
    methods: [initialize, tools/list, tools/call]
    tools: [now, convert]
  - agent: /travel
    actions: [invoke_agent]
`;
const OPS = `scope_name: ops
server_access:
  - server: admin-tools
    methods: [tools/list, tools/call]
    tools: [wipe]
`;
const user = (name: string, groups: string, extra = "") =>
  `username: ${name}\nemail: ${name}@example.com\nfirst_name: F\nlast_name: L\ngroups: ${groups}\n${extra}`;

const DEFS = {
  "groups/tools.yaml": TOOLS,
  "groups/ops.yaml": OPS,
  "users/alice.yaml": user("alice", "[tools-users]"),
  "users/bob.yaml": user("bob", "[ops]"),
  "users/dave.yaml": user("dave", "[ops]", "enabled: false\n"),
  "m2m/bot.yaml": "name: bot\ngroups: [tools-users]\n",
};

const HOLDS = `- identity: {user: alice}
  allow:
    - {server: currenttime, method: tools/call, tool: now}
    - {url: /currenttime/mcp, method: tools/list}
    - {agent: /travel, action: invoke_agent}
  deny:
    - {server: admin-tools, method: tools/call, tool: wipe}
    - {server: admin-tools, http: DELETE}
`;
/** Line 3 is an expectation the definitions break: alice holds no tool of admin-tools. */
const BREAKS = `- identity: {user: alice}
  allow:
    - {server: admin-tools, method: tools/call, tool: wipe}
  deny:
    - {server: currenttime, method: tools/call, tool: now}
`;

const repo = (tests: Record<string, string>, defs: Record<string, string> = DEFS) => makeRepo({ ...defs, ...tests });

describe("access tests: loading", () => {
  it("reports unknown fields, wrong shapes and missing parts at file:line:column", () => {
    const r = checkRepository(
      repo({
        "access-tests/a.yaml": `- identity: {user: alice}
  allow:
    - {server: currenttime, methd: tools/list}
    - {server: currenttime, method: tools/call}
    - {server: currenttime, method: tools/list, tool: now}
    - {path: /x}
- identity: {user: alice, m2m: bot}
  deny: [{agent: /travel, action: fly}]
- identity: {user: alice}
  expect: []
`,
      }),
    );
    assert.equal(r.ok, false);
    const at = (pattern: RegExp) => {
      const d = only(r.errors, pattern);
      return `${d.file}:${d.line}:${d.column}`;
    };
    assert.equal(at(/unknown field "methd": did you mean "method"\?/), "access-tests/a.yaml:3:29");
    assert.equal(at(/tools\/call needs "tool"/), "access-tests/a.yaml:4:37");
    assert.equal(at(/"tool" goes with method tools\/call only/), "access-tests/a.yaml:5:55");
    assert.equal(at(/a request needs "server"/), "access-tests/a.yaml:6:7");
    assert.equal(at(/identity names m2m and user: give exactly one/), "access-tests/a.yaml:7:13");
    assert.match(only(r.errors, /"action" is the string "fly"; it must be one of/).file, /a\.yaml/);
    assert.equal(at(/unknown field "expect"/), "access-tests/a.yaml:10:3");
  });

  it("reads .json as strict JSON, refuses custom YAML tags, non-lists and symbolic links", () => {
    const dir = repo({
      "access-tests/a.json":
        `[{"identity": {"user": "alice"}, "allow": [{"agent": "/travel", ` + `"action": "invoke_agent"}],}]`,
      "access-tests/b.yaml": `- identity: {user: !env USER}\n  deny: [{agent: /travel, action: get_agent}]\n`,
      "access-tests/c.yaml": `identity: {user: alice}\n`,
    });
    symlinkSync(join(dir, "access-tests", "c.yaml"), join(dir, "access-tests", "d.yaml"));
    const r = checkRepository(dir);
    assert.match(only(r.errors, /invalid JSON/).file, /a\.json/);
    assert.equal(only(r.errors, /YAML tag "!env" is not supported/).line, 1);
    assert.equal(only(r.errors, /expected a list of access tests/).file, "access-tests/c.yaml");
    assert.equal(only(r.errors, /symbolic link, not followed/).file, "access-tests/d.yaml");
  });

  it("runs nothing, and asks for nothing, in a repository without access-tests/", async () => {
    assert.equal(checkRepository(makeRepo(DEFS)).accessTests, null);
    const r = await cli(["test", "--dir", makeRepo(DEFS)]);
    assert.equal(r.code, 0);
    assert.match(r.err, /no access tests: add YAML or JSON files under access-tests\//);
  });
});

describe("access tests: the registry's feature switches", () => {
  const NEEDS_PROXY = `- identity: {user: alice}
  deny:
    - {server: currenttime, http: DELETE, requires: [gatewayGenericProxy]}
`;
  it("an expectation that requires the generic proxy fails, saying so, when it is off (the default)", () => {
    const r = checkRepository(repo({ "access-tests/a.yaml": NEEDS_PROXY }));
    const d = only(r.errors, /requires/);
    assert.equal(d.line, 3);
    assert.match(d.message, /HTTP DELETE on currenttime holds only with the registry's gatewayGenericProxy on/);
    assert.match(d.message, /on \(requires\)/);
    assert.match(d.message, /, but gatewayGenericProxy is off/);
  });
  it("holds with the switch on, from mcp-access.yaml or from the stack", () => {
    const on = "registry:\n  gatewayGenericProxy: true\n";
    const fromFile = checkRepository(repo({ "access-tests/a.yaml": NEEDS_PROXY, "mcp-access.yaml": on }));
    assert.deepEqual(fromFile.errors, []);
    const fromStack = checkRepository(repo({ "access-tests/a.yaml": NEEDS_PROXY }), {
      registry: { gatewayGenericProxy: true },
    });
    assert.deepEqual(fromStack.errors, []);
    const stackWins = checkRepository(
      repo({ "access-tests/a.yaml": NEEDS_PROXY, "mcp-access.yaml": "registry:\n  gatewayGenericProxy: true\n" }),
      { registry: { gatewayGenericProxy: false } },
    );
    assert.equal(stackWins.errors.length, 1);
  });
  it("an unknown switch in mcp-access.yaml is an error at its line", () => {
    const r = checkRepository(repo({ "mcp-access.yaml": "registry:\n  genericProxy: true\n" }));
    const d = only(r.errors, /genericProxy/);
    assert.deepEqual([d.file, d.line], ["mcp-access.yaml", 2]);
  });
});

describe("access tests: names the definitions must know", () => {
  it("makes an unknown identity, group, server, URL or agent an error at its line, with a suggestion", () => {
    const r = checkRepository(
      repo({
        "access-tests/a.yaml": `- identity: {user: alise}
  deny: [{server: currenttime, method: tools/list}]
- identity: {m2m: bott}
  deny: [{server: currenttime, method: tools/list}]
- identity: {groups: [tools-user]}
  deny:
    - {server: currenttme, method: tools/list}
    - {url: /nowhere/mcp, method: tools/list}
    - {agent: /travl, action: invoke_agent}
    - {server: fininfo, http: GET}
`,
      }),
    );
    const line = (pattern: RegExp) => only(r.errors, pattern).line;
    assert.equal(line(/no user "alise" in users\/: did you mean "alice"\?/), 1);
    assert.equal(line(/no M2M account "bott" in m2m\/: did you mean "bot"\?/), 3);
    assert.equal(line(/group "tools-user" is not defined.*did you mean "tools-users"\?/), 5);
    assert.equal(line(/server "currenttme" is not named by any rule.*did you mean "currenttime"\?/), 7);
    assert.equal(line(/\/nowhere\/mcp is server "nowhere", which no rule of the definitions names/), 8);
    assert.equal(line(/agent "\/travl" is not named.*did you mean "\/travel"\?/), 9);
    assert.equal(line(/server "fininfo" is not named by any rule/), 10);
    assert.deepEqual(
      r.accessTests!.results,
      [],
      "an expectation naming an unknown identity or server does not silently pass",
    );
  });

  it("does not scope-check /api/ paths, so they need no server of that name", () => {
    const r = checkRepository(
      repo({ "access-tests/a.yaml": `- identity: {user: alice}\n  allow: [{url: /api/servers, method: GET}]\n` }),
    );
    assert.equal(r.ok, true, r.errors.map((d) => d.message).join("\n"));
  });
});

describe("access tests: * in a request", () => {
  it("stands for every server and tool the definitions name, and one they do not", () => {
    const r = checkRepository(
      repo({
        "access-tests/a.yaml": `- identity: {user: bob}
  deny:
    - {server: "*", method: tools/call, tool: "*"}
    - {server: currenttime, method: tools/call, tool: "*"}
    - {agent: "*", action: invoke_agent}
`,
      }),
    );
    const [everywhere, currenttime, agents] = r.accessTests!.results!;
    assert.deepEqual(
      everywhere!.requests.map((q) => ("server" in q && "tool" in q ? `${q.server} ${q.tool}` : "")),
      [
        "admin-tools wipe",
        `admin-tools ${ANY_OTHER_TOOL}`,
        "currenttime convert",
        "currenttime now",
        `currenttime ${ANY_OTHER_TOOL}`,
        `${ANY_OTHER_SERVER} ${ANY_OTHER_TOOL}`,
      ],
    );
    assert.equal(currenttime!.requests.length, 3);
    assert.deepEqual(agents!.requests, [{ agent: "/travel", action: "invoke_agent" }]);
    // bob holds ops: admin-tools wipe is allowed, so the first expectation breaks on exactly that request.
    assert.equal(everywhere!.held, false);
    assert.deepEqual(
      everywhere!.outcomes.filter((o) => !o.held).map((o) => o.text),
      ["tools/call wipe on admin-tools"],
    );
    assert.equal(currenttime!.held, true);
    const d = only(r.errors, /should be denied tools\/call wipe on admin-tools, but is allowed by scope ops/);
    assert.equal(`${d.file}:${d.line}`, "access-tests/a.yaml:3");
  });

  it('expands a tools wildcard to a tool no rule names, so tools: ["*"] cannot pass a deny unnoticed', () => {
    const wide = OPS.replace("tools: [wipe]", 'tools: ["*"]');
    const r = checkRepository(
      repo(
        {
          "access-tests/a.yaml":
            `- identity: {user: bob}\n  deny: [{server: admin-tools, method: ` + `tools/call, tool: "*"}]\n`,
        },
        { ...DEFS, "groups/ops.yaml": wide },
      ),
    );
    assert.equal(r.accessTests!.results![0]!.held, false);
  });
});

describe("mcp-access test", () => {
  it("exits 0 and reports each expectation when all hold", async () => {
    const r = await cli(["test", "--dir", repo({ "access-tests/a.yaml": HOLDS })]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /^access-tests\/a\.yaml$/m);
    assert.match(r.out, /^ {2}ok {4}user alice: allow tools\/call now on currenttime$/m);
    assert.match(r.out, /^ {2}ok {4}user alice: deny HTTP DELETE on admin-tools$/m);
    assert.match(r.out, /^5 expectations \(5 requests\): 5 held, 0 broken$/m);
  });

  it("exits 1 on a broken expectation, naming the scope and rule that decided it", async () => {
    const r = await cli(["test", "--dir", repo({ "access-tests/a.yaml": BREAKS })]);
    assert.equal(r.code, 1);
    assert.match(r.out, /^ {2}FAIL {2}user alice: allow tools\/call wipe on admin-tools$/m);
    assert.match(r.out, /at access-tests\/a\.yaml:3:7/);
    assert.match(
      r.out,
      new RegExp(
        String.raw`tools\/call now on currenttime: allowed by scope tools-users, rule \{"` +
          String.raw`server":"currenttime".*\}: tools\/call "now": the tool is listed`,
      ),
    );
    assert.match(r.out, /2 expectations \(2 requests\): 0 held, 2 broken/);
  });

  it("prints JSON with each expectation and its decisions", async () => {
    const r = await cli(["test", "--dir", repo({ "access-tests/a.yaml": BREAKS }), "--format", "json"]);
    assert.equal(r.code, 1);
    const json = JSON.parse(r.out);
    assert.equal(json.ok, false);
    assert.deepEqual(json.summary, { expectations: 2, requests: 2, held: 0, broken: 2 });
    const denied = json.expectations[1];
    assert.deepEqual([denied.file, denied.line, denied.expect, denied.held], ["access-tests/a.yaml", 5, "deny", false]);
    assert.equal(denied.outcomes[0].scope, "tools-users");
    assert.equal(json.errors.length, 2);
  });

  it("prints workflow annotations with repository-relative paths", async () => {
    const git = new GitRepo().write({
      ...Object.fromEntries(Object.entries(DEFS).map(([k, v]) => [`access/${k}`, v])),
      "access/access-tests/a.yaml": BREAKS,
    });
    const r = await cli(["test", "--dir", join(git.dir, "access"), "--format", "github"]);
    assert.equal(r.code, 1);
    assert.match(
      r.out,
      new RegExp(
        String.raw`^::error file=access\/access-tests\/a\.yaml,line=3,col=7,title=\[0\]\.` +
          String.raw`allow\[0\]::access test: user alice should be allowed tools\/call wipe` +
          String.raw` on admin-tools, but is denied`,
        "m",
      ),
    );
  });

  it("exits 1 without running the tests when the definitions have errors, and 2 on a usage error", async () => {
    const broken = await cli([
      "test",
      "--dir",
      repo({ "access-tests/a.yaml": HOLDS }, { ...DEFS, "groups/ops.yaml": OPS + "bogus: 1\n" }),
    ]);
    assert.equal(broken.code, 1);
    assert.match(broken.out, /unknown field "bogus"/);
    assert.match(broken.out, /access tests not run: the definitions have 1 error/);
    assert.equal((await cli(["test", "--format", "xml"])).code, 2);
  });

  it("passes on the example repository, whose access tests cover its groups", async () => {
    const r = await cli(["test", "--dir", REPO_ROOT]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /access-tests\/finance-analysts\.yaml/);
    assert.match(r.out, /: \d+ held, 0 broken$/m);
  });
});

describe("access tests in validate, explain and diff", () => {
  it("validate fails on a broken expectation, with its file:line", async () => {
    const r = await cli(["validate", "--dir", repo({ "access-tests/a.yaml": BREAKS })]);
    assert.equal(r.code, 1);
    assert.match(
      r.out,
      /^access-tests\/a\.yaml:3:7: error: \[0\]\.allow\[0\]: access test: user alice should be allowed/m,
    );
    const ok = await cli(["validate", "--dir", repo({ "access-tests/a.yaml": HOLDS })]);
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, /5 access-test expectations held/);
  });

  it("a disabled user is denied everything, as explain says", async () => {
    const dir = repo({
      "access-tests/a.yaml":
        `- identity: {user: dave}\n  deny: [{server: admin-tools, method: ` + `tools/call, tool: wipe}]\n`,
    });
    assert.equal((await cli(["test", "--dir", dir])).code, 0);
    const explained = await cli([
      "explain",
      "--dir",
      dir,
      "--user",
      "dave",
      "--server",
      "admin-tools",
      "--method",
      "tools/call",
      "--tool",
      "wipe",
      "--format",
      "json",
    ]);
    assert.equal(JSON.parse(explained.out).allowed, false);
  });

  it("diff lists the expectations a change breaks and still writes its comment", async () => {
    const git = new GitRepo().write({ ...DEFS, "access-tests/a.yaml": HOLDS });
    const base = git.commit("base");
    git.write({ "users/alice.yaml": user("alice", "[tools-users, ops]") });
    const r = await cli(["diff", "--dir", git.dir, "--base", base]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /### Access tests whose outcome this change flips/);
    assert.match(
      r.out,
      new RegExp(
        String.raw`❌ now broken: \`access-tests\/a\.yaml:7\` user alice should be denied to` +
          String.raw`ols\/call wipe on admin-tools — allowed by scope ops`,
      ),
    );
    const json = JSON.parse((await cli(["diff", "--dir", git.dir, "--base", base, "--format", "json"])).out);
    assert.deepEqual(
      json.expectations.map((f: { request: string; now: string }) => [f.request, f.now]),
      [["tools/call wipe on admin-tools", "broken"]],
    );
  });

  it("diff evaluates the head's tests against both models: an expectation a change repairs shows as holding", () => {
    const before = checkRepository(repo({}, { ...DEFS, "users/alice.yaml": user("alice", "[tools-users, ops]") }), {
      runAccessTests: false,
    });
    const after = checkRepository(repo({ "access-tests/a.yaml": HOLDS }), { runAccessTests: false });
    assert.equal(after.accessTests!.results, null, "not run when the caller runs them itself");
    const flips = diffAccess(before.model, after.model, after.accessTests!.tests).expectations;
    assert.deepEqual(
      flips.map((f) => [f.line, f.now]),
      [[7, "holds"]],
    );
  });
});
