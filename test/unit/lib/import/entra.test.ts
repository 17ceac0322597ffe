/**
 * Entra: `mcp-access import` of a tenant the registry's tools filled (through a stand-in for Microsoft Graph),
 * then the program with Pulumi mocks: every object is adopted with Pulumi's `import` option (groups by the
 * Object IDs kept in group_mappings), no password is declared for adopted users, and the scope documents the
 * stack declares are the stored ones, Object IDs included.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { accessProgram } from "../../../../program";
import { readEntraTenant } from "../../../../cli/import-read";
import type { EntraDirectory, GraphApplication, GraphGroup, GraphUser } from "../../../../clients/graph";
import { connectGraph } from "../../../../clients/graph";
import { convertSnapshot, type ImportSnapshot } from "../../../../lib";
import { declared, settled, useMocks } from "../../../support/mocks";
import { makeRepo } from "../../../support/repo";

before(() => useMocks());

const OID = {
  teamA: "0a0a0a0a-0000-4000-8000-00000000000a",
  other: "0b0b0b0b-0000-4000-8000-00000000000b",
  alice: "1a1a1a1a-0000-4000-8000-00000000001a",
  carl: "1c1c1c1c-0000-4000-8000-00000000001c",
  app: "2a2a2a2a-0000-4000-8000-00000000002a",
  sp: "3a3a3a3a-0000-4000-8000-00000000003a",
  gw: "2b2b2b2b-0000-4000-8000-00000000002b",
};

/** A tenant as create_human_user / create_service_principal_client and import-group leave it. */
function tenant(): EntraDirectory & { calls: string[] } {
  const groups: GraphGroup[] = [
    { id: OID.teamA, displayName: "team-a", description: "Team A" },
    { id: OID.other, displayName: "all-staff", description: null },
  ];
  const users: GraphUser[] = [
    {
      id: OID.alice,
      userPrincipalName: "alice@contoso.example",
      mail: "alice@contoso.example",
      givenName: "Alice",
      surname: "A",
      accountEnabled: true,
    },
    {
      id: OID.carl,
      userPrincipalName: "carl@contoso.example",
      mail: "carl@contoso.example",
      givenName: "Carl",
      surname: "C",
      accountEnabled: true,
    },
  ];
  const apps: GraphApplication[] = [
    { id: OID.app, appId: "app-id-bot", displayName: "bot", description: "Service account for bot" },
    { id: OID.gw, appId: "app-id-gw", displayName: "mcp-gateway", description: null },
  ];
  const memberOf: Record<string, string[]> = {
    [OID.alice]: [OID.teamA, OID.other],
    [OID.carl]: [OID.other],
    [OID.sp]: [OID.teamA],
  };
  const calls: string[] = [];
  return {
    calls,
    groupsNamed: async (n) => groups.filter((g) => g.displayName === n),
    groupById: async (id) => (calls.push(`group:${id}`), groups.find((g) => g.id === id)),
    securityGroups: async () => groups,
    userByUpn: async (upn) => users.find((u) => u.userPrincipalName === upn),
    users: async () => users,
    applicationsNamed: async (n) => apps.filter((a) => a.displayName === n),
    applications: async () => apps,
    servicePrincipalOf: async (appId) =>
      appId === "app-id-bot" ? { id: OID.sp, accountEnabled: true } : { id: "sp-gw", accountEnabled: true },
    memberIds: async (gid) =>
      new Set(
        Object.entries(memberOf)
          .filter(([, gs]) => gs.includes(gid))
          .map(([id]) => id),
      ),
    memberOf: async (id) => memberOf[id] ?? [],
  };
}

const T0 = new Date("2026-01-01T00:00:00Z");
const teamADoc = {
  _id: "team-a",
  scope_type: "group",
  description: "Team A",
  server_access: [{ server: "currenttime", methods: ["initialize", "tools/list"] }],
  // import_group stores the name; the registry's Entra setup adds the group's Object ID (tokens carry it).
  group_mappings: ["team-a", OID.teamA],
  ui_permissions: { list_service: ["currenttime"] },
  agent_access: [],
  is_idp_managed: true,
  created_at: T0,
  updated_at: T0,
};

