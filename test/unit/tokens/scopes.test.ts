/** The scopes `mcp-access token` says a token maps to: the definitions' documents and the registry's own seeds. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mappedScopes, type StackOutputs } from "../../../tokens";
import { makeRepo } from "../../support/repo";

describe("mappedScopes", () => {
  it("includes the seeds the registry upserts itself, matched exactly like any scope", () => {
    const dir = makeRepo({ "groups/ops.yaml": "scope_name: ops\n" });
    const outputs = { groups: {} } as unknown as StackOutputs;
    assert.deepEqual(mappedScopes(["ops", "mcp-registry-admin"], dir, outputs), [
      "mcp-registry-admin",
      "mcp-servers-unrestricted/execute",
      "mcp-servers-unrestricted/read",
      "ops",
    ]);
    assert.deepEqual(mappedScopes(["/ops"], dir, outputs), [], "a '/ops' claim is not the group 'ops'");
  });
});
