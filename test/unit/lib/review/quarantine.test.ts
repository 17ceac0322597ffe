/**
 * The quarantine in every answer: explain (text and JSON, every identity and request form), the access tests and
 * diff's flipped expectations all come from `decideFor`, which applies the quarantine after authorisation as
 * auth_server/server.py `_enforce_rate_limit` does.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { diffAccess, explainRequest } from "../../../../lib";
import { check, GROUP, makeRepo, only, USER } from "../../../support/repo";
import { cli } from "../../../support/cli";
import { renderMarkdown } from "../../../../cli/diff";

const AGENTS = `${GROUP}  - agent: /rogue
    actions: [invoke_agent, get_agent]
  - agent: /fine
    actions: [invoke_agent]
`;

const ENTRA = `alias: entra-oidc
oidc:
  issuer: https://login.example.com/t/v2.0
  authorization_url: https://login.example.com/t/oauth2/v2.0/authorize
  token_url: https://login.example.com/t/oauth2/v2.0/token
  jwks_url: https://login.example.com/t/discovery/v2.0/keys
  client_id: app-1
mappers:
  - value: 5510a1b0-aaaa
    group: tools-users
`;

const QUARANTINE = "quarantine:\n  users: [mallory]\n  m2m: [leaky]\n  servers: [currenttime]\n  agents: [/rogue]\n";

function files(quarantine = QUARANTINE): Record<string, string> {
  return {
    "groups/g.yaml": AGENTS,
    "groups/other.yaml": GROUP.replace("tools-users", "others").replace("currenttime", "fininfo"),
    "users/alice.yaml": USER("alice", "[tools-users, others]"),
    "users/mallory.yaml": USER("mallory", "[tools-users, others]"),
    "m2m/leaky.yaml": "name: leaky\ngroups: [others]\n",
    "identity-providers/entra.yaml": ENTRA,
    "rate-limits/q.yaml": quarantine,
  };
}

const BASE = ["--existing-group", "registry-admins"];

async function json(dir: string, args: string[]) {
  const r = await cli(["explain", "--dir", dir, ...BASE, ...args, "--format", "json"]);
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out) as { allowed: boolean; branch: string; quarantine: Record<string, unknown> | null };
}

async function text(dir: string, args: string[]) {
  const r = await cli(["explain", "--dir", dir, ...BASE, ...args]);
  assert.equal(r.code, 0, r.err);
  return r.out;
}

describe("the quarantine in explain's answers", () => {
  const dir = makeRepo(files());

  it("a quarantined target is refused in every request form, text and JSON, for every kind of identity", async () => {
    const forms = [
      ["--server", "currenttime", "--method", "tools/list"],
      ["--server", "/currenttime/mcp", "--method", "tools/list"],
      ["--url", "/currenttime/mcp", "--method", "tools/list"],
      ["--url", "/currenttime/sse", "--body", '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'],
      ["--url", "/agent/rogue/"],
      ["--agent", "/rogue"],
      ["--agent", "rogue"],
    ];
    const who = [
      ["--user", "alice"],
      ["--groups", "tools-users"],
      ["--idp", "entra-oidc", "--claims", '{"groups":["5510a1b0-aaaa"]}'],
    ];
    for (const w of who) {
      for (const f of forms) {
        const j = await json(dir, [...w, ...f]);
        assert.equal(j.allowed, false, `${w.join(" ")} ${f.join(" ")}`);
        assert.equal(j.branch, "quarantined");
        assert.equal(j.quarantine?.refuses, true);
        assert.match(String(j.quarantine?.target), /^(server:currenttime|agent:\/rogue)$/);
        assert.match(await text(dir, [...w, ...f]), /^DENY \(403 quarantined\)[^\n]*\n[\s\S]*is QUARANTINED: the auth/);
      }
    }
  });

  it("a quarantined caller is refused, as a user and as an M2M account, in text and JSON", async () => {
    for (const [w, id] of [
      [["--user", "mallory"], "user:mallory"],
      [["--m2m", "leaky"], "client:leaky"],
    ] as const) {
      for (const f of [
        ["--server", "fininfo", "--method", "tools/list"],
        ["--url", "/fininfo/mcp", "--method", "tools/list"],
      ]) {
        const j = await json(dir, [...w, ...f]);
        assert.deepEqual(
          [j.allowed, j.branch, j.quarantine?.caller, j.quarantine?.refuses],
          [false, "quarantined", id, true],
        );
        assert.match(
          await text(dir, [...w, ...f]),
          new RegExp(`the caller ${id} is QUARANTINED: the auth server refuses`),
        );
      }
    }
    // Not quarantined: the same request is allowed, and the field says so.
    const ok = await json(dir, ["--user", "alice", "--server", "fininfo", "--method", "tools/list"]);
    assert.deepEqual(
      [ok.allowed, ok.quarantine],
      [true, { caller: null, target: null, limited: true, refuses: false }],
    );
  });

  it("says a quarantine that does not decide: scopes deny first, or no limiter runs (/api, agent API)", async () => {
    const denied = await json(dir, ["--user", "mallory", "--server", "nowhere", "--method", "tools/list"]);
    assert.deepEqual(
      [denied.branch, denied.quarantine?.caller, denied.quarantine?.refuses],
      ["default-deny", "user:mallory", false],
    );
    const api = await json(dir, ["--user", "mallory", "--url", "/api/servers"]);
    assert.deepEqual([api.allowed, api.quarantine?.limited, api.quarantine?.caller], [true, false, "user:mallory"]);
    assert.match(await text(dir, ["--user", "mallory", "--url", "/api/servers"]), /rate limiter does not run/);
    const get = await json(dir, ["--user", "alice", "--agent", "/rogue", "--action", "get_agent"]);
    assert.deepEqual([get.allowed, get.quarantine?.target], [true, null]);
  });

  it("explainRequest (the library) carries it too", () => {
    const model = check(files()).model;
    const d = explainRequest(model, { user: "alice" }, { server: "currenttime", method: "tools/list" });
    assert.deepEqual([d.allowed, d.branch, d.quarantine?.target], [false, "quarantined", "server:currenttime"]);
  });
});

describe("the quarantine in access tests and diff", () => {
  const TESTS = `- identity: {user: alice}
  allow:
    - {server: currenttime, method: tools/list}
- identity: {user: mallory}
  allow:
    - {url: /fininfo/mcp, method: tools/list}
- identity: {groups: [tools-users]}
  allow:
    - {agent: /rogue, action: invoke_agent}
`;

  it("an allow the registry refuses is a broken expectation at its line, saying the quarantine", () => {
    const r = check({ ...files(), "access-tests/t.yaml": TESTS });
    let d = only(
      r.errors,
      /user alice should be allowed tools\/list on currenttime, but is denied: the target server:currenttime is quar/,
    );
    assert.deepEqual([d.file, d.line], ["access-tests/t.yaml", 3]);
    d = only(
      r.errors,
      /user mallory should be allowed tools\/list at \/fininfo\/mcp, but is denied: the caller user:mallory is qua/,
    );
    assert.equal(d.line, 6);
    only(
      r.errors,
      /groups tools-users should be allowed invoke_agent on agent \/rogue, but is denied: the target agent:\/rogue/,
    );
  });

  it("a deny of a quarantined request holds, and an allow holds once it is released", () => {
    const deny = TESTS.replace(/allow:/g, "deny:");
    assert.deepEqual(check({ ...files(), "access-tests/t.yaml": deny }).errors, []);
    const released = files("quarantine:\n  agents: [/fine]\n");
    assert.deepEqual(check({ ...released, "access-tests/t.yaml": TESTS }).errors, []);
  });

  it("the JSON report of mcp-access test carries the quarantine of each outcome", async () => {
    const dir = makeRepo({ ...files(), "access-tests/t.yaml": TESTS });
    const r = await cli(["test", "--dir", dir, ...BASE, "--format", "json"]);
    assert.equal(r.code, 1);
    const outcome = JSON.parse(r.out).expectations[0].outcomes[0];
    assert.deepEqual([outcome.allowed, outcome.quarantine.target], [false, "server:currenttime"]);
  });

  it("diff lists the expectations a quarantine breaks", () => {
    const base = check(files("quarantine:\n  servers: [fininfo]\n")).model;
    const head = check(files()).model;
    const loaded = check({ ...files(), "access-tests/t.yaml": TESTS.split("- identity: {user: mallory}")[0]! });
    const flips = diffAccess(base, head, loaded.accessTests?.tests ?? []).expectations;
    assert.equal(flips.length, 1);
    assert.deepEqual([flips[0]!.now, flips[0]!.identity], ["broken", "user alice"]);
    assert.match(flips[0]!.decidedBy, /server:currenttime is quarantined/);
  });

  it("diff marks a quarantined identity, whose grants are not access, in JSON and in the comment", () => {
    const base = check(files("quarantine:\n  agents: [/fine]\n")).model;
    const head = check(files()).model;
    const d = diffAccess(base, head);
    const mallory = d.identities.find((c) => c.name === "mallory")!;
    assert.deepEqual([mallory.quarantinedBefore, mallory.quarantinedAfter], [false, true]);
    assert.match(renderMarkdown(d, "a..b"), /\| user `mallory` \| changed, \*\*quarantined\*\* \|/);
    const released = diffAccess(head, base).identities.find((c) => c.name === "mallory")!;
    assert.deepEqual([released.quarantinedBefore, released.quarantinedAfter], [true, false]);
  });
});
