/**
 * `mcp-access import` runs one importer per kind: what the composition promises beyond each kind's own output
 * (the report in the order the kinds run, what is left alone, the settings it prints, files amended by later kinds).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { convertSnapshot, settingsCommands, type ImportSnapshot } from "../../../../lib";
import { importRateLimits } from "../../../../lib/import/rate-limits";
import { yamlFile } from "../../../../lib/import/files";

const snapshot = (over: Partial<ImportSnapshot> = {}): ImportSnapshot => ({
  idp: "keycloak",
  source: "realm r at http://kc",
  namespace: "default",
  groups: [{ name: "team-a", id: "ga", description: "team-a people", subGroups: [] }],
  users: [],
  clients: [],
  scopes: [
    {
      _id: "team-a",
      description: "team-a people",
      server_access: [],
      group_mappings: ["team-a"],
      ui_permissions: { list_service: [] },
      agent_access: [],
      is_idp_managed: true,
    },
  ],
  m2mRecords: [],
  ...over,
});

describe("import: the kinds together", () => {
  it("reports kind by kind in the order the importers run, whatever the order read", () => {
    const r = convertSnapshot(
      snapshot({
        identityProviders: [{ alias: "gh", providerId: "github", config: {}, mappers: [] }],
        rateLimitMemberships: [{ _id: "user:nobody", subject_type: "user", subject: "nobody", groups: ["gold"] }],
        clients: [
          { clientId: "admin-cli", enabled: true, serviceAccountOnly: false, groups: [], mappers: [] },
          { clientId: "bot", enabled: true, serviceAccountOnly: true, groups: ["team-a"], mappers: ["groups"] },
        ],
        users: [
          {
            username: "ann",
            email: "ann@example.com",
            firstName: "Ann",
            lastName: "A",
            enabled: true,
            groups: ["team-a"],
            subGroupPaths: [],
            attributes: ["phone"],
          },
        ],
        scopes: [{ ...snapshot().scopes[0], created_by: "someone" }],
      }),
    );
    assert.deepEqual(
      r.findings.map((f) => f.object),
      [
        'scope document "team-a" (mcp_scopes_default)',
        'user "ann"',
        'client "bot"',
        "clients admin-cli",
        "1 M2M client(s)",
        'rate-limit membership "user:nobody"',
        'identity provider "gh"',
      ],
    );
    assert.deepEqual(r.settings, { existingGroups: [], keycloakM2MAudienceMapper: false });
  });

  it("reports a group with neither a scope document nor a member it wrote, not one a written member joins", () => {
    const user = (username: string, groups: string[]) => ({
      username,
      email: `${username}@example.com`,
      firstName: "F",
      lastName: "L",
      enabled: true,
      groups,
      subGroupPaths: [],
      attributes: [],
    });
    const r = convertSnapshot(
      snapshot({
        groups: [
          { name: "team-a", id: "ga", description: "team-a people", subGroups: [] },
          { name: "joined", id: "gj", subGroups: [] },
          { name: "empty", id: "ge", subGroups: [] },
          { name: "registry-admins", id: "gr", subGroups: [] },
        ],
        users: [user("ann", ["team-a", "joined"])],
      }),
    );
    const unused = r.findings.filter((f) => /no scope document and no member/.test(f.problem)).map((f) => f.object);
    assert.deepEqual(unused, ['group "empty"']);
    assert.deepEqual(r.settings.existingGroups, ["joined"]);
  });

  it("prints the settings: the realm or the tenant, a database or namespace other than the default", () => {
    const settings = { existingGroups: ["lab"], keycloakM2MAudienceMapper: false as const };
    assert.deepEqual(settingsCommands(settings, { realm: "r", database: "mcp_registry", namespace: "default" }), [
      "pulumi config set mcp-gateway-access:keycloakRealm r",
      `pulumi config set mcp-gateway-access:existingGroups '["lab"]'`,
      "pulumi config set mcp-gateway-access:keycloakM2MAudienceMapper false",
    ]);
    assert.deepEqual(settingsCommands({ existingGroups: [] }, { tenant: "t", database: "db", namespace: "ns" }), [
      "pulumi config set mcp-gateway-access:identityProvider entra",
      "pulumi config set mcp-gateway-access:database db",
      "pulumi config set mcp-gateway-access:namespace ns",
    ]);
  });

  it("rate limits amend the users/ and m2m/ files written before them with new ones, the old left as they were", () => {
    const ann = yamlFile("users", "ann", { username: "ann" });
    const bot = yamlFile("m2m", "bot", { name: "bot" });
    const before = ann.text;
    const out = importRateLimits(
      {
        rateLimitMemberships: [
          { _id: "client:bot", subject_type: "client", subject: "bot", groups: ["quarantine-callers"] },
          { _id: "user:ann", subject_type: "user", subject: "ann", groups: ["gold", "quarantine-callers"] },
        ],
      },
      { files: [ann, bot] },
    );
    assert.equal(ann.text, before);
    assert.deepEqual([...(out.amended?.keys() ?? [])], [ann]);
    assert.equal(out.amended?.get(ann)?.text, `${before}rate_limit_groups:\n  - gold\n`);
    assert.deepEqual(
      out.files.map((f) => f.path),
      ["rate-limits/imported.yaml"],
    );
    assert.match(out.files[0]!.text, /quarantine:\n {4}users:\n {6}- ann\n {4}m2m:\n {6}- bot\n/);
  });
});