describe("import from Entra ID, then the program with mocks", () => {
  it(
    "reads the tenant through Graph, writes the registry's principals only, and keeps Object IDs " +
      "in group_mappings",
    async () => {
      const dir = tenant();
      const identity = await readEntraTenant(
        "tenant-1",
        { AZURE_CLIENT_ID: "reader", AZURE_CLIENT_SECRET: "s" },
        async () => dir,
      );
      const snapshot: ImportSnapshot = {
        idp: "entra",
        source: "tenant tenant-1",
        namespace: "default",
        ...identity,
        scopes: [teamADoc],
        m2mRecords: [],
      };
      const r = convertSnapshot(snapshot);
      assert.deepEqual(
        r.files.map((f) => f.path),
        ["groups/team-a.yaml", "m2m/bot.yaml", "users/alice@contoso.example.yaml"],
      );
      assert.match(r.files[0]!.text, new RegExp(`group_mappings:\\n  - team-a\\n  - ${OID.teamA}`));
      const said = r.findings.map((f) => `${f.object} ${f.problem}`).join("\n");
      assert.match(
        said,
        /1 user\(s\) and 1 application\(s\) of the tenant are in no group a scope document has or maps/,
      );
      assert.match(said, /client "bot" has client secrets whose values Entra never returns/);
      assert.deepEqual(r.settings.existingGroups, ["all-staff"]);

      const repo = makeRepo(Object.fromEntries(r.files.map((f) => [f.path, f.text])));
      pulumi.runtime.setAllConfig({
        "mcp-gateway-access:definitionsDir": repo,
        "mcp-gateway-access:identityProvider": "entra",
        "mcp-gateway-access:entraGatewayClientId": "app-id-gw",
        "mcp-gateway-access:entraSecretEndDate": "2027-06-30T00:00:00Z",
        "mcp-gateway-access:existingGroups": JSON.stringify(r.settings.existingGroups),
      });
      declared.length = 0;
      await accessProgram(undefined, { readState: async () => [], connectEntra: async () => dir });
      await settled();
      const byType = (t: string) => declared.filter((d) => d.type === `azuread:index/${t}`);
      // The group is the one whose Object ID the definition keeps (found by id, not by its name).
      assert.deepEqual(
        byType("group:Group").map((d) => d.importId),
        [`/groups/${OID.teamA}`],
      );
      assert.ok(dir.calls.includes(`group:${OID.teamA}`));
      const [alice] = byType("user:User");
      assert.equal(alice?.importId, `/users/${OID.alice}`);
      assert.equal(alice?.inputs.password, undefined, "an adopted user keeps the password it has");
      assert.equal(alice?.inputs.forcePasswordChange, undefined);
      assert.deepEqual(
        byType("application:Application").map((d) => d.importId),
        [`/applications/${OID.app}`],
      );
      assert.deepEqual(
        byType("servicePrincipal:ServicePrincipal").map((d) => d.importId),
        [`/servicePrincipals/${OID.sp}`],
      );
      assert.deepEqual(
        byType("groupMember:GroupMember")
          .map((d) => d.importId)
          .sort(),
        [
          `${OID.other}/member/${OID.alice}`,
          `${OID.teamA}/member/${OID.alice}`,
          `${OID.teamA}/member/${OID.sp}`,
        ].sort(),
      );
      // Entra never returns a secret: the one thing created is a new client secret.
      assert.deepEqual(
        byType("applicationPassword:ApplicationPassword").map((d) => d.importId),
        [undefined],
      );
      // The document the stack declares is the stored one: the Object ID is kept, not added twice.
      const doc = declared.find((d) => d.type.endsWith(":ScopeDocument"))!;
      const { _id, created_at: _c, updated_at: _u, ...stored } = teamADoc;
      assert.deepEqual(doc.inputs.desired, stored);
    },
  );

  it(
    "a user the state holds without a password (imported earlier) gets none on later runs; nothing " +
      "is asked of Graph",
    async () => {
      const repo = makeRepo({
        "groups/team-a.yaml": `scope_name: team-a\ngroup_mappings: [team-a, ${OID.teamA}]\n`,
        "users/alice.yaml":
          "username: alice@contoso.example\nemail: alice@contoso.example\nfirst_name: " +
          "Alice\nlast_name: A\ngroups: [team-a]\n",
      });
      pulumi.runtime.setAllConfig({
        "mcp-gateway-access:definitionsDir": repo,
        "mcp-gateway-access:identityProvider": "entra",
        "mcp-gateway-access:entraGatewayClientId": "gw",
        "mcp-gateway-access:entraSecretEndDate": "2027-06-30T00:00:00Z",
      });
      const state = [
        { type: "azuread:index/group:Group", urn: "urn:x::entra-group-team-a", outputs: { displayName: "team-a" } },
        {
          type: "azuread:index/user:User",
          urn: "urn:x::entra-user-alice@contoso.example",
          outputs: { userPrincipalName: "alice@contoso.example", password: null },
        },
        {
          type: "azuread:index/groupMember:GroupMember",
          urn: "urn:x::entra-member-user-alice@contoso.example-team-a",
          outputs: {},
        },
      ];
      declared.length = 0;
      await accessProgram(undefined, {
        readState: async () => state,
        connectEntra: async () => assert.fail("must not connect"),
      });
      await settled();
      const alice = declared.find((d) => d.type === "azuread:index/user:User")!;
      assert.equal(alice.importId, undefined);
      assert.equal(alice.inputs.password, undefined);
      assert.equal(declared.filter((d) => d.type.endsWith(":GeneratedSecret")).length, 0);
      // Positive control: a user the state holds with a password (created by the stack) gets one from the seed.
      const created = state.map((r) =>
        r.type === "azuread:index/user:User" ? { ...r, outputs: { ...r.outputs, password: "from-the-seed" } } : r,
      );
      declared.length = 0;
      await accessProgram(undefined, {
        readState: async () => created,
        connectEntra: async () => assert.fail("must not connect"),
      });
      await settled();
      const seeded = declared.find((d) => d.type === "azuread:index/user:User")!;
      assert.equal(typeof seeded.inputs.password, "string");
      assert.equal(declared.filter((d) => d.type.endsWith(":GeneratedSecret")).length, 1);
    },
  );

  it("Graph: client credentials, filters quoted, pages followed, errors named", async () => {
    const seen: string[] = [];
    const fake = (async (url: string | URL | Request, init?: RequestInit) => {
      const u = String(url);
      seen.push(`${init?.method ?? "GET"} ${decodeURIComponent(u)}`);
      if (u.includes("/oauth2/v2.0/token")) return new Response(JSON.stringify({ access_token: "t" }), { status: 200 });
      if (u.includes("/groups?") && !u.includes("skip"))
        return new Response(
          JSON.stringify({
            value: [{ id: "g1", displayName: "o'brien" }],
            "@odata.nextLink": "https://graph.microsoft.com/v1.0/groups?skip=1",
          }),
          { status: 200 },
        );
      if (u.includes("skip=1"))
        return new Response(JSON.stringify({ value: [{ id: "g2", displayName: "o'brien" }] }), { status: 200 });
      return new Response("nope", { status: 403 });
    }) as typeof fetch;
    const dir = await connectGraph({ tenantId: "t1", clientId: "c", clientSecret: "s" }, fake);
    assert.deepEqual(
      (await dir.groupsNamed("o'brien")).map((g) => g.id),
      ["g1", "g2"],
    );
    assert.ok(
      seen.some((s) => s.includes("displayName eq 'o''brien' and securityEnabled eq true")),
      seen.join("\n"),
    );
    await assert.rejects(dir.users(), /Microsoft Graph \/users: HTTP 403/);
    const refused = (async () =>
      new Response(
        JSON.stringify({ error: "invalid_client", error_description: "AADSTS7000215: Invalid client secret" }),
        { status: 401 },
      )) as typeof fetch;
    await assert.rejects(
      connectGraph({ tenantId: "t1", clientId: "c", clientSecret: "s" }, refused),
      /cannot sign in to Entra ID tenant t1 as c: AADSTS7000215/,
    );
  });
});
