/**
 * How `getTokens` reads the definitions that map a token's groups to scopes: with the stack's own settings (its
 * bootstrap setting, not a guess from its outputs), refusing definitions with errors, checked once per run.
 */
import assert from "node:assert/strict";
import { after, before, describe, it, mock } from "node:test";
import * as lib from "../../../lib";
import { getTokens, stackSettings, type StackOutputs } from "../../../tokens";
import { startFakeEntra, type FakeEntra } from "../../support/fake-entra";
import { makeRepo } from "../../support/repo";

let entra: FakeEntra;
let outputs: StackOutputs;

before(async () => {
  entra = await startFakeEntra();
  const cred = (id: string) => ({
    clientId: id,
    clientSecret: `secret-${id}`,
    tenantId: entra.tenant,
    tokenUrl: `${entra.base}/${entra.tenant}/oauth2/v2.0/token`,
    scope: "api://gateway-id/.default",
    authProvider: "entra" as const,
  });
  // The stack made a group named registry-admins: from a definition, or as its bootstrap.
  outputs = {
    m2m: { "agent-a": cred("app-a"), "agent-b": cred("app-b") },
    groups: { "registry-admins": "oid-ra", "team-a": "oid-team-a" },
  };
});
after(() => entra.close());

/** The stack's settings file, as `pulumi config set` writes it. */
const stackFile = (bootstrap: boolean) => `config:\n  mcp-gateway-access:bootstrap: ${String(bootstrap)}\n`;
const OWN_ADMINS = "scope_name: registry-admins\nserver_access:\n  - server: currenttime\n    methods: [tools/list]\n";

describe("getTokens and the definitions", () => {
  it("reads bootstrap from the stack's setting, not from a registry-admins group in its outputs", async () => {
    entra.claims = { groups: ["oid-ra"] };
    try {
      // Without bootstrap, registry-admins is the registry's seed, which maps the group's name, not its Object ID.
      const dir = makeRepo({
        "groups/a.yaml": "scope_name: team-a\n",
        "stacks/Pulumi.own.yaml": stackFile(false),
        "stacks/Pulumi.boot.yaml": stackFile(true),
      });
      assert.equal(stackSettings({ stack: "own", cwd: dir }).bootstrap, false);
      const [r] = await getTokens(["agent-a"], { outputs, outDir: false, definitionsDir: dir, stack: "own", cwd: dir });
      assert.ok(r && r.ok, r && !r.ok ? r.error : "");
      assert.deepEqual(r.token.scopes, [], "the seed is not the stack's: the Object ID maps to nothing");
      // Positive control: the setting is what is read. With bootstrap on, the stack's registry-admins carries the ID.
      assert.equal(stackSettings({ stack: "boot", cwd: dir }).bootstrap, true);
      const [b] = await getTokens(["agent-a"], {
        outputs,
        outDir: false,
        definitionsDir: dir,
        stack: "boot",
        cwd: dir,
      });
      assert.ok(b && b.ok, b && !b.ok ? b.error : "");
      assert.ok(b.token.scopes.includes("registry-admins"), b.token.scopes.join(", "));
    } finally {
      entra.claims = {};
    }
  });

  it("refuses a definition of a seed scope the registry rewrites, with bootstrap or without", async () => {
    const dir = makeRepo({
      "groups/ra.yaml": OWN_ADMINS,
      "stacks/Pulumi.own.yaml": stackFile(false),
      "stacks/Pulumi.boot.yaml": stackFile(true),
    });
    for (const [stack, why] of [
      ["own", /seed scope the registry writes itself/],
      ["boot", /bootstrap admin group the stack manages/],
    ] as const)
      await assert.rejects(
        getTokens(["agent-a"], { outputs, outDir: false, definitionsDir: dir, stack, cwd: dir }),
        (e: Error) => e instanceof lib.DefinitionsError && why.test(e.message),
      );
  });

  it("refuses definitions with errors before requesting any token, and maps those without", async () => {
    const broken = makeRepo({ "groups/a.yaml": "scope_name: team-a\nno_such_field: 1\n" });
    entra.requests.length = 0;
    await assert.rejects(
      getTokens(["agent-a"], { outputs, outDir: false, definitionsDir: broken }),
      (e: Error) =>
        e instanceof lib.DefinitionsError &&
        /have 1 error\(s\), so the scopes a token maps to are unknown: .*no_such_field.*mcp-access validate/.test(
          e.message,
        ),
    );
    assert.equal(entra.requests.length, 0, "no token was requested");
    // Positive control: the same definitions without the error map the token's groups.
    const fixed = makeRepo({ "groups/a.yaml": "scope_name: team-a\n" });
    const [r] = await getTokens(["agent-a"], { outputs, outDir: false, definitionsDir: fixed });
    assert.ok(r && r.ok, r && !r.ok ? r.error : "");
    assert.deepEqual(r.token.scopes, ["team-a"]);
  });

  it("checks the definitions once for all the accounts of a run", async () => {
    const dir = makeRepo({ "groups/a.yaml": "scope_name: team-a\n" });
    const check = mock.method(lib, "checkRepository");
    try {
      const results = await getTokens("all", { outputs, outDir: false, definitionsDir: dir });
      assert.deepEqual(
        results.map((r) => [r.name, r.ok && r.token.scopes]),
        [
          ["agent-a", ["team-a"]],
          ["agent-b", ["team-a"]],
        ],
      );
      assert.equal(check.mock.callCount(), 1);
    } finally {
      check.mock.restore();
    }
  });
});
