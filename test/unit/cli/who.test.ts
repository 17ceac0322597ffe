/**
 * `mcp-access who`: for requests of every form, every identity of this repository's definitions that `explain`
 * allows is listed — with explain's scope, rule and branch — and no other; text, JSON and CSV say the same.
 */
import assert from "node:assert/strict";
import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { cli } from "../../support/cli";
import { REPO_ROOT } from "../../support/paths";
import { GROUP, makeRepo, USER } from "../../support/repo";

interface Answer {
  identity: string;
  kind: string;
  name: string;
  explain: string[];
  allowed: boolean;
  scope: string | null;
  rule: unknown;
  branch: string;
  via_groups: string[];
  quarantine: { refuses: boolean } | null;
}

async function whoJson(dir: string, args: string[]): Promise<{ answers: Answer[]; decided: number }> {
  const r = await cli(["who", "--dir", dir, ...args, "--format", "json"]);
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out) as { answers: Answer[]; decided: number };
}

async function explainJson(dir: string, args: string[]) {
  const r = await cli(["explain", "--dir", dir, ...args, "--format", "json"]);
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out) as { allowed: boolean; scope: string | null; rule: unknown; branch: string };
}

const IDENTITIES = [
  ["--user", "alice"],
  ["--user", "bob"],
  ["--user", "carol"],
  ["--user", "dave"],
  ["--m2m", "agent-currenttime"],
  ["--m2m", "agent-sre-bot"],
];

const REQUESTS = [
  ["--server", "sre-gateway", "--method", "tools/call", "--tool", "ack_incident"],
  ["--server", "currenttime", "--method", "tools/list"],
  ["--server", "fininfo", "--method", "tools/call", "--tool", "get_stock_price"],
  ["--agent", "/incident-responder"],
  ["--agent", "/flight-booking", "--action", "get_agent"],
  ["--url", "/sre-gateway/mcp"],
  ["--server", "nowhere", "--method", "initialize"],
];

describe("mcp-access who", () => {
  it("lists exactly the identities explain allows, each with explain's scope, rule and branch", async () => {
    for (const request of REQUESTS) {
      const who = await whoJson(REPO_ROOT, request);
      assert.equal(who.decided, IDENTITIES.length);
      const listed = new Map(who.answers.map((a) => [a.explain.join(" "), a]));
      for (const id of IDENTITIES) {
        const e = await explainJson(REPO_ROOT, [...id, ...request]);
        const a = listed.get(id.join(" "));
        const what = `${id.join(" ")} ${request.join(" ")}`;
        assert.equal(a !== undefined, e.allowed, what);
        if (!a) continue;
        assert.deepEqual([a.allowed, a.scope, a.rule, a.branch], [e.allowed, e.scope, e.rule, e.branch], what);
      }
    }
  });

  it("text and CSV carry the same identities as JSON", async () => {
    const request = ["--server", "sre-gateway", "--method", "tools/call", "--tool", "ack_incident"];
    const json = await whoJson(REPO_ROOT, request);
    const text = await cli(["who", "--dir", REPO_ROOT, ...request]);
    assert.equal(text.code, 0, text.err);
    assert.match(text.out, new RegExp(`^tools/call ack_incident on sre-gateway: ${json.answers.length} of 6 `));
    for (const a of json.answers) assert.match(text.out, new RegExp(`^ALLOW ${a.identity}`, "m"));
    assert.match(text.out, /by scope sre-operators, rule /);
    assert.match(text.out, /via group sre-operators/);
    const csv = await cli(["who", "--dir", REPO_ROOT, ...request, "--format", "csv"]);
    const lines = csv.out.split("\n");
    assert.equal(lines[0], "identity,kind,request,allowed,quarantined,via_group,scope,rule,branch,reason");
    assert.deepEqual(
      lines.slice(1).map((l) => l.split(",").slice(0, 2).join(",")),
      json.answers.map((a) => `${a.name},${a.kind}`),
    );
  });

  it("takes the bootstrap admin, brokered people and quarantined callers into account", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mcp-access-who-"));
    for (const part of ["groups", "users", "m2m"]) cpSync(join(REPO_ROOT, part), join(dir, part), { recursive: true });
    cpSync(join(REPO_ROOT, "examples", "brokered", "identity-providers"), join(dir, "identity-providers"), {
      recursive: true,
    });
    const who = await whoJson(dir, ["--bootstrap", "--server", "fininfo", "--method", "tools/list"]);
    const kinds = who.answers.map((a) => a.kind);
    assert.ok(kinds.includes("admin"), kinds.join(","));
    const brokered = who.answers.find((a) => a.kind === "brokered")!;
    assert.match(brokered.identity, /^people from entra-oidc whose claim groups holds "5510a1b0-/);
    const e = await explainJson(dir, [
      "--bootstrap",
      ...brokered.explain,
      "--server",
      "fininfo",
      "--method",
      "tools/list",
    ]);
    assert.deepEqual([brokered.scope, brokered.branch], [e.scope, e.branch]);

    const q = makeRepo({
      "groups/g.yaml": GROUP,
      "users/alice.yaml": USER("alice"),
      "users/mallory.yaml": USER("mallory"),
      "rate-limits/q.yaml": "quarantine:\n  users: [mallory]\n",
    });
    const args = ["--existing-group", "registry-admins", "--server", "currenttime", "--method", "tools/list"];
    const answers = (await whoJson(q, args)).answers;
    const mallory = answers.find((a) => a.name === "mallory")!;
    assert.equal(mallory.allowed, false);
    assert.equal(mallory.quarantine?.refuses, true);
    const text = await cli(["who", "--dir", q, ...args]);
    assert.match(text.out, /^DENY \(403 quarantined\) user mallory \[QUARANTINED/m);
  });

  it("refuses an incomplete request as explain does", async () => {
    const r = await cli(["who", "--dir", REPO_ROOT, "--server", "currenttime"]);
    assert.equal(r.code, 2);
    assert.match(r.err, /--method/);
  });
});
