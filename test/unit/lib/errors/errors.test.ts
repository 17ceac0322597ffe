/** One error hierarchy with stable codes (as jose does): scripts branch on the code, the CLI and JSON carry it. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as api from "../../../../api";
import { GROUP, makeRepo, USER } from "../../../support/repo";
import { cli } from "../../../support/cli";
import { exitCodeOf, failureOf } from "../../../../cli/main";

const CLASSES = [
  api.McpAccessError,
  api.UsageError,
  api.StackSettingsError,
  api.DefinitionsError,
  api.PlanError,
  api.TokenError,
  api.ServiceError,
  api.RecordStoreError,
  api.FileError,
];

describe("errors", () => {
  it("every kind is an McpAccessError with its own stable code and its name; the CLI gives the exit code", () => {
    const codes = CLASSES.map((C) => C.code);
    assert.equal(new Set(codes).size, codes.length, "codes are unique");
    assert.deepEqual([...api.ERROR_CODES].sort(), [...codes].sort());
    for (const C of CLASSES) {
      const e = new C("what went wrong");
      assert.ok(e instanceof api.McpAccessError && e instanceof Error);
      assert.equal(e.code, C.code);
      assert.match(e.code, /^ERR_[A-Z_]+$/);
      assert.equal(e.name, C.name);
      assert.equal(e.message, "what went wrong");
      assert.equal("exitCode" in e, false, "an error in-process has no exit code");
      assert.equal(exitCodeOf(e.code), C === api.UsageError || C === api.StackSettingsError ? 2 : 1);
      assert.equal(failureOf(e).exitCode, exitCodeOf(C.code));
    }
    assert.equal(
      new api.RecordStoreError("the reason").stack,
      "the reason",
      "the engine prints the stack: the reason only",
    );
  });

  it("the CLI prints the code with the message, and --format json carries it on stdout", async () => {
    const dir = makeRepo({ "groups/g.yaml": GROUP, "users/u.yaml": USER("alice") });
    const text = await cli(["explain", "--dir", dir, "--user", "nobody", "--server", "s", "--method", "tools/list"]);
    assert.equal(text.code, 2);
    assert.match(text.err, /^mcp-access: ERR_USAGE: /m);
    const json = await cli([
      "explain",
      "--dir",
      dir,
      "--user",
      "nobody",
      "--server",
      "s",
      "--method",
      "tools/list",
      "--format",
      "json",
    ]);
    assert.equal(json.code, 2);
    const body = JSON.parse(json.out) as { error: { code: string; message: string } };
    assert.equal(body.error.code, "ERR_USAGE");
    assert.match(body.error.message, /nobody/);
    const missing = await cli(["validate", "--dir", dir, "--stack", "no-such-stack", "--format", "json"]);
    assert.equal((JSON.parse(missing.out) as { error: { code: string } }).error.code, "ERR_STACK_SETTINGS");
  });

  it("token's own usage mistakes are ERR_USAGE with exit 2, as every other command's", async () => {
    for (const args of [
      ["token"],
      ["token", "agent", "--min-ttl", "soon"],
      ["token", "--verify", "x.y.z", "--issuer", "not a url"],
      ["token", "--verify", "x.y.z", "--jwks-url", "not a url"],
    ]) {
      const r = await cli(args);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.err, /^mcp-access: ERR_USAGE: /m, args.join(" "));
    }
  });

  it("explainRequest is explain as a library call, refusing a name the definitions do not hold with ERR_USAGE", () => {
    const dir = makeRepo({ "groups/g.yaml": GROUP, "users/u.yaml": USER("alice") });
    const { model } = api.checkRepository(dir);
    const request = { server: "currenttime", method: "tools/list" };
    const allowed = api.explainRequest(model, { user: "alice" }, request);
    assert.equal(allowed.allowed, true);
    assert.equal(allowed.scope, "tools-users");
    const other = { server: "currenttime", method: "tools/call", tool: "delete_everything" };
    assert.equal(api.explainRequest(model, { user: "alice" }, other).allowed, false);
    assert.throws(
      () => api.explainRequest(model, { user: "nobody" }, request),
      (e: Error) => e instanceof api.UsageError,
    );
  });
});
