/** The registry's documented examples load unchanged and render to the documents the registry stores. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  BOOTSTRAP_SEEDS,
  checkRepository,
  REGISTRY_SEED_IDS,
  registrySeeds,
  renderRegistryDocuments,
  STANDARD_METHODS,
  UI_ACTIONS,
} from "../../../../lib";
import { makeRepo } from "../../../support/repo";
import { FIXTURES, REPO_ROOT } from "../../../support/paths";

const fixture = (name: string) => readFileSync(join(FIXTURES, "registry", name), "utf8");

function render(files: Record<string, string>, idp: "keycloak" | "entra" = "keycloak") {
  const r = checkRepository(makeRepo(files), { existingGroups: ["registry-admins"] });
  assert.deepEqual(r.errors, []);
  return { ...renderRegistryDocuments(r.model, { idp }), warnings: r.warnings };
}

describe("registry scope documents", () => {
  it("renders currenttime-users exactly as import_group stores it", () => {
    const { scopes } = render({ "groups/currenttime-users.json": fixture("currenttime-users.json") });
    assert.equal(
      JSON.stringify(scopes[0]),
      JSON.stringify({
        _id: "currenttime-users",
        scope_type: "group",
        description: "Users with access to currenttime server",
        server_access: [
          {
            server: "currenttime",
            methods: ["initialize", "tools/list", "tools/call"],
            tools: ["current_time_by_timezone"],
          },
        ],
        group_mappings: ["currenttime-users"],
        ui_permissions: { list_service: ["currenttime"], health_check_service: ["currenttime"] },
        agent_access: [],
        is_idp_managed: true,
      }),
    );
  });

  it("keeps every field of public-mcp-users, agent rules and Entra ids included", () => {
    const src = JSON.parse(fixture("public-mcp-users.json"));
    const { scopes } = render({ "groups/p.json": fixture("public-mcp-users.json") });
    const doc = scopes[0]!;
    assert.deepEqual(doc, {
      _id: src.scope_name,
      scope_type: "group",
      description: src.description,
      server_access: src.server_access,
      group_mappings: ["public-mcp-users", "5f605d68-06bc-4208-b992-bb378eee12c5"],
      ui_permissions: src.ui_permissions,
      agent_access: [],
      is_idp_managed: true,
    });
  });

  it("stores virtual-server-scoped-users without custom_scopes, with a warning", () => {
    const src = JSON.parse(fixture("virtual-server-scoped-users.json"));
    const { scopes, warnings } = render({ "groups/v.json": fixture("virtual-server-scoped-users.json") });
    const doc = scopes[0]!;
    assert.deepEqual(Object.keys(doc), [
      "_id",
      "scope_type",
      "description",
      "server_access",
      "group_mappings",
      "ui_permissions",
      "agent_access",
      "is_idp_managed",
    ]);
    assert.deepEqual(
      (doc as { server_access: unknown }).server_access,
      src.server_access,
      "server paths kept with their slashes",
    );
    assert.deepEqual((doc as { ui_permissions: unknown }).ui_permissions, { list_service: [] }, "registry default");
    assert.ok(warnings.some((w) => /custom_scopes/.test(w.message)));
  });

  it("converts the user guide's servers shorthand to real access", () => {
    const { scopes } = render({ "groups/s.json": fixture("seed-guide-my-group.json") });
    const doc = scopes[0] as { server_access: unknown[] };
    assert.deepEqual(doc.server_access, [
      { server: "currenttime", methods: [...STANDARD_METHODS], tools: ["get_current_time"] },
      { server: "mcpgw", methods: [...STANDARD_METHODS], tools: ["*"] },
    ]);
    assert.ok(STANDARD_METHODS.includes("tools/call"));
  });

  it("converts read access without tools/call, with tools: [] (no legacy-shape warning upstream)", () => {
    const { scopes } = render({
      "groups/r.yaml": "scope_name: r\nservers:\n  - server_name: s\n    access_level: read\n",
    });
    const rule = (scopes[0] as { server_access: Array<{ methods: string[] }> }).server_access[0]!;
    assert.deepEqual(rule, { server: "s", methods: STANDARD_METHODS.filter((m) => m !== "tools/call"), tools: [] });
  });

  it("applies the registry's defaults and is_idp_managed from create_in_idp", () => {
    const { scopes } = render({ "groups/x.yaml": "scope_name: x\ncreate_in_idp: false\n" });
    assert.deepEqual(scopes[0], {
      _id: "x",
      scope_type: "group",
      description: "",
      server_access: [],
      group_mappings: ["x"],
      ui_permissions: { list_service: [] },
      agent_access: [],
      is_idp_managed: false,
    });
  });

  it("honours the legacy create_in_keycloak alias", () => {
    const { scopes } = render({ "groups/x.json": JSON.stringify({ scope_name: "x", create_in_keycloak: false }) });
    assert.equal((scopes[0] as { is_idp_managed: boolean }).is_idp_managed, false);
  });

  const seedFile = (name: string) => fixture(`seeds-8c5b834b/${name}.json`);
  /** The document as the file holds it: same keys, same order, same values (JSON.parse keeps key order). */
  const sameAsFile = (doc: unknown, name: string) =>
    assert.equal(JSON.stringify(doc), JSON.stringify(JSON.parse(seedFile(name))), name);

  it("never writes a seed it does not own: none without bootstrap, a definition under a seed's name refused", () => {
    const plain = checkRepository(makeRepo({ "groups/g.yaml": "scope_name: team\n" }), {});
    assert.deepEqual(plain.errors, []);
    const ids = renderRegistryDocuments(plain.model).scopes.map((s) => s._id);
    assert.deepEqual(ids, ["team"], "no seed without bootstrap");
    assert.deepEqual(
      [...REGISTRY_SEED_IDS],
      registrySeeds({ gatewayGenericProxy: false }).map((d) => d._id),
    );
    for (const seed of REGISTRY_SEED_IDS)
      for (const bootstrap of [false, true]) {
        const r = checkRepository(makeRepo({ "groups/s.yaml": `scope_name: ${seed}\n` }), { bootstrap });
        const owned = bootstrap && (BOOTSTRAP_SEEDS as readonly string[]).includes(seed);
        const why = owned ? /the stack manages \(bootstrap: true\)/ : /registry writes itself/;
        assert.ok(
          r.errors.some((e) => why.test(e.message)),
          `${seed}, bootstrap ${bootstrap}: ${r.errors.map((e) => e.message).join("; ")}`,
        );
      }
  });

  it("adds the seeds the bootstrap owns exactly as upstream's files (main@8c5b834b) with bootstrap", () => {
    const r = checkRepository(makeRepo({}), { bootstrap: true });
    const { scopes } = renderRegistryDocuments(r.model);
    const ids = ["mcp-servers-unrestricted/execute", "mcp-servers-unrestricted/read", "registry-admins"];
    assert.deepEqual(
      scopes.map((s) => s._id),
      ids,
    );
    sameAsFile(
      scopes.find((s) => s._id === "registry-admins"),
      "registry-admins",
    );
    sameAsFile(
      scopes.find((s) => s._id === "mcp-servers-unrestricted/read"),
      "mcp-servers-unrestricted-read",
    );
    sameAsFile(
      scopes.find((s) => s._id === "mcp-servers-unrestricted/execute"),
      "mcp-servers-unrestricted-execute",
    );
    const admin = scopes.find((s) => s._id === "registry-admins")!;
    assert.equal(Object.keys(admin.ui_permissions ?? {}).length, 22);
  });

  it("models the seeds the bootstrap does not own exactly as their files", () => {
    const seeds = registrySeeds({ gatewayGenericProxy: false });
    sameAsFile(
      seeds.find((s) => s._id === "mcp-registry-admin"),
      "mcp-registry-admin",
    );
    sameAsFile(
      seeds.find((s) => s._id === "federation-service"),
      "federation-service",
    );
  });

  it("#1732: with the generic proxy on, registry-admins also gets {server: *, methods: [http:*], tools: []}", () => {
    const on = makeRepo({ "mcp-access.yaml": "registry:\n  gatewayGenericProxy: true\n" });
    const r = checkRepository(on, { bootstrap: true });
    const admin = renderRegistryDocuments(r.model).scopes.find((s) => s._id === "registry-admins")!;
    assert.deepEqual(admin.server_access[1], { server: "*", methods: ["http:*"], tools: [] });
    assert.equal(admin.server_access.length, 3);
  });

  it("adds the Entra admin group's Object ID to registry-admins only, as init-mongodb-ce.py does", () => {
    const r = checkRepository(makeRepo({}), { bootstrap: true });
    const ids = { "registry-admins": "oid-admins" };
    const { scopes } = renderRegistryDocuments(r.model, { idp: "entra", groupObjectIds: ids });
    const mappings = (id: string) => scopes.find((s) => s._id === id)!.group_mappings;
    assert.deepEqual(mappings("registry-admins"), ["registry-admins", "oid-admins"]);
    assert.deepEqual(mappings("mcp-servers-unrestricted/read"), ["registry-admins", "mcp-registry-admin"]);
  });

  it("adds Entra Object IDs after the names they belong to", () => {
    const r = checkRepository(makeRepo({ "groups/a.yaml": "scope_name: a\n" }));
    const { scopes } = renderRegistryDocuments(r.model, { idp: "entra", groupObjectIds: { a: "0000-guid" } });
    assert.deepEqual((scopes[0] as { group_mappings: string[] }).group_mappings, ["a", "0000-guid"]);
  });

  it("is sorted and stable whatever the file order", () => {
    const a = render({
      "groups/z.yaml": "scope_name: b\n",
      "groups/a.yaml": "scope_name: c\n",
      "groups/m.yaml": "scope_name: a\n",
    });
    assert.deepEqual(
      a.scopes.map((s) => s._id),
      ["a", "b", "c"],
    );
  });
});

