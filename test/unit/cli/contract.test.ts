/**
 * The error contract of docs/errors.md, for every failure the CLI can meet: `mcp-access: <CODE>: <message>` on
 * stderr (one line, never the whole help), `{"error": {...}}` on stdout with --format json. Commander's own errors
 * (an unknown option, a missing value, a value not among the choices, an unknown command) for every command and
 * option the program has; `token`'s per-account failures; a token that is not a JWT said before anything is read.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildProgram } from "../../../cli/main";
import { cli } from "../../support/cli";
import { GROUP, makeRepo, USER } from "../../support/repo";

const LINE = /^mcp-access: ERR_USAGE: [^\n]+ \(mcp-access( [a-z-]+)? --help lists what it takes\)$/;

async function usageFailure(args: string[]): Promise<void> {
  const r = await cli(args);
  assert.equal(r.code, 2, `${args.join(" ")}: ${r.err}`);
  assert.match(r.err, LINE, args.join(" "));
  assert.doesNotMatch(r.err, /Usage:/);
}

/** Every command of the program with its options, as commander knows them. */
function commands() {
  const program = buildProgram({ out: () => undefined, err: () => undefined }, () => undefined);
  return program.commands.map((c) => ({ name: c.name(), options: c.options }));
}

describe("commander's own errors are usage failures with a code", () => {
  for (const c of commands()) {
    it(`${c.name}: an unknown option, a missing value, a value not among the choices`, async () => {
      await usageFailure([c.name, "--no-such-option"]);
      for (const o of c.options) {
        if (o.required && o.long) await usageFailure([c.name, o.long]);
        if (o.argChoices && o.long) await usageFailure([c.name, o.long, "not-a-choice"]);
      }
    });
  }

  it("an unknown command, and no command", async () => {
    await usageFailure(["no-such-command"]);
    const r = await cli([]);
    assert.equal(r.code, 2);
    assert.match(r.err.split("\n").at(-1)!, /^mcp-access: ERR_USAGE: name a command/);
  });

  it("render --idp okta says so, with JSON when asked", async () => {
    await usageFailure(["render", "--idp", "okta"]);
    const r = await cli(["validate", "--format", "json", "--idp", "okta"]);
    assert.equal(r.code, 2);
    assert.equal(JSON.parse(r.out).error.code, "ERR_USAGE");
  });

  it("--format json: the error as JSON on stdout too", async () => {
    for (const args of [
      ["validate", "--format", "json", "--no-such-option"],
      ["explain", "--format=json", "--no-such-option"],
    ]) {
      const r = await cli(args);
      const printed = JSON.parse(r.out) as { error: { code: string; message: string } };
      assert.equal(printed.error.code, "ERR_USAGE");
      assert.match(printed.error.message, /unknown option '--no-such-option'/);
    }
  });

  it("--help and --version still print and exit 0", async () => {
    for (const args of [["--help"], ["validate", "--help"], ["help", "validate"], ["help"], ["--version"]]) {
      const r = await cli(args);
      assert.equal(r.code, 0, args.join(" "));
      assert.doesNotMatch(r.err, /ERR_/);
    }
  });
});

describe("token's failures", () => {
  const cred = (id: string) => ({
    clientId: id,
    clientSecret: `secret-${id}`,
    tokenUrl: "http://127.0.0.1:1/realms/r/protocol/openid-connect/token",
    authProvider: "keycloak",
  });
  const repo = makeRepo({
    "groups/g.yaml": GROUP,
    "users/u.yaml": USER("alice"),
    "outputs.json": JSON.stringify({ m2m: { "agent-a": cred("agent-a") }, groups: {} }),
  });
  const base = ["--outputs", `${repo}/outputs.json`, "--cwd", repo, "--out", `${repo}/t`];

  it("each account that got no token: one line with its code, the account named once", async () => {
    const r = await cli(["token", "agent-a", "nope", ...base]);
    assert.equal(r.code, 1);
    const lines = r.err.split("\n").filter((l) => l.startsWith("mcp-access: "));
    assert.equal(lines.length, 2, r.err);
    assert.match(
      lines.find((l) => l.includes("agent-a"))!,
      /^mcp-access: ERR_TOKEN: agent-a: the identity provider/,
    );
    assert.match(
      lines.find((l) => l.includes("nope"))!,
      /^mcp-access: ERR_TOKEN: unknown M2M account "nope"/,
    );
    for (const l of lines) assert.doesNotMatch(l, /(agent-a|nope).*\1/, "the account is named once");
  });

  it("--format json: an error object listing the accounts, not []", async () => {
    const r = await cli(["token", "agent-a", "nope", "--format", "json", ...base]);
    assert.equal(r.code, 1);
    const printed = JSON.parse(r.out) as { error: { code: string; accounts: { name: string }[] }; tokens: [] };
    assert.equal(printed.error.code, "ERR_TOKEN");
    assert.deepEqual(
      printed.error.accounts.map((a) => a.name),
      ["agent-a", "nope"],
    );
    assert.deepEqual(printed.tokens, []);
  });

  it("--verify: a token that is not a JWT is said so before the stack's outputs are asked for", async () => {
    const path = process.env.PATH;
    process.env.PATH = "/nonexistent"; // no pulumi CLI: asking for the outputs would fail on that instead
    try {
      for (const token of ["not-a-jwt", "a.b.c", "x".repeat(9000)]) {
        const r = await cli(["token", "--verify", token, "--format", "json"]);
        assert.equal(r.code, 1);
        assert.match(r.err, /^mcp-access: ERR_TOKEN: (not a JWT|token rejected: over 8192 bytes)/);
        assert.equal(JSON.parse(r.out).error.code, "ERR_TOKEN");
      }
    } finally {
      process.env.PATH = path;
    }
  });
});
