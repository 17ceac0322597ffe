/**
 * `import` of a realm set up by upstream's init-keycloak.sh: the bootstrap admin is no user file, the settings that
 * reproduce the stock clients are printed, and what the first `up` with `bootstrap: true` still changes is listed.
 * The realms are the scripts' own bodies (test/fixtures/registry/init-keycloak-*), as Keycloak reports them back.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import {
  bootstrapCommands,
  checkRepository,
  convertSnapshot,
  type ImportSnapshot,
  type SnapshotClient,
} from "../../../../lib";
import { runImport, type ImportReaders } from "../../../../cli/import";
import { FIXTURES } from "../../../support/paths";
import { makeRepo } from "../../../support/repo";

type Body = Record<string, unknown>;
const bodies = (revision: string) =>
  JSON.parse(readFileSync(join(FIXTURES, "registry", `init-keycloak-${revision}`, "bodies.json"), "utf8")) as Record<
    string,
    Body
  >;

/** A client as Keycloak reports the script's body back: the lists as sets, fullScopeAllowed defaulting to true. */
function client(body: Body, mappers: string[]): SnapshotClient {
  return {
    clientId: String(body.clientId),
    name: body.name as string,
    enabled: true,
    serviceAccountOnly: body.serviceAccountsEnabled === true && body.standardFlowEnabled !== true,
    groups: [],
    mappers,
    ...(body.description === undefined ? {} : { description: String(body.description) }),
    redirectUris: [...new Set((body.redirectUris as string[] | undefined) ?? [])],
    postLogoutRedirectUris: String(
      (body.attributes as Record<string, string> | undefined)?.["post.logout.redirect.uris"] ?? "",
    )
      .split("##")
      .filter(Boolean),
    webOrigins: [...new Set((body.webOrigins as string[] | undefined) ?? [])],
    fullScopeAllowed: body.fullScopeAllowed !== false,
  };
}

/** The realm 8c5b834b's script leaves: its groups, the admin in two of them, a user of the registry's tools. */
function upstream8c5b(): ImportSnapshot {
  const b = bodies("8c5b834b");
  const admin = b.adminUser!;
  return {
    idp: "keycloak",
    source: "realm mcp-gateway at http://kc",
    namespace: "default",
    groups: (b.groups as unknown as string[]).map((name) => ({ name, id: `id-${name}`, subGroups: [] })),
    users: [
      {
        username: String(admin.username),
        email: String(admin.email),
        firstName: String(admin.firstName),
        lastName: String(admin.lastName),
        enabled: true,
        emailVerified: true,
        groups: b.adminGroups as unknown as string[],
        subGroupPaths: [],
        attributes: [],
      },
      {
        username: "dana",
        email: "dana@example.com",
        firstName: "Dana",
        lastName: "D",
        enabled: true,
        emailVerified: true,
        groups: ["mcp-registry-admin"],
        subGroupPaths: [],
        attributes: [],
      },
    ],
    clients: [client(b.webClient!, ["groups"]), client(b.m2mClient!, ["groups"])],
    scopes: [{ _id: "mcp-registry-admin", group_mappings: ["mcp-registry-admin"], server_access: [] }],
    m2mRecords: [],
    realmSettings: { ...b.realm, bruteForceProtected: false, failureFactor: 30, permanentLockout: false },
  };
}

/**
 * The realm 1.31.0's script leaves, with its `REGISTRY_URL` and `AUTH_SERVER_EXTERNAL_URL`: its groups and admin are
 * 8c5b834b's (`create_groups`, `create_users` unchanged), the M2M client has only the `groups` mapper.
 */
function upstream131(): ImportSnapshot {
  const b = bodies("1320f022");
  const s = upstream8c5b();
  return {
    ...s,
    users: [{ ...s.users[0]!, groups: b.adminGroups as unknown as string[] }],
    clients: [client(b.webClient!, ["groups"]), client(b.m2mClient!, ["groups"])],
    realmSettings: b.realm,
  };
}

