/** Rate limits and quarantine: the rate-limits/ format, its checks with positions, and the documents rendered. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  callerRateLimits,
  checkFiles,
  convertSnapshot,
  diffAccess,
  jsonSchemaFor,
  targetRateLimits,
  renderRegistryDocuments,
  sizedFile,
  type ImportSnapshot,
} from "../../../../lib";
import { check, GROUP, makeRepo, only, USER } from "../../../support/repo";
import { run } from "../../../../cli/main";
import { renderMarkdown } from "../../../../cli/diff";
import { REPO_ROOT } from "../../../support/paths";

const ADMIN_GROUP = `scope_name: admins
server_access:
  - server: currenttime
    methods: [all]
    tools: [all]
ui_permissions:
  delete_service: [all]
`;

const M2M = (name: string, extra = "") => `name: ${name}\ngroups: [tools-users]\n${extra}`;

const LIMITS = `# yaml-language-server: $schema=../schemas/rate-limits.schema.json
- caller_group: interactive
  window_seconds: 60
  user_max_requests: 30
  agent_max_requests: 10
- caller_target_group: interactive
  window_seconds: 3600
  user_max_requests: 5
- mcp_server: currenttime
  window_seconds: 1
  max_requests: 50
- a2a_agent: flight-booking/
  max_requests: 7
- server_group: internal
  members: [/currenttime/]
  window_seconds: 86400
  max_requests: 1000
- quarantine:
    users: [mallory]
    m2m: [leaky-bot]
    servers: [currenttime]
    agents: [rogue]
`;

function repo(extra: Record<string, string> = {}) {
  return {
    "groups/g.yaml": GROUP,
    "groups/admins.yaml": ADMIN_GROUP,
    "users/alice.yaml": USER("alice") + "rate_limit_groups: [interactive]\n",
    "users/mallory.yaml": USER("mallory") + "rate_limit_groups: [interactive]\n",
    "users/root.yaml": USER("root", "[admins]"),
    "m2m/bot.yaml": M2M("bot", "rate_limit_groups: [interactive]\n"),
    "m2m/leaky.yaml": M2M("leaky-bot"),
    "rate-limits/limits.yaml": LIMITS,
    ...extra,
  };
}

describe("rate limits: documents", () => {
  it("renders both collections as the registry's repositories write them", () => {
    const r = check(repo());
    assert.deepEqual(r.errors, []);
    const docs = renderRegistryDocuments(r.model);
    assert.deepEqual(
      docs.rate_limits!.map((d) => d._id),
      [
        "caller:group:interactive:60",
        "caller_target:group:interactive:3600",
        "target:a2a_agent:/flight-booking:60",
        "target:mcp_server:currenttime:1",
        "target:server_group:internal:86400",
      ],
    );
    const caller = docs.rate_limits![0]!;
    // models.py RateLimitDefinition field order, unset fields as null (model_dump), _id first.
    assert.deepEqual(Object.keys(caller), [
      "_id",
      "axis",
      "entity_type",
      "name",
      "max_requests",
      "members",
      "user_max_requests",
      "agent_max_requests",
      "window_seconds",
      "scope",
      "fail_closed",
      "enabled",
    ]);
    assert.deepEqual(caller, {
      _id: "caller:group:interactive:60",
      axis: "caller",
      entity_type: "group",
      name: "interactive",
      max_requests: null,
      members: null,
      user_max_requests: 30,
      agent_max_requests: 10,
      window_seconds: 60,
      scope: null,
      fail_closed: false,
      enabled: true,
    });
    assert.deepEqual(docs.rate_limits![4]!.members, ["currenttime"]);
    assert.deepEqual(docs.rate_limit_memberships, [
      { _id: "agent:/rogue", subject_type: "agent", subject: "/rogue", groups: ["quarantine-targets"], enabled: true },
      { _id: "client:bot", subject_type: "client", subject: "bot", groups: ["interactive"], enabled: true },
      {
        _id: "client:leaky-bot",
        subject_type: "client",
        subject: "leaky-bot",
        groups: ["quarantine-callers"],
        enabled: true,
      },
      {
        _id: "server:currenttime",
        subject_type: "server",
        subject: "currenttime",
        groups: ["quarantine-targets"],
        enabled: true,
      },
      { _id: "user:alice", subject_type: "user", subject: "alice", groups: ["interactive"], enabled: true },
      // add_quarantine appends the reserved group after the caller's own groups.
      {
        _id: "user:mallory",
        subject_type: "user",
        subject: "mallory",
        groups: ["interactive", "quarantine-callers"],
        enabled: true,
      },
    ]);
  });

  it("leaves the rendered documents as they were without rate limits", () => {
    const r = check({ "groups/g.yaml": GROUP, "users/a.yaml": USER("alice") });
    const docs = renderRegistryDocuments(r.model);
    assert.equal("rate_limits" in docs, false);
    assert.equal("rate_limit_memberships" in docs, false);
  });

  it("has a committed JSON Schema", () => {
    const committed = JSON.parse(readFileSync(join(REPO_ROOT, "schemas", "rate-limits.schema.json"), "utf8"));
    assert.deepEqual(committed, jsonSchemaFor("rate-limits"));
  });
});

describe("rate limits: validation", () => {
  const bad = (yaml: string, extra: Record<string, string> = {}) =>
    check(repo({ "rate-limits/bad.yaml": yaml, ...extra }));

  it("refuses unknown fields with a suggestion", () => {
    const d = only(bad("caller_group: x\nuser_max_request: 30\n").errors, /unknown field "user_max_request"/);
    assert.match(d.message, /did you mean "user_max_requests"/);
    assert.deepEqual([d.file, d.line, d.column], ["rate-limits/bad.yaml", 2, 1]);
  });

  it("bounds the window to 1..86400 seconds", () => {
    only(bad("mcp_server: currenttime\nmax_requests: 1\nwindow_seconds: 86401\n").errors, /window_seconds.*86400/);
    only(bad("mcp_server: currenttime\nmax_requests: 1\nwindow_seconds: 0\n").errors, /window_seconds/);
  });

  it("wants exactly one subject", () => {
    only(
      bad("caller_group: x\nmcp_server: currenttime\nmax_requests: 1\n").errors,
      /names caller_group and mcp_server/,
    );
    only(bad("max_requests: 1\n").errors, /names nothing to limit/);
  });

  it("refuses the combinations the registry's model refuses", () => {
    let d = only(bad("caller_group: x\nwindow_seconds: 120\nmax_requests: 3\n").errors, /needs user_max_requests/);
    assert.deepEqual([d.line, d.column], [1, 15]);
    d = only(
      bad("caller_group: x\nwindow_seconds: 120\nuser_max_requests: 3\nmax_requests: 3\n").errors,
      /max_requests goes with targets/,
    );
    assert.deepEqual([d.line, d.column], [4, 1]);
    only(bad("mcp_server: currenttime\nuser_max_requests: 3\n").errors, /needs max_requests/);
    only(bad("mcp_server: currenttime\nmax_requests: 3\nmembers: [a]\n").errors, /members goes with server_group only/);
    only(bad("server_group: sg\nmax_requests: 3\n").errors, /needs members/);
    only(bad("server_group: sg\nmax_requests: 3\nmembers: [currenttime, /currenttime]\n").errors, /listed twice/);
  });

  it("refuses a member or quarantined server the registry would cut to its first segment", () => {
    const d = only(bad("server_group: sg\nmax_requests: 3\nmembers: [peer/x]\n").errors, /more than one path segment/);
    assert.deepEqual([d.line, d.column], [3, 11]);
  });

  it("refuses an mcp_server written with slashes (the registry would store it and never match)", () => {
    only(bad("mcp_server: /currenttime\nmax_requests: 3\n").errors, /without surrounding slashes/);
  });

  it("warns about servers no group names", () => {
    only(
      bad("mcp_server: currenttme\nmax_requests: 3\n").warnings,
      /no group in groups\/ names server "currenttme".*did you mean "currenttime"/,
    );
  });

  it("applies the registry's caller floor on short windows", () => {
    only(
      bad("caller_group: y\nwindow_seconds: 60\nuser_max_requests: 19\n").errors,
      /below the registry's user floor of 20/,
    );
    only(
      bad("caller_group: y\nwindow_seconds: 30\nagent_max_requests: 9\n").errors,
      /below the registry's agent floor of 10/,
    );
    assert.equal(bad("caller_group: y\nwindow_seconds: 61\nuser_max_requests: 1\n").errors.length, 0);
  });

  it("refuses the reserved quarantine groups as limits and as rate_limit_groups", () => {
    only(bad("caller_group: quarantine-callers\nuser_max_requests: 30\n").errors, /reserved quarantine group/);
    const d = only(
      check(repo({ "users/bob.yaml": USER("bob") + "rate_limit_groups: [quarantine-callers]\n" })).errors,
      /reserved quarantine group/,
    );
    assert.deepEqual([d.file, d.line, d.column], ["users/bob.yaml", 6, 21]);
  });

  it("refuses unknown rate-limit groups with a suggestion", () => {
    const d = only(
      check(repo({ "m2m/x.yaml": M2M("x", "rate_limit_groups: [interactiv]\n") })).errors,
      /rate-limit group "interactiv" has no caller_group/,
    );
    assert.match(d.message, /did you mean "interactive"/);
    assert.deepEqual([d.file, d.line, d.column], ["m2m/x.yaml", 3, 21]);
  });

  it("warns about a caller group nobody is in", () => {
    only(bad("caller_group: lonely\nwindow_seconds: 60\nuser_max_requests: 30\n").warnings, /applies to nobody/);
  });

  it("refuses two definitions with the same _id", () => {
    only(
      bad("mcp_server: currenttime\nwindow_seconds: 1\nmax_requests: 9\n").errors,
      /a second mcp_server "currenttime" with window_seconds 1.*first at rate-limits\/bad.yaml:1:13/,
    );
  });

  it("refuses unknown identities in quarantine and a quarantine with a rate", () => {
    only(bad("quarantine:\n  users: [nobody]\n").errors, /user "nobody" is not defined/);
    only(bad("quarantine:\n  m2m: [nobot]\n").errors, /M2M account "nobot" is not defined/);
    only(bad("quarantine:\n  agents: [/x]\nwindow_seconds: 5\n").errors, /does not go with quarantine/);
    only(
      bad("quarantine:\n  agents: [/rogue/]\n").errors,
      /\/rogue is already quarantined at rate-limits\/bad.yaml:2:12/,
    );
  });

  it("warns that an admin in a rate-limit group is limited (no is_admin in /validate at 8c5b834b)", () => {
    const d = only(
      check(repo({ "users/root.yaml": USER("root", "[admins]") + "rate_limit_groups: [interactive]\n" })).warnings,
      /root is a registry admin, and admins are rate-limited too/,
    );
    assert.deepEqual([d.file, d.line], ["users/root.yaml", 6]);
  });

  it("refuses M2M rate limits and quarantine on Entra ID (keyed on an appId the definitions do not know)", () => {
    const r = check(repo(), { identityProvider: "entra" });
    const d = only(r.errors, /rate limits of M2M accounts are not supported on Entra ID/);
    assert.deepEqual([d.file, d.line], ["m2m/bot.yaml", 3]);
    only(r.errors, /quarantining M2M accounts is not supported on Entra ID/);
  });

  it("refuses to quarantine an admin, and says so when every admin is quarantined", () => {
    const r = bad("quarantine:\n  users: [root]\n");
    const d = only(r.errors, /user "root" is a registry admin/);
    assert.deepEqual([d.line, d.column], [2, 11]);
    only(r.errors, /quarantines every registry admin \(user:root\)/);
    only(
      check(repo({ "rate-limits/bad.yaml": "quarantine:\n  users: [admin]\n" }), {
        bootstrap: true,
        existingGroups: [],
      }).errors,
      /bootstrap admin/,
    );
  });

  it("refuses an admin quarantined twice at each place, and a quarantined identity listed twice once", () => {
    let r = bad("- quarantine:\n    users: [root]\n- quarantine:\n    users: [root, alice, alice]\n");
    assert.equal(r.errors.filter((d) => /user "root" is a registry admin/.test(d.message)).length, 2);
    assert.ok(!r.errors.some((d) => /root is already quarantined/.test(d.message)));
    const d = only(r.errors, /alice is already quarantined at rate-limits\/bad.yaml:4:19/);
    assert.deepEqual([d.line, d.column], [4, 26]);
    r = bad("quarantine:\n  m2m: [bot, bot]\n");
    only(r.errors, /bot is already quarantined at rate-limits\/bad.yaml:2:9/);
  });
});

describe("rate limits: import", () => {
  it("reads the registry's documents back into definitions that render the same documents", () => {
    const r = check(repo());
    const docs = renderRegistryDocuments(r.model);
    const user = (username: string, groups: string[]) => ({
      username,
      email: `${username}@example.com`,
      firstName: "First",
      lastName: "Last",
      enabled: true,
      groups,
      subGroupPaths: [],
      attributes: [],
    });
    const client = (clientId: string) => ({
      clientId,
      name: clientId,
      enabled: true,
      serviceAccountOnly: true,
      groups: ["tools-users"],
      mappers: ["groups", "mcp-gateway-audience"],
    });
    const snapshot: ImportSnapshot = {
      idp: "keycloak",
      source: "realm r",
      namespace: "default",
      groups: [
        { name: "tools-users", id: "1", subGroups: [] },
        { name: "admins", id: "2", subGroups: [] },
      ],
      users: [user("alice", ["tools-users"]), user("mallory", ["tools-users"]), user("root", ["admins"])],
      clients: [client("bot"), client("leaky-bot")],
      scopes: renderRegistryDocuments(r.model).scopes as never,
      m2mRecords: [],
      rateLimits: [
        ...(docs.rate_limits as never[]),
        // The registry's own sentinels are not written.
        {
          _id: "quarantine:group:quarantine-callers:1",
          axis: "quarantine",
          entity_type: "group",
          name: "quarantine-callers",
          max_requests: null,
          members: null,
          user_max_requests: null,
          agent_max_requests: null,
          window_seconds: 1,
          scope: "caller",
          fail_closed: false,
          enabled: true,
        },
      ],
      rateLimitMemberships: docs.rate_limit_memberships as never[],
    };
    const imported = convertSnapshot(snapshot);
    const rl = imported.files.find((f) => f.path === "rate-limits/imported.yaml");
    assert.ok(rl, imported.files.map((f) => f.path).join(", "));
    assert.ok(rl.text.startsWith("# yaml-language-server: $schema=../schemas/rate-limits.schema.json\n"));
    const again = checkFiles(
      imported.files.map((f) => sizedFile(f.path, Buffer.byteLength(f.text), () => Buffer.from(f.text))),
      { existingGroups: imported.settings.existingGroups },
    );
    assert.deepEqual(again.errors, []);
    const back = renderRegistryDocuments(again.model);
    assert.deepEqual(back.rate_limits, docs.rate_limits);
    assert.deepEqual(back.rate_limit_memberships, docs.rate_limit_memberships);
  });
});

describe("rate limits: explain, diff, access tests", () => {
  it("access tests assert quarantine and limits, with the broken ones at their line", () => {
    const tests = `- identity: {user: mallory}
  quarantined: true
- identity: {user: alice}
  quarantined: false
  rate_limits:
    - {window_seconds: 60, max_requests: 30}
    - {window_seconds: 3600, max_requests: 5, per_target: true}
- identity: {m2m: bot}
  rate_limits:
    - {window_seconds: 60, max_requests: 10}
- identity: {user: root}
  rate_limits: []
`;
    assert.deepEqual(check(repo({ "access-tests/rl.yaml": tests })).errors, []);
    const broken = `- identity: {user: alice}
  quarantined: true
- identity: {m2m: bot}
  rate_limits:
    - {window_seconds: 60, max_requests: 30}
- identity: {groups: [tools-users]}
  quarantined: false
`;
    const r = check(repo({ "access-tests/rl.yaml": broken }));
    let d = only(r.errors, /user alice should be quarantined, but is not/);
    assert.deepEqual([d.file, d.line, d.column], ["access-tests/rl.yaml", 2, 16]);
    d = only(
      r.errors,
      /M2M account bot should have 30 requests per 60 s, but has 10 requests per 60 s \(group interactive\)/,
    );
    assert.equal(d.line, 5);
    only(r.errors, /not to groups/);
  });

  it("diff lists limit and quarantine changes per identity and target", () => {
    const base = check(repo()).model;
    const head = check(
      repo({
        "rate-limits/limits.yaml": LIMITS.replace("user_max_requests: 30", "user_max_requests: 40").replace(
          "users: [mallory]",
          "users: [alice]",
        ),
      }),
    ).model;
    const d = diffAccess(base, head);
    assert.deepEqual(d.rateLimits, [
      {
        subject: "user alice",
        quarantinedBefore: false,
        quarantinedAfter: true,
        limitsAdded: ["40 requests per 60 s (group interactive)"],
        limitsRemoved: ["30 requests per 60 s (group interactive)"],
      },
      {
        subject: "user mallory",
        quarantinedBefore: true,
        quarantinedAfter: false,
        limitsAdded: ["40 requests per 60 s (group interactive)"],
        limitsRemoved: ["30 requests per 60 s (group interactive)"],
      },
    ]);
    assert.equal(diffAccess(base, base).rateLimits, undefined);
  });

  it("explain resolves the caller's gates as the limiter does (smallest per window, user vs agent limit)", () => {
    const m = check(
      repo({
        "rate-limits/more.yaml": "caller_group: strict\nwindow_seconds: 60\nuser_max_requests: 20\n",
        "users/alice.yaml": USER("alice") + "rate_limit_groups: [interactive, strict]\n",
      }),
    ).model;
    assert.deepEqual(callerRateLimits(m, { user: "alice" }).gates, [
      { axis: "caller", windowSeconds: 60, maxRequests: 20, group: "strict" },
      { axis: "caller_target", windowSeconds: 3600, maxRequests: 5, group: "interactive" },
    ]);
    assert.deepEqual(callerRateLimits(m, { m2m: "bot" }).gates, [
      { axis: "caller", windowSeconds: 60, maxRequests: 10, group: "interactive" },
    ]);
    const t = targetRateLimits(m, { server: "/currenttime/" });
    assert.equal(t.quarantined, true);
    assert.deepEqual(
      t.gates.map((g) => g.definition),
      ["target:mcp_server:currenttime:1", "target:server_group:internal:86400"],
    );
    assert.equal(targetRateLimits(m, { agent: "rogue" }).quarantined, true);
  });
});

describe("rate limits: the CLI", () => {
  const cli = async (args: string[]) => {
    const out: string[] = [];
    const code = await run(args, { out: (x) => out.push(x), err: (x) => out.push(x) });
    return { code, text: out.join("\n") };
  };

  it("explain prints an identity's limits and quarantine, and a request's target quarantine", async () => {
    const dir = makeRepo(repo());
    let r = await cli(["explain", "--dir", dir, "--existing-group", "registry-admins", "--user", "mallory"]);
    assert.equal(r.code, 0, r.text);
    assert.match(
      r.text,
      new RegExp(
        String.raw`rate-limit groups: interactive, quarantine-callers\n  QUARANTINED: eve` +
          String.raw`ry request is refused \(403 quarantined\)\n  rate limit: 30 requests p` +
          String.raw`er 60 s \(group interactive\)`,
      ),
    );
    r = await cli([
      "explain",
      "--dir",
      dir,
      "--existing-group",
      "registry-admins",
      "--user",
      "alice",
      "--server",
      "currenttime",
      "--method",
      "initialize",
    ]);
    assert.match(r.text, /^DENY \(403 quarantined\) user alice: initialize on currenttime/);
    assert.match(r.text, /server:currenttime is QUARANTINED: the auth server refuses this request/);
    assert.match(r.text, /target limit: 50 requests per 1 s across all callers \(target:mcp_server:currenttime:1\)/);
    r = await cli(["explain", "--dir", dir, "--existing-group", "registry-admins", "--m2m", "bot", "--format", "json"]);
    assert.deepEqual(JSON.parse(r.text).rate_limits, {
      groups: ["interactive"],
      quarantined: false,
      gates: [{ axis: "caller", windowSeconds: 60, maxRequests: 10, group: "interactive" }],
    });
  });

  it("render prints both collections", async () => {
    const r = await cli(["render", "--dir", makeRepo(repo()), "--existing-group", "registry-admins"]);
    assert.equal(r.code, 0, r.text);
    const docs = JSON.parse(r.text.slice(r.text.indexOf("{")));
    assert.equal(docs.rate_limits.length, 5);
    assert.equal(docs.rate_limit_memberships.length, 6);
  });

  it("the diff comment has a rate-limit section", () => {
    const base = check(repo()).model;
    const head = check(repo({ "rate-limits/limits.yaml": LIMITS.replace("users: [mallory]", "users: [alice]") })).model;
    const text = renderMarkdown(diffAccess(base, head), "a..b");
    assert.match(
      text,
      new RegExp(
        String.raw`### Rate limits and quarantine\n\n- user alice: \*\*quarantined\*\* \(` +
          String.raw`every request refused\)\n- user mallory: released from quarantine`,
      ),
    );
  });
});
