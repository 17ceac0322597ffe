/**
 * The plan's list of declared objects (lib/model/declared-objects.ts) is what the components declare: adoption
 * looks for the objects of that list, so a resource name or type that drifted from it would never be adopted.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import {
  entraDeclaredObjects,
  keycloakBootstrapPlan,
  keycloakDeclaredObjects,
  keycloakProviderObjects,
  planIdentity,
  type DeclaredObject,
} from "../../../../lib";
import { accessProgram, type ProgramDeps } from "../../../../program";
import type { KeycloakAdmin } from "../../../../clients/keycloak-admin";
import { declared, settled, useMocks } from "../../../support/mocks";
import { makeRepo, GROUP, USER } from "../../../support/repo";
import * as pulumi from "@pulumi/pulumi";

before(() => useMocks());

const SAML = `alias: okta-saml
saml:
  single_sign_on_service_url: https://okta.example.com/app/sso/saml
mappers:
  - everyone: true
    group: tools-users
`;

const FILES = {
  "groups/g.yaml": GROUP,
  "groups/ext.yaml": GROUP.replace("scope_name: tools-users", "scope_name: ext\ncreate_in_idp: false"),
  "users/a.yaml": USER("alice", "[tools-users, ext]"),
  "users/b.yaml": USER("bob", "[tools-users]"),
  "m2m/b.yaml": "name: bot\ngroups: [tools-users]\n",
  "identity-providers/okta.yaml": SAML,
};

/** A first run: an empty state, and an identity provider holding nothing of it (Keycloak's realm is yet to be made). */
const FIRST_RUN: Partial<ProgramDeps> = {
  readState: async () => [],
  keycloakHooks: () => undefined,
  connectEntra: async () => undefined,
  connectKeycloak: async (): Promise<KeycloakAdmin> => ({
    realmExists: async () => false,
    topLevelGroupIds: async () => new Map(),
    userIds: async () => new Map(),
    clientIds: async () => new Map(),
    protocolMapperIds: async () => new Map(),
    clientScopeIds: async () => new Map(),
    clientScopeMapperIds: async () => new Map(),
    serviceAccountUserId: async () => undefined,
    groupNamesOf: async () => [],
    identityProviders: async () => [],
    clientSecretDigest: async () => undefined,
  }),
};

/** The identity components' custom resources one run declares (the scope store's records are not the plan's). */
async function declaredIdentity(
  settings: Record<string, string>,
  files: Record<string, string> = FILES,
): Promise<{
  byType: string[];
  program: Awaited<ReturnType<typeof accessProgram>>;
}> {
  pulumi.runtime.setAllConfig(
    {
      "mcp-gateway-access:definitionsDir": makeRepo(files),
      // A group the stack only looks up: memberships in it, no group declared.
      "mcp-gateway-access:existingGroups": '["ext"]',
      ...settings,
    },
    [],
  );
  declared.length = 0;
  const program = await accessProgram(undefined, FIRST_RUN);
  await settled();
  const byType = declared
    .filter((d) => d.custom && !d.name.startsWith("registry-"))
    .map((d) => `${d.type} ${d.name}`)
    .sort();
  return { byType, program };
}

/** Every declared resource is on the list, and every object the list always declares was declared. */
function assertSame(got: readonly string[], list: readonly DeclaredObject[]): void {
  const all = new Set(list.map((o) => `${o.type} ${o.resource}`));
  assert.deepEqual(
    got.filter((d) => !all.has(d)),
    [],
    "declared, not on the plan's list",
  );
  const always = list.filter((o) => !o.optional).map((o) => `${o.type} ${o.resource}`);
  assert.deepEqual(
    always.filter((o) => !got.includes(o)),
    [],
    "on the plan's list, not declared",
  );
  assert.equal(new Set(list.map((o) => o.resource)).size, list.length, "one entry per resource");
}

describe("the plan's declared objects", () => {
  it("are what the Keycloak components declare, the bootstrap and brokered identity providers included", async () => {
    const { byType, program } = await declaredIdentity({
      "keycloak:url": "http://127.0.0.1:18080",
      "mcp-gateway-access:bootstrap": "true",
      "mcp-gateway-access:keycloakRealm": "mcp-gateway",
    });
    const plan = planIdentity(program.model, { idp: "keycloak" });
    const list = [
      ...keycloakDeclaredObjects(plan, "keycloak", "mcp-gateway", keycloakBootstrapPlan({ username: "admin" })),
      ...keycloakProviderObjects("keycloak-idp", program.model.identityProviders ?? []),
    ];
    assert.ok(
      byType.some((d) => d.endsWith(" keycloak-idp-okta-saml-mapper-everyone to tools-users")),
      "a provider's mapper",
    );
    assert.ok(
      byType.some((d) => d.endsWith(" keycloak-bootstrap-basic-audience")),
      "a scope mapper",
    );
    assertSame(byType, list);
  });

  it("are what the Entra component declares", async () => {
    const { byType, program } = await declaredIdentity(
      {
        "mcp-gateway-access:identityProvider": "entra",
        "mcp-gateway-access:entraGatewayClientId": "gw",
        "mcp-gateway-access:entraSecretEndDate": "2027-06-30T00:00:00Z",
        "mcp-gateway-access:entraUserDomain": "contoso.example",
      },
      Object.fromEntries(Object.entries(FILES).filter(([f]) => !f.startsWith("identity-providers/"))),
    );
    const plan = planIdentity(program.model, { idp: "entra", userDomain: "contoso.example" });
    const list = entraDeclaredObjects(plan, "entra");
    assert.ok(
      byType.some((d) => d.includes(":GroupMember ")),
      "memberships",
    );
    assertSame(byType, list);
  });
});
