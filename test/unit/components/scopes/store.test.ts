/** The ScopeStore's resource graph, with Pulumi mocks (the CRUD itself is tested against FerretDB). */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { checkRepository } from "../../../../lib";
import { makeRepo } from "../../../support/repo";
import { declared, settled, useMocks } from "../../../support/mocks";
import { ScopeStore } from "../../../../components/scopes/store";
import * as pulumi from "@pulumi/pulumi";
import { createRequire } from "node:module";
import { join } from "node:path";
import { recordProvider } from "../../../../components/scopes/provider";
import { REPO_ROOT } from "../../../support/paths";

const PASSWORD = "db-password-never-in-state";

before(() => useMocks({ "mcp-gateway-access:mongodbPassword": PASSWORD }, ["mcp-gateway-access:mongodbPassword"]));

const model = (bootstrap: boolean) =>
  checkRepository(
    makeRepo({
      "groups/a.yaml": "scope_name: a\nserver_access:\n  - server: s\n    methods: [tools/list]\n",
      "m2m/bot.yaml": "name: bot\ngroups: [a]\n",
    }),
    { bootstrap },
  ).model;

describe("ScopeStore", () => {
  it("declares one ScopeDocument per group and one M2MClientRecord per account, with their own types", async () => {
    declared.length = 0;
    const store = new ScopeStore("reg", {
      model: model(false),
      idp: "keycloak",
      database: "mcp_registry",
      namespace: "team1",
    });
    await settled();
    const types = declared
      .filter((d) => d.custom)
      .map((d) => `${d.type} ${d.name}`)
      .sort();
    assert.deepEqual(types, [
      "pulumi-nodejs:dynamic/mcp-gateway-access:M2MClientRecord reg-m2m-bot",
      "pulumi-nodejs:dynamic/mcp-gateway-access:ScopeDocument reg-scope-a",
    ]);
    const scope = declared.find((d) => d.name === "reg-scope-a")!;
    assert.equal(scope.inputs.collection, "mcp_scopes_team1");
    assert.equal(scope.inputs.key, "a");
    assert.equal(scope.inputs.onConflict, "fail");
    assert.deepEqual((scope.inputs.desired as { group_mappings: string[] }).group_mappings, ["a"]);
    assert.equal("_id" in (scope.inputs.desired as object), false, "_id is the key, not a business field");
    const m2m = declared.find((d) => d.name === "reg-m2m-bot")!;
    assert.equal(m2m.inputs.collection, "idp_m2m_clients");
    assert.equal((m2m.inputs.desired as { client_id: string }).client_id, "bot");
    assert.ok(store.scopes.a);
  });

  it("manages the bootstrap admin scope only with bootstrap, protected from deletion", async () => {
    declared.length = 0;
    const store = new ScopeStore("boot", {
      model: model(true),
      idp: "keycloak",
      database: "mcp_registry",
      namespace: "default",
    });
    await settled();
    const admin = declared.find((d) => d.name === "boot-scope-registry-admins");
    assert.ok(admin, "bootstrap scope declared");
    assert.equal(admin.inputs.timestamps, false);
    const protectedFlag = await new Promise<boolean>((resolve) =>
      resolve((store.scopes["registry-admins"] as unknown as { __protect: boolean }).__protect),
    );
    assert.equal(protectedFlag, true);
    declared.length = 0;
    new ScopeStore("noboot", { model: model(false), idp: "keycloak", database: "mcp_registry", namespace: "default" });
    await settled();
    assert.ok(
      declared.some((d) => d.name === "noboot-scope-a"),
      "the same store declares its own scopes",
    );
    assert.equal(
      declared.some((d) => d.name.includes("registry-admins")),
      false,
    );
  });

  it("applies per-group conflict policies over the stack's", async () => {
    declared.length = 0;
    new ScopeStore("pol", {
      model: model(false),
      idp: "keycloak",
      database: "d",
      namespace: "n",
      onConflict: "merge",
      onConflictByGroup: { a: "overwrite" },
    });
    await settled();
    assert.equal(declared.find((d) => d.name === "pol-scope-a")!.inputs.onConflict, "overwrite");
    assert.equal(declared.find((d) => d.name === "pol-m2m-bot")!.inputs.onConflict, "merge");
  });

  it("gives an M2M record the stack's policy, not that of a group named like its account", async () => {
    declared.length = 0;
    const sameName = checkRepository(
      makeRepo({
        "groups/bot.yaml": "scope_name: bot\nserver_access:\n  - server: s\n    methods: [tools/list]\n",
        "m2m/bot.yaml": "name: bot\ngroups: [bot]\n",
      }),
    ).model;
    new ScopeStore("same", {
      model: sameName,
      idp: "keycloak",
      database: "d",
      namespace: "n",
      onConflictByGroup: { bot: "overwrite" },
    });
    await settled();
    assert.equal(declared.find((d) => d.name === "same-scope-bot")!.inputs.onConflict, "overwrite");
    assert.equal(declared.find((d) => d.name === "same-m2m-bot")!.inputs.onConflict, "fail");
  });

  it("puts Entra group Object IDs into group_mappings", async () => {
    declared.length = 0;
    const store = new ScopeStore("entra", {
      model: model(false),
      idp: "entra",
      database: "d",
      namespace: "n",
      groupObjectIds: { a: pulumi.output("11111111-2222-3333-4444-555555555555") },
      clientIds: { bot: "app-client-id" },
    });
    await settled();
    assert.ok(store.scopes.a);
    const scope = declared.find((d) => d.name === "entra-scope-a")!;
    assert.deepEqual((scope.inputs.desired as { group_mappings: string[] }).group_mappings, [
      "a",
      "11111111-2222-3333-4444-555555555555",
    ]);
    const m2m = declared.find((d) => d.name === "entra-m2m-bot")!;
    assert.equal((m2m.inputs.desired as { client_id: string }).client_id, "app-client-id");
    assert.equal((m2m.inputs.desired as { provider: string }).provider, "entra");
  });

  it("never captures the database password in the serialized provider or the inputs", async () => {
    declared.length = 0;
    new ScopeStore("sec", { model: model(true), idp: "keycloak", database: "d", namespace: "n" });
    await settled();
    const records = declared.filter((d) => d.type.startsWith("pulumi-nodejs:dynamic/"));
    assert.ok(records.length >= 3);
    for (const r of records) {
      const text = JSON.stringify(r.inputs);
      assert.ok(text.includes("__provider"), "the serialized provider is an input");
      assert.doesNotMatch(text, new RegExp(PASSWORD));
      assert.doesNotMatch(String(r.inputs.__provider), /mongodb:\/\/[^"]*@/);
    }
  });

  it("runs as Pulumi serializes it: the provider alone parses its connection part of the stack config", async () => {
    declared.length = 0;
    new ScopeStore("ser", { model: model(false), idp: "keycloak", database: "d", namespace: "n" });
    await settled();
    const text = String(declared.find((d) => d.type.endsWith(":ScopeDocument"))!.inputs.__provider);
    // Evaluated as the engine's dynamic-provider host does: a module of its own, requiring packages by name.
    const module = { exports: {} as { handler: () => pulumi.dynamic.ResourceProvider } };
    new Function("exports", "require", "module", text)(
      module.exports,
      createRequire(join(REPO_ROOT, "package.json")),
      module,
    );
    const provider = module.exports.handler();
    await provider.configure!({
      config: new Map([["mcp-gateway-access:mongodbPort", "x"]]),
    } as unknown as pulumi.dynamic.ConfigureRequest);
    const inputs = {
      kind: "scope",
      key: "a",
      database: "d",
      collection: "c",
      desired: {},
      timestamps: true,
      onConflict: "fail",
      source: "a.yaml",
    };
    await assert.rejects(
      provider.create(inputs),
      new RegExp(
        String.raw`^RecordStoreError: registry database settings: mcp-gateway-access:mong` +
          String.raw`odbPort must be a TCP port number, not "x"$`,
      ),
    );
    await recordProvider.close(); // the same module the serialized provider loaded
  });

  it("stores a few lines that load the implementation by module path, not the implementation's closure", async () => {
    declared.length = 0;
    new ScopeStore("small", { model: model(false), idp: "keycloak", database: "d", namespace: "n" });
    await settled();
    const records = declared.filter((d) => d.type.startsWith("pulumi-nodejs:dynamic/"));
    assert.deepEqual(records.map((r) => r.name).sort(), ["small-m2m-bot", "small-scope-a"]);
    for (const r of records) {
      const text = String(r.inputs.__provider);
      assert.ok(text.length < 600, `the serialized provider of ${r.name} is ${text.length} characters`);
      assert.match(text, /components\/scopes\/provider/);
      assert.doesNotMatch(text, /mergeOutsideAdditions|createIndex/, "the implementation is loaded, not serialized");
    }
  });
});