describe("registry M2M records", () => {
  const files = {
    "groups/g.yaml": "scope_name: g\n",
    "m2m/b.yaml": "name: bot-b\ngroups: [g]\n",
    "m2m/a.yaml": "name: bot-a\ngroups: [g, registry-admins]\ndescription: first\nenabled: false\n",
  };

  it("renders Keycloak records as idp_m2m_clients holds them, without timestamps", () => {
    const { m2m_clients } = render(files);
    assert.equal(
      JSON.stringify(m2m_clients),
      JSON.stringify([
        {
          client_id: "bot-a",
          name: "bot-a",
          description: "first",
          groups: ["g", "registry-admins"],
          enabled: false,
          provider: "keycloak",
          idp_app_id: "bot-a",
        },
        {
          client_id: "bot-b",
          name: "bot-b",
          description: null,
          groups: ["g"],
          enabled: true,
          provider: "keycloak",
          idp_app_id: "bot-b",
        },
      ]),
    );
  });

  it("leaves out the ids Entra assigns", () => {
    const { m2m_clients } = render(files, "entra");
    assert.deepEqual(m2m_clients[1], {
      name: "bot-b",
      description: null,
      groups: ["g"],
      enabled: true,
      provider: "entra",
    });
  });
});

describe("the example repository", () => {
  it("validates and renders", () => {
    const r = checkRepository(REPO_ROOT, { existingGroups: ["registry-admins"] });
    assert.deepEqual(r.errors, []);
    assert.ok(r.model.groups.length >= 4 && r.model.users.length >= 2 && r.model.m2m.length >= 2);
    const docs = renderRegistryDocuments(r.model);
    const fininfo = docs.scopes.find((s) => s._id === "fininfo-analysts") as { server_access: unknown[] };
    assert.equal(fininfo.server_access.length, 2, "shorthand converted");
  });
});

describe("the reference's list of UI actions", () => {
  it("names every UI action the registry checks", () => {
    const reference = readFileSync(join(REPO_ROOT, "docs", "definitions.md"), "utf8");
    for (const action of UI_ACTIONS)
      assert.ok(reference.includes(`\`${action}\``), `docs/definitions.md lacks ${action}`);
  });
});
