/**
 * Rate-limit entries that can never apply (lib/model/rate-limit-reach.ts): each an error at its line, with the
 * reason, where the registry would store it and its limiter never match or never refuse by it.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { check, GROUP, only, USER } from "../../../support/repo";

const FILES = {
  "groups/g.yaml": GROUP,
  "users/alice.yaml": USER("alice") + "rate_limit_groups: [interactive]\n",
  "m2m/bot.yaml": "name: bot\ngroups: [tools-users]\nrate_limit_groups: [interactive]\n",
  "rate-limits/base.yaml": "caller_group: interactive\nuser_max_requests: 30\nagent_max_requests: 10\n",
};

const bad = (yaml: string, extra: Record<string, string> = {}) =>
  check({ ...FILES, "rate-limits/bad.yaml": yaml, ...extra });

/** The one error matching `pattern`, at `line` of rate-limits/bad.yaml (or `file`). */
function at(yaml: string, pattern: RegExp, line: number, column?: number) {
  const d = only(bad(yaml).errors, pattern);
  assert.deepEqual([d.file, d.line], ["rate-limits/bad.yaml", line], d.message);
  if (column !== undefined) assert.equal(d.column, column);
  return d;
}

describe("rate-limit entries that can never apply", () => {
  it("the base repository is clean", () => {
    assert.deepEqual(check(FILES).errors, []);
  });

  it("a target that strips to nothing: a2a_agent /, mcp_server //, spaces", () => {
    at(
      "a2a_agent: /\nmax_requests: 5\n",
      /a2a_agent "\/" strips to nothing.*would ever match it; name the agent/,
      1,
      12,
    );
    at("a2a_agent: ' / / '\nmax_requests: 5\n", /a2a_agent " \/ \/ " strips to nothing/, 1);
    at("mcp_server: //\nmax_requests: 5\n", /mcp_server "\/\/" strips to nothing/, 1);
    at("- mcp_server: currenttime\n  max_requests: 5\n- mcp_server: '  '\n  max_requests: 5\n", /strips to nothing/, 3);
    at("caller_group: '  '\nuser_max_requests: 30\n", /caller_group "  " is blank/, 1);
    at("server_group: ' '\nmembers: [currenttime]\nmax_requests: 5\n", /server_group " " is blank/, 1);
  });

  it("a wildcard where the registry matches exactly: targets, members, caller groups", () => {
    at("mcp_server: '*'\nmax_requests: 5\n", /mcp_server "\*" is not a wildcard/, 1);
    at("mcp_server: all\nmax_requests: 5\n", /mcp_server "all" is not a wildcard/, 1);
    at("a2a_agent: /*\nmax_requests: 5\n", /a2a_agent "\/\*" is not a wildcard/, 1);
    at("caller_group: '*'\nuser_max_requests: 30\n", /caller_group "\*" is not a wildcard/, 1);
    at("server_group: g\nmembers: [currenttime, '*']\nmax_requests: 5\n", /"\*" is not a wildcard here/, 2, 24);
    // A server_group's name is only a label: "all" there is a name like any.
    assert.deepEqual(bad("server_group: all\nmembers: [currenttime]\nmax_requests: 5\n").errors, []);
  });

  it("a name no request key can be: a transport segment on a server, the agent card on an agent", () => {
    at("mcp_server: currenttime/mcp\nmax_requests: 5\n", /requests are keyed "currenttime", so this limit would/, 1);
    at("mcp_server: peer/x/sse\nmax_requests: 5\n", /requests are keyed "peer\/x"/, 1);
    at("a2a_agent: /rogue/.well-known/agent-card.json\nmax_requests: 5\n", /requests are keyed "\/rogue"/, 1);
    at("quarantine:\n  agents: [rogue/.well-known/agent-card.json]\n", /the agent card's path/, 2);
  });
});

describe("rate-limit entries that can never apply: quarantines, windows, callers", () => {
  it("a quarantine with a wildcard, an entry that strips to nothing, or nobody at all", () => {
    at("quarantine:\n  agents: ['*']\n", /"\*" is not a wildcard here: the registry matches agent paths exactly/, 2);
    at("quarantine:\n  agents: [/all/]\n", /"\/all\/" is not a wildcard here/, 2);
    at("quarantine:\n  servers: ['*']\n", /"\*" is not a wildcard here: the registry matches server names/, 2);
    at("quarantine:\n  users: ['*']\n", /"\*" is not a wildcard in a quarantine/, 2);
    at("quarantine:\n  m2m: ['*']\n", /"\*" is not a wildcard in a quarantine/, 2);
    at("quarantine:\n  agents: [/]\n", /agent path "\/" strips to nothing/, 2);
    at("quarantine:\n  agents: [' // ']\n", /strips to nothing/, 2);
    at("quarantine:\n  servers: [/]\n", /server "\/" strips to nothing/, 2);
    at("quarantine: {}\n", /the quarantine lists nobody/, 1);
    at("- quarantine:\n    users: [alice]\n- quarantine: {}\n", /the quarantine lists nobody/, 3);
    // Empty lists are refused by the format itself, at their line.
    at("quarantine:\n  users: []\n", /"users" is empty/, 2);
    at("server_group: g\nmembers: []\nmax_requests: 5\n", /"members" is empty/, 2);
  });

  it("a window that can never refuse: a longer window of the same subject allows no more", () => {
    const shadow =
      "- mcp_server: currenttime\n  window_seconds: 60\n  max_requests: 100\n" +
      "- mcp_server: currenttime\n  window_seconds: 3600\n  max_requests: 100\n";
    const d = at(shadow, /max_requests 100 per 60 s can never refuse a request: the 3600 s window/, 3);
    assert.match(d.message, /rate-limits\/bad\.yaml:6:17/);
    // Tighter in the short window: both apply.
    assert.deepEqual(bad(shadow.replace("max_requests: 100\n-", "max_requests: 99\n-")).errors, []);
    // Windows that do not nest (90 s is not a multiple of 60 s): a 60 s window can straddle two.
    assert.deepEqual(bad(shadow.replace("3600", "90")).errors, []);
    // Per count: the agent limit is shadowed, the user limit is not.
    const callers =
      "- caller_group: interactive\n  window_seconds: 3600\n  user_max_requests: 500\n" + "  agent_max_requests: 10\n";
    const agent = only(bad(callers).errors, /agent_max_requests 10 per 60 s can never refuse/);
    assert.deepEqual([agent.file, agent.line], ["rate-limits/base.yaml", 3]);
    assert.ok(!bad(callers).errors.some((e) => /user_max_requests 30 per 60 s/.test(e.message)));
    // A disabled limit refuses nothing, so it shadows nothing.
    assert.deepEqual(bad(callers + "  enabled: false\n").errors, []);
  });

  it("an identity in a caller group that never counts its kind", () => {
    const files = {
      "rate-limits/base.yaml": "caller_group: people\nuser_max_requests: 30\n",
      "users/alice.yaml": USER("alice") + "rate_limit_groups: [people]\n",
      "m2m/bot.yaml": "name: bot\ngroups: [tools-users]\nrate_limit_groups: [people]\n",
    };
    const d = only(check({ ...FILES, ...files }).errors, /sets no agent_max_requests in any of its limits/);
    assert.deepEqual([d.file, d.line, d.column], ["m2m/bot.yaml", 3, 21]);
    const users = { ...files, "rate-limits/base.yaml": "caller_group: people\nagent_max_requests: 10\n" };
    only(check({ ...FILES, ...users }).errors, /"people" sets no user_max_requests in any of its limits, so it never/);
    // Another limit of the group counting M2M accounts is enough.
    const both = { ...files, "rate-limits/more.yaml": "caller_target_group: people\nagent_max_requests: 10\n" };
    assert.deepEqual(check({ ...FILES, ...both }).errors, []);
  });
});