const ADMIN_GROUPS =
  "pulumi config set mcp-gateway-access:bootstrapAdminGroups " + `'["mcp-registry-admin","mcp-servers-unrestricted"]'`;

const said = (list: ReadonlyArray<{ object: string; problem: string }>) => list.map((f) => `${f.object} ${f.problem}`);

describe("import: the registry's Keycloak bootstrap", () => {
  it("writes no file for the bootstrap's admin, and prints it as the bootstrap settings", () => {
    const r = convertSnapshot(upstream8c5b());
    assert.deepEqual(
      r.files.map((f) => f.path),
      ["users/dana.yaml"],
    );
    assert.ok(said(r.findings).some((s) => /user "admin" is the registry bootstrap's admin/.test(s)));
    assert.deepEqual(bootstrapCommands(r.bootstrap!), [
      "pulumi config set mcp-gateway-access:bootstrap true",
      "pulumi config set mcp-gateway-access:bootstrapRelease 1.30",
      "pulumi config set mcp-gateway-access:bootstrapAdminUsername admin",
      "pulumi config set mcp-gateway-access:bootstrapAdminEmail admin@example.com",
      ADMIN_GROUPS,
    ]);
    // Its M2M client gets the audience from the basic scope, as user-create-m2m's clients do.
    assert.equal(r.settings.keycloakM2MAudienceMapper, false);
  });

  it("the written definitions validate with bootstrap: true and the printed settings (no clash with the admin)", () => {
    const r = convertSnapshot(upstream8c5b());
    const root = makeRepo(Object.fromEntries(r.files.map((f) => [f.path, f.text])));
    const bootstrapAdminGroups = ["mcp-registry-admin", "mcp-servers-unrestricted"];
    const options = { bootstrap: true, existingGroups: r.settings.existingGroups, bootstrapAdminGroups };
    const checked = checkRepository(root, options);
    assert.ok(checked.ok, JSON.stringify(checked.errors));
    assert.deepEqual(checked.model?.bootstrapAdmin?.groups, bootstrapAdminGroups);
  });

  it("8c5b834b's realm is matched to bootstrapRelease 1.30: the first up only creates registry-admins", () => {
    const r = convertSnapshot(upstream8c5b());
    assert.deepEqual(said(r.bootstrap!.changes), ['group "registry-admins" is created']);
    assert.ok(r.bootstrap!.changes.every((c) => c.action.length > 0));
    assert.ok(
      said(r.findings).some((s) => /the realm and its stock clients were made by upstream's bootstrap before/.test(s)),
    );
  });

  it("1.30 leaves the realm's brute-force detection to Keycloak: one turned on by hand is no change", () => {
    const s = upstream8c5b();
    const r = convertSnapshot({ ...s, realmSettings: { ...s.realmSettings, bruteForceProtected: true } });
    assert.ok(bootstrapCommands(r.bootstrap!).includes("pulumi config set mcp-gateway-access:bootstrapRelease 1.30"));
    assert.deepEqual(said(r.bootstrap!.changes), ['group "registry-admins" is created']);
  });

  it("a realm of 1.31.0's script: the default release, the URLs behind its redirect URIs, no change", () => {
    const r = convertSnapshot(upstream131());
    assert.deepEqual(bootstrapCommands(r.bootstrap!), [
      "pulumi config set mcp-gateway-access:bootstrap true",
      "pulumi config set mcp-gateway-access:registryUrl https://registry.example.com",
      "pulumi config set mcp-gateway-access:authServerUrl https://auth.example.com",
      "pulumi config set mcp-gateway-access:bootstrapAdminUsername admin",
      "pulumi config set mcp-gateway-access:bootstrapAdminEmail admin@example.com",
      ADMIN_GROUPS,
    ]);
    assert.deepEqual(said(r.bootstrap!.changes), ['group "registry-admins" is created']);
  });

  it("what neither release's script made is listed against the nearest one", () => {
    const s = upstream131();
    const [web, m2m] = s.clients;
    const r = convertSnapshot({
      ...s,
      clients: [
        { ...web!, fullScopeAllowed: true },
        { ...m2m!, name: "renamed" },
      ],
      users: [{ ...s.users[0]!, emailVerified: false }],
      groups: [...s.groups, { name: "registry-admins", id: "ra", subGroups: [] }],
      realmSettings: { ...s.realmSettings, failureFactor: 3 },
    });
    assert.deepEqual(said(r.bootstrap!.changes), [
      "the realm failureFactor: 3 => 5",
      'client "mcp-gateway-web" fullScopeAllowed: true => false',
      'client "mcp-gateway-m2m" name: "renamed" => "MCP Gateway M2M Client"',
      'user "admin" emailVerified: false => true',
    ]);
  });

  it("an admin renamed since is reproduced by its names' settings, not changed back", () => {
    const s = upstream131();
    const r = convertSnapshot({ ...s, users: [{ ...s.users[0]!, firstName: "Ada", lastName: "Ops" }] });
    const commands = bootstrapCommands(r.bootstrap!);
    assert.ok(
      commands.includes("pulumi config set mcp-gateway-access:bootstrapAdminFirstName Ada"),
      commands.join("\n"),
    );
    assert.ok(commands.includes("pulumi config set mcp-gateway-access:bootstrapAdminLastName Ops"));
    assert.deepEqual(said(r.bootstrap!.changes), ['group "registry-admins" is created']);
  });

  it("redirect URIs the defaults do not derive are printed as webRedirectUris", () => {
    const s = upstream131();
    const web = { ...s.clients[0]!, redirectUris: [...s.clients[0]!.redirectUris!, "https://other.example.com/*"] };
    const r = convertSnapshot({ ...s, clients: [web, s.clients[1]!] });
    const line = bootstrapCommands(r.bootstrap!).find((c) => c.includes("webRedirectUris"));
    assert.match(line ?? "", /webRedirectUris '\[.*"https:\/\/other\.example\.com\/\*"\]'$/);
  });

  it("a realm without the bootstrap's two clients has no bootstrap, and its user admin is written", () => {
    const s = upstream8c5b();
    const r = convertSnapshot({ ...s, clients: [s.clients[0]!] });
    assert.equal(r.bootstrap, undefined);
    assert.ok(r.files.some((f) => f.path === "users/admin.yaml"));
  });

  it("prints the bootstrap settings and the changes after the report", async () => {
    const out: string[] = [];
    const readers: ImportReaders = {
      keycloak: async () => upstream8c5b(),
      entra: async () => assert.fail("not Entra"),
      database: async () => ({ scopes: upstream8c5b().scopes, m2mRecords: [] }),
    };
    const flags = { keycloakUrl: "http://kc", realm: "mcp-gateway", database: "mcp_registry", namespace: "default" };
    const code = await runImport(
      { ...flags, mongodb: "mongodb://db", dryRun: true },
      { out: (s) => out.push(s), err: () => undefined },
      readers,
      {},
    );
    assert.equal(code, 0);
    const text = out.join("\n");
    assert.match(
      text,
      /To let the stack manage it, also set:\n {2}pulumi config set mcp-gateway-access:bootstrap true/,
    );
    assert.match(
      text,
      /with bootstrap: true, the first pulumi up still changes \(1\):\n- group "registry-admins" is created/,
    );
  });
});

describe("import: users' email_verified", () => {
  it("is written when true, left out when false; the definition validates", () => {
    const s = upstream8c5b();
    const users = [s.users[1]!, { ...s.users[1]!, username: "erin", email: "erin@example.com", emailVerified: false }];
    const r = convertSnapshot({ ...s, users });
    const file = (name: string) => parse(r.files.find((f) => f.path === `users/${name}.yaml`)!.text);
    assert.equal(file("dana").email_verified, true);
    assert.equal("email_verified" in file("erin"), false);
    assert.ok(!said(r.findings).some((x) => /verified/.test(x)), "no finding: the definitions can say it");
    const root = makeRepo(Object.fromEntries(r.files.map((f) => [f.path, f.text])));
    assert.ok(checkRepository(root, { existingGroups: r.settings.existingGroups }).ok);
  });
});
