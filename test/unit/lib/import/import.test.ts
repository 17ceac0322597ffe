/** `mcp-access import`: what a registry snapshot becomes (files, findings, settings) and how the command behaves. */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import {
  checkRepository,
  convertSnapshot,
  renderScopeDocument,
  type ImportSnapshot,
  type SnapshotClient,
} from "../../../../lib";
import { runImport, type ImportFlags, type ImportReaders } from "../../../../cli/import";
import { failureOf, run } from "../../../../cli/main";
import { isMcpAccessError } from "../../../../lib";
import { makeRepo } from "../../../support/repo";

const T0 = new Date("2026-01-01T00:00:00Z");
const scope = (name: string, extra: Record<string, unknown> = {}) => ({
  _id: name,
  scope_type: "group",
  description: `${name} people`,
  server_access: [{ server: "currenttime", methods: ["initialize", "tools/list", "tools/call"], tools: ["now"] }],
  group_mappings: [name],
  ui_permissions: { list_service: ["currenttime"] },
  agent_access: [],
  is_idp_managed: true,
  created_at: T0,
  updated_at: T0,
  ...extra,
});
const m2mClient = (clientId: string, groups: string[], extra: Partial<SnapshotClient> = {}): SnapshotClient => ({
  clientId,
  name: clientId,
  description: `Service account for ${clientId}`,
  enabled: true,
  serviceAccountOnly: true,
  groups,
  mappers: ["groups"],
  ...extra,
});

function snapshot(over: Partial<ImportSnapshot> = {}): ImportSnapshot {
  return {
    idp: "keycloak",
    source: "realm r at http://kc",
    namespace: "default",
    groups: [
      { name: "team-a", id: "ga", description: "team-a people", subGroups: [] },
      { name: "lab", id: "gl", subGroups: [] },
      { name: "registry-admins", id: "gr", subGroups: [] },
    ],
    users: [
      {
        username: "bob",
        email: "bob@example.com",
        firstName: "Bob",
        lastName: "B",
        enabled: true,
        groups: ["team-a", "lab"],
        subGroupPaths: [],
        attributes: [],
      },
      {
        username: "alice",
        email: "alice@example.com",
        firstName: "Alice",
        lastName: "A",
        enabled: false,
        groups: ["team-a", "registry-admins"],
        subGroupPaths: [],
        attributes: [],
      },
    ],
    clients: [
      m2mClient("bot", ["team-a"], { secret: "do-not-copy" } as Partial<SnapshotClient>),
      m2mClient("mcp-gateway-m2m", ["team-a"]),
      m2mClient("web", [], { serviceAccountOnly: false }),
      m2mClient("admin-cli", [], { serviceAccountOnly: false }),
    ],
    scopes: [
      scope("team-a"),
      {
        _id: "registry-admins",
        group_mappings: ["registry-admins"],
        server_access: [{ server: "*", methods: ["all"], tools: ["all"] }],
      },
    ],
    m2mRecords: [
      {
        client_id: "bot",
        name: "bot",
        description: null,
        groups: ["team-a"],
        enabled: true,
        provider: "keycloak",
        idp_app_id: "bot",
        created_at: T0,
        updated_at: T0,
      },
    ],
    ...over,
  };
}

const text = (r: ReturnType<typeof convertSnapshot>, path: string) =>
  r.files.find((f) => f.path === path)?.text ?? assert.fail(`no ${path}`);

