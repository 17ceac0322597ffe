/** The whole program as `pulumi up` runs it, with Pulumi mocks: config in, resources and outputs out. */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { accessProgram } from "../../components/program";
import { declared, settled, useMocks } from "../support/mocks";
import { makeRepo, GROUP, USER } from "../support/repo";

before(() => useMocks());

function configure(dir: string, extra: Record<string, string> = {}, secrets: string[] = []) {
  pulumi.runtime.setAllConfig({ "keycloak:url": "http://127.0.0.1:18080", "mcp-gateway-access:definitionsDir": dir, ...extra }, secrets);
}

describe("the program", () => {
  it("stops before declaring anything when the definitions are invalid, with file:line:column", async () => {
    configure(makeRepo({ "groups/g.yaml": GROUP + "bogus: 1\n" }));
    declared.length = 0;
    assert.throws(
      () => accessProgram(),
      (e: Error) => e instanceof pulumi.RunError && /nothing was applied/.test(e.message) && /groups\/g\.yaml:7:1: error: bogus: unknown field "bogus"/.test(e.message),
    );
    await settled();
    assert.equal(declared.length, 0);
  });

  it("refuses an unknown conflict policy", async () => {
    configure(makeRepo({ "groups/g.yaml": GROUP }), { "mcp-gateway-access:onScopeConflict": "clobber" });
    declared.length = 0;
    assert.throws(() => accessProgram(), /onScopeConflict must be one of fail, merge, overwrite/);
    await settled();
    assert.equal(declared.length, 0, "nothing declared");
  });

  it("declares Keycloak objects and scope documents, and marks every secret output secret", async () => {
    configure(
      makeRepo({ "groups/g.yaml": GROUP, "users/a.yaml": USER("alice", "[tools-users, registry-admins]"), "m2m/b.yaml": "name: bot\ngroups: [tools-users]\n" }),
      { "mcp-gateway-access:bootstrap": "true", "mcp-gateway-access:initialPasswords": '{"alice":"pw-from-config"}' },
      ["mcp-gateway-access:initialPasswords"],
    );
    declared.length = 0;
    const p = accessProgram();
    await settled();
    const types = new Set(declared.map((d) => d.type));
    for (const t of ["keycloak:index/realm:Realm", "keycloak:index/user:User", "keycloak:openid/client:Client", "pulumi-nodejs:dynamic/mcp-gateway-access:ScopeDocument", "pulumi-nodejs:dynamic/mcp-gateway-access:M2MClientRecord"]) {
      assert.ok(types.has(t), `${t} declared`);
    }
    assert.equal(await pulumi.isSecret(p.access!.m2m.bot!.clientSecret), true);
    assert.equal(await pulumi.isSecret(p.access!.users.alice!.initialPassword!), true);
    assert.equal(await pulumi.isSecret(p.bootstrapAdminPassword!), true);
    const user = declared.find((d) => d.type === "keycloak:index/user:User" && d.inputs.username === "alice")!;
    assert.equal((user.inputs.initialPassword as { value: string }).value, "pw-from-config");
  });

  it("keeps only the registry's documents when the stack does not manage the identity provider", async () => {
    configure(makeRepo({ "groups/g.yaml": GROUP, "m2m/b.yaml": "name: bot\ngroups: [tools-users]\n" }), { "mcp-gateway-access:manageIdentityProvider": "false" });
    declared.length = 0;
    const p = accessProgram();
    await settled();
    assert.equal(p.access, undefined);
    assert.deepEqual([...new Set(declared.filter((d) => d.custom).map((d) => d.type))].sort(), [
      "pulumi-nodejs:dynamic/mcp-gateway-access:M2MClientRecord",
      "pulumi-nodejs:dynamic/mcp-gateway-access:ScopeDocument",
    ]);
  });
});