describe("import: a snapshot becomes definitions", () => {
  it("writes one file per object, sorted, with the schema header, leaving defaults out", () => {
    const r = convertSnapshot(snapshot());
    assert.deepEqual(
      r.files.map((f) => f.path),
      ["groups/team-a.yaml", "m2m/bot.yaml", "users/alice.yaml", "users/bob.yaml"],
    );
    for (const f of r.files)
      assert.ok(f.text.startsWith(`# yaml-language-server: $schema=../schemas/${f.kind}.schema.json\n`));
    assert.deepEqual(parse(text(r, "groups/team-a.yaml")), {
      scope_name: "team-a",
      description: "team-a people",
      server_access: [{ server: "currenttime", methods: ["initialize", "tools/list", "tools/call"], tools: ["now"] }],
      ui_permissions: { list_service: ["currenttime"] },
      create_in_idp: true,
    });
    assert.deepEqual(parse(text(r, "m2m/bot.yaml")), { name: "bot", groups: ["team-a"] });
    assert.deepEqual(parse(text(r, "users/alice.yaml")), {
      username: "alice",
      email: "alice@example.com",
      first_name: "Alice",
      last_name: "A",
      groups: ["team-a", "registry-admins"],
      enabled: false,
    });
    assert.ok(
      r.files.every((f) => !f.text.includes("do-not-copy")),
      "no secret in any file",
    );
  });

  it("the written group renders to the stored document, byte for byte in its business fields", () => {
    const r = convertSnapshot(snapshot());
    const root = makeRepo(Object.fromEntries(r.files.map((f) => [f.path, f.text])));
    const checked = checkRepository(root, { existingGroups: r.settings.existingGroups });
    assert.ok(checked.ok, JSON.stringify(checked.errors));
    const { created_at: _c, updated_at: _u, ...stored } = scope("team-a");
    assert.deepEqual(renderScopeDocument(checked.model.groups.find((g) => g.name === "team-a")!), stored);
  });

  it(
    "reports groups no scope maps, the bootstrap's scope and client, non-M2M clients and " +
      "Keycloak's own, and lists existingGroups",
    () => {
      const r = convertSnapshot(snapshot());
      const said = r.findings.map((f) => `${f.object} ${f.problem}`);
      assert.ok(
        said.some((s) => /user "bob" is in group "lab", which no scope document maps/.test(s)),
        said.join("\n"),
      );
      assert.ok(said.some((s) => /scope document "registry-admins" is the registry bootstrap's admin scope/.test(s)));
      assert.ok(said.some((s) => /client "mcp-gateway-m2m" is the registry bootstrap's client/.test(s)));
      assert.ok(said.some((s) => /client "web" is not an M2M account/.test(s)));
      assert.ok(said.some((s) => /clients admin-cli are Keycloak's own clients/.test(s)));
      assert.ok(said.some((s) => /have no "mcp-gateway-audience" protocol mapper/.test(s)));
      assert.deepEqual(r.settings, { existingGroups: ["lab", "registry-admins"], keycloakM2MAudienceMapper: false });
      assert.ok(
        r.findings.every((f) => f.action.length > 0),
        "each finding says what to do",
      );
    },
  );

  it("does not write the registry's seed scopes as groups (init-mongodb-ce.py upserts them on every run)", () => {
    const seeded = { group_mappings: ["registry-admins", "mcp-registry-admin"], server_access: [] };
    const scopes = [...snapshot().scopes, { _id: "mcp-servers-unrestricted/read", ...seeded }];
    const r = convertSnapshot(snapshot({ scopes }));
    assert.equal(
      r.files.some((f) => f.path.includes("unrestricted")),
      false,
    );
    const said = r.findings.map((f) => `${f.object} ${f.problem}: ${f.action}`);
    assert.ok(
      said.some((x) => /"mcp-servers-unrestricted\/read" is a seed the registry upserts.*bootstrap: true/.test(x)),
    );
  });

  it("reports unknown document fields and rules the schema refuses, and leaves the refused rule out", () => {
    const r = convertSnapshot(
      snapshot({
        scopes: [
          scope("team-a", {
            created_by: "ui",
            server_access: [
              { server: "x", methods: ["initialize"] },
              { server: "y", verbs: ["GET"] },
            ],
          }),
        ],
      }),
    );
    const said = r.findings.map((f) => `${f.object} ${f.problem} → ${f.action}`);
    assert.ok(
      said.some((s) =>
        /"team-a".*field\(s\) the definitions cannot express: created_by.*onScopeConflictByGroup/.test(s),
      ),
      said.join("\n"),
    );
    assert.ok(
      said.some((s) => /server_access\[1\] .*"verbs".* has a shape the schema refuses/.test(s)),
      said.join("\n"),
    );
    assert.deepEqual(parse(text(r, "groups/team-a.yaml")).server_access, [{ server: "x", methods: ["initialize"] }]);
  });

  it("reports users that cannot be written (no e-mail, no group) and writes none for them", () => {
    const r = convertSnapshot(
      snapshot({
        users: [
          { username: "nomail", enabled: true, groups: ["team-a"], subGroupPaths: [], attributes: [] },
          {
            username: "lonely",
            email: "l@example.com",
            firstName: "L",
            lastName: "N",
            enabled: true,
            groups: [],
            subGroupPaths: [],
            attributes: ["phone"],
          },
        ],
      }),
    );
    assert.deepEqual(
      r.files.filter((f) => f.kind === "users"),
      [],
    );
    const said = r.findings.map((f) => `${f.object} ${f.problem}`).join("\n");
    assert.match(said, /user "nomail" cannot be written as a definition \(email/);
    assert.match(said, /user "lonely" cannot be written as a definition \(groups/);
    assert.match(said, /user "lonely" has attributes \(phone\)/);
  });

  it("reports M2M records that differ from the client, and records without a client", () => {
    const r = convertSnapshot(
      snapshot({
        m2mRecords: [
          {
            client_id: "bot",
            name: "bot",
            description: null,
            groups: ["team-a", "lab"],
            enabled: true,
            provider: "keycloak",
            idp_app_id: "bot",
          },
          { client_id: "ghost", name: "ghost", groups: ["team-a"], enabled: true, provider: "manual" },
        ],
      }),
    );
    const said = r.findings.map((f) => `${f.object} ${f.problem}`).join("\n");
    assert.match(said, /M2M record "bot" lists groups \["team-a","lab"\] but the service account is in \["team-a"\]/);
    assert.match(said, /M2M record "ghost" \(idp_m2m_clients\) describes a client created outside the registry/);
  });

  it("Entra: Object IDs stay in group_mappings, so the stack renders the same document", () => {
    const oid = "11111111-2222-3333-4444-555555555555";
    const r = convertSnapshot(
      snapshot({
        idp: "entra",
        groups: [{ name: "team-a", id: oid, description: "team-a people", subGroups: [] }],
        users: [],
        clients: [],
        m2mRecords: [],
        scopes: [scope("team-a", { group_mappings: ["team-a", oid] })],
      }),
    );
    assert.deepEqual(parse(text(r, "groups/team-a.yaml")).group_mappings, ["team-a", oid]);
    const root = makeRepo(Object.fromEntries(r.files.map((f) => [f.path, f.text])));
    const model = checkRepository(root, { identityProvider: "entra" }).model;
    const group = model.groups[0]!;
    // The stack adds the Object ID it knows; it is there already, so the document is unchanged.
    assert.deepEqual(renderScopeDocument(group, { groupObjectIds: { "team-a": oid } }).group_mappings, ["team-a", oid]);
  });

  it(
    "members of a group whose scope says is_idp_managed false join it as an existing group, and " + "that validates",
    () => {
      const r = convertSnapshot(
        snapshot({ scopes: [scope("team-a", { is_idp_managed: false })], clients: [], m2mRecords: [] }),
      );
      assert.equal(parse(text(r, "groups/team-a.yaml")).create_in_idp, false);
      assert.ok(r.settings.existingGroups.includes("team-a"));
      const root = makeRepo(Object.fromEntries(r.files.map((f) => [f.path, f.text])));
      const checked = checkRepository(root, { existingGroups: r.settings.existingGroups });
      assert.ok(checked.ok, JSON.stringify(checked.errors));
    },
  );

  it("scope names with a slash get a file name without one", () => {
    const r = convertSnapshot(
      snapshot({
        scopes: [scope("mcp-servers-restricted/read", { is_idp_managed: false })],
        users: [],
        clients: [],
        m2mRecords: [],
      }),
    );
    assert.deepEqual(
      r.files.map((f) => f.path),
      ["groups/mcp-servers-restricted_read.yaml"],
    );
  });
});

describe("mcp-access import (command)", () => {
  const readers = (s = snapshot()): ImportReaders => ({
    keycloak: async () => ({ groups: s.groups, users: s.users, clients: s.clients }),
    entra: async () => ({ groups: [], users: [], clients: [] }),
    database: async () => ({ scopes: s.scopes, m2mRecords: s.m2mRecords }),
  });
  const flags = (over: Partial<ImportFlags>): ImportFlags => ({
    keycloakUrl: "http://kc",
    realm: "r",
    mongodb: "mongodb://db",
    database: "mcp_registry",
    namespace: "default",
    ...over,
  });
  async function go(f: ImportFlags, r = readers()) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runImport(f, { out: (s) => out.push(s), err: (s) => err.push(s) }, r);
    return { code, out: out.join("\n"), err: err.join("\n") };
  }

  it("writes the files, prints the settings they need and the findings; exit 0", async () => {
    const dir = makeRepo({});
    const r = await go(flags({ out: dir }));
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(readdirSync(join(dir, "users")).sort(), ["alice.yaml", "bob.yaml"]);
    assert.match(r.out, /wrote 1 group, 2 users, 1 M2M account from realm r at http:\/\/kc/);
    assert.match(r.out, /pulumi config set mcp-gateway-access:keycloakRealm r/);
    assert.match(r.out, /pulumi config set mcp-gateway-access:existingGroups '\["lab","registry-admins"\]'/);
    assert.match(r.out, /not expressible in the definitions/);
  });

  it("--dry-run prints the files and writes nothing", async () => {
    const dir = join(makeRepo({}), "new");
    const r = await go(flags({ out: dir, dryRun: true }));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /would write 1 group, 2 users, 1 M2M account/);
    assert.match(r.out, /--- .*users\/bob\.yaml\n# yaml-language-server/);
    assert.equal(existsSync(dir), false);
  });

  it("refuses to overwrite existing files, naming them; exit 1 and nothing written", async () => {
    const dir = makeRepo({ "users/bob.yaml": "mine\n" });
    const r = await go(flags({ out: dir })).catch((e: Error) => ({
      code: isMcpAccessError(e) ? failureOf(e).exitCode : -1,
      out: "",
      err: e.message,
    }));
    assert.equal(r.code, 1);
    assert.match(r.err, /users\/bob\.yaml/);
    assert.equal(readFileSync(join(dir, "users/bob.yaml"), "utf8"), "mine\n");
    assert.equal(existsSync(join(dir, "groups")), false);
  });

  it("usage errors say what is missing, without a stack trace (exit 2)", async () => {
    for (const [args, message] of [
      [["import", "--mongodb", "mongodb://x", "--out", "o"], /name one identity provider/],
      [
        ["import", "--keycloak-url", "http://kc", "--mongodb", "mongodb://x", "--out", "o"],
        /both --keycloak-url and --realm/,
      ],
      [["import", "--keycloak-url", "http://kc", "--realm", "r", "--out", "o"], /--mongodb <uri> is required/],
      [
        ["import", "--keycloak-url", "http://kc", "--realm", "r", "--mongodb", "mongodb://x"],
        /--out <dir> is required/,
      ],
      [
        [
          "import",
          "--keycloak-url",
          "http://kc",
          "--realm",
          "r",
          "--mongodb",
          "mongodb://x",
          "--out",
          "o",
          "--namespace",
          "a b",
        ],
        /namespace/,
      ],
    ] as const) {
      const out: string[] = [];
      const err: string[] = [];
      const code = await run([...args], { out: (s) => out.push(s), err: (s) => err.push(s) });
      assert.equal(code, 2, `${args.join(" ")}: ${err.join("\n")}`);
      assert.match(err.join("\n"), message);
      assert.doesNotMatch(err.join("\n"), /\n\s+at /);
    }
  });

  it("exits 1 when what it would write does not validate, and says so", async () => {
    const s = snapshot({
      users: [
        {
          username: "Bad Name",
          email: "b@example.com",
          firstName: "B",
          lastName: "N",
          enabled: true,
          groups: ["team-a"],
          subGroupPaths: [],
          attributes: [],
        },
      ],
    });
    const dir = makeRepo({});
    const r = await go(flags({ out: dir }), readers(s));
    assert.equal(r.code, 1);
    assert.match(r.err, /^users\/Bad_Name\.yaml:\d+:\d+: error: username/m);
    assert.match(r.err, /the written definitions have 1 error/);
  });
});

describe("import against hostile input (issue 23, items 10 and 13)", () => {
  const readersOf = (s: ImportSnapshot, seen: string[] = []): ImportReaders => ({
    keycloak: async () => ({ groups: s.groups, users: s.users, clients: s.clients }),
    entra: async () => ({ groups: [], users: [], clients: [] }),
    database: async (uri) => {
      seen.push(uri);
      return { scopes: s.scopes, m2mRecords: s.m2mRecords };
    },
  });
  const base = (over: Partial<ImportFlags>): ImportFlags => ({
    keycloakUrl: "http://kc",
    realm: "r",
    mongodb: "mongodb://db",
    database: "mcp_registry",
    namespace: "default",
    ...over,
  });
  async function go(f: ImportFlags, s = snapshot(), env: NodeJS.ProcessEnv = {}, seen: string[] = []) {
    const out: string[] = [];
    const err: string[] = [];
    try {
      const code = await runImport(f, { out: (x) => out.push(x), err: (x) => err.push(x) }, readersOf(s, seen), env);
      return { code, out: out.join("\n"), err: err.join("\n") };
    } catch (e) {
      return { code: isMcpAccessError(e) ? failureOf(e).exitCode : -1, out: out.join("\n"), err: (e as Error).message };
    }
  }

  it("refuses two scopes that would be written to one file, and writes nothing", async () => {
    const s = snapshot({
      groups: [
        ...snapshot().groups,
        { name: "team/read", id: "g1", subGroups: [] },
        { name: "team_read", id: "g2", subGroups: [] },
      ],
      scopes: [...snapshot().scopes, scope("team/read"), scope("team_read")],
    });
    const dir = makeRepo({});
    const r = await go(base({ out: dir }), s);
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /scope "team\/read" and scope "team_read" would both be written to groups\/team_read\.yaml/);
    assert.deepEqual(readdirSync(dir), []);
  });

  it("never writes through a symbolic link in --out, dangling or not", async () => {
    const { symlinkSync, mkdirSync } = await import("node:fs");
    const target = join(makeRepo({}), "stolen.yaml");
    const dir = makeRepo({});
    mkdirSync(join(dir, "users"));
    symlinkSync(target, join(dir, "users", "bob.yaml"));
    const r = await go(base({ out: dir }));
    assert.equal(r.code, 1);
    assert.match(r.err, /users\/bob\.yaml/);
    assert.equal(existsSync(target), false, "nothing written through the dangling link");
    const elsewhere = makeRepo({});
    const dir2 = makeRepo({});
    symlinkSync(elsewhere, join(dir2, "groups"));
    const r2 = await go(base({ out: dir2 }));
    assert.equal(r2.code, 1);
    assert.match(r2.err, /groups is a symbolic link; import never writes through one/);
    assert.deepEqual(readdirSync(elsewhere), []);
  });

  it("refuses a password in --mongodb, pointing at the environment variables", async () => {
    const r = await go(base({ out: makeRepo({}), mongodb: "mongodb://admin:s3cret@db:27017/?authSource=admin" }));
    assert.equal(r.code, 2);
    assert.match(r.err, /--mongodb holds a password, .* set MONGODB_CONNECTION_STRING .* DOCUMENTDB_PASSWORD/);
    assert.doesNotMatch(r.err, /s3cret/);
  });

  it("takes the password from DOCUMENTDB_PASSWORD, or the whole string from MONGODB_CONNECTION_STRING", async () => {
    const seen: string[] = [];
    const a = await go(
      base({ out: makeRepo({}), mongodb: "mongodb://admin@db1:27017,db2:27017/?replicaSet=rs" }),
      snapshot(),
      { DOCUMENTDB_PASSWORD: "p@ss:w/rd" },
      seen,
    );
    assert.equal(a.code, 0, a.err);
    assert.equal(seen.pop(), "mongodb://admin:p%40ss%3Aw%2Frd@db1:27017,db2:27017/?replicaSet=rs");
    const b = await go(
      base({ out: makeRepo({}), mongodb: undefined }),
      snapshot(),
      { MONGODB_CONNECTION_STRING: "mongodb://u:p@db/" },
      seen,
    );
    assert.equal(b.code, 0, b.err);
    assert.equal(seen.pop(), "mongodb://u:p@db/");
    assert.doesNotMatch(a.out + a.err + b.out + b.err, /p%40ss|u:p@/);
    const none = await go(base({ out: makeRepo({}), mongodb: undefined }));
    assert.equal(none.code, 2);
    assert.match(none.err, /--mongodb <uri> is required \(without its password; or set MONGODB_CONNECTION_STRING\)/);
  });
});
