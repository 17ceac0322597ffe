/** The Keycloak side of the resource graph, with Pulumi mocks. The real run is in test/e2e. */
import assert from "node:assert/strict";
import { derivePassword } from "../../../../components/secrets/derived";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import {
  checkRepository,
  keycloakBootstrapPlan,
  planIdentity,
  type AccessModel,
  type DeclaredObject,
} from "../../../../lib";
import { declaredKeycloakObjects, KeycloakAccess, tokenUrl } from "../../../../components/keycloak/access";
import { legacyPasswordUsersInState } from "../../../../components/identity";
import {
  declared,
  declaredOptions,
  recordOptions,
  settled,
  useMocks,
  valueOf,
  wasSecret,
} from "../../../support/mocks";
import { makeRepo } from "../../../support/repo";
import { inStoredOrder } from "../../../../components/keycloak/set-order";

before(() => useMocks());

const FILES = {
  "groups/tools.yaml": "scope_name: tools-users\ndescription: Tool users\n",
  "groups/local.yaml": "scope_name: local-only\ncreate_in_idp: false\n",
  "users/alice.yaml":
    "username: alice\nemail: alice@example.com\nfirst_name: Alice\nlast_name: A\ngroups: [tools-users]\n",
  "users/bob.yaml":
    "username: bob\nemail: bob@example.com\nfirst_name: Bob\nlast_name: B\ngroups: [tools-users, registry-admins]\n",
  "m2m/bot.yaml": "name: agent-bot\ngroups: [tools-users]\ndescription: A bot\n",
};

/** The plan's list as names in Keycloak: groups, users, clients with their mappers, client scopes with theirs. */
function namesIn(objects: readonly DeclaredObject[]) {
  const of = (table: string) => objects.filter((o) => o.adopt?.table === table);
  const mappersOn = (owner: string) => of("mappers").filter((o) => o.within?.owner === owner);
  const withMappers = (owners: readonly string[]) =>
    Object.fromEntries(owners.map((c) => [c, mappersOn(c).map((o) => o.within!.name)]));
  const scopes = [
    ...new Set(
      of("mappers")
        .filter((o) => o.name.startsWith("client-scope:"))
        .map((o) => o.within!.owner),
    ),
  ];
  return {
    groups: of("groups").map((o) => o.name),
    users: of("users").map((o) => o.name),
    clients: withMappers(of("clients").map((o) => o.name)),
    ...(scopes.length ? { clientScopes: withMappers(scopes) } : {}),
  };
}

function model(files: Record<string, string>, bootstrap: boolean): AccessModel {
  const r = checkRepository(makeRepo(files), bootstrap ? { bootstrap: true } : { existingGroups: ["registry-admins"] });
  assert.deepEqual(r.errors, []);
  return r.model;
}

async function declare(
  prefix: string,
  m: AccessModel,
  bootstrap: boolean,
  extra: Partial<ConstructorParameters<typeof KeycloakAccess>[1]> = {},
) {
  declared.length = 0;
  const access = new KeycloakAccess(prefix, {
    plan: planIdentity(m, { idp: "keycloak" }),
    realm: "mcp-gateway",
    keycloakUrl: "https://kc.example.com/",
    bootstrap: bootstrap
      ? {
          webRedirectUris: ["http://localhost:8888/oauth2/callback/keycloak", "http://localhost:7860/*"],
          webOrigins: ["http://localhost:7860"],
          names: keycloakBootstrapPlan({ username: "admin" }),
          adminEmail: "admin@example.com",
        }
      : undefined,
    ...extra,
  });
  await settled();
  const byName = new Map(declared.filter((d) => d.custom).map((d) => [d.name.slice(prefix.length + 1), d]));
  return { access, byName };
}

describe("KeycloakAccess", () => {
  it("declares the groups, users, memberships and M2M clients of a repository", async () => {
    const { byName } = await declare("kc", model(FILES, false), false);
    assert.deepEqual([...byName.keys()].sort(), [
      "group-tools-users",
      "initial-password-seed",
      "m2m-agent-bot",
      "m2m-agent-bot-audience",
      "m2m-agent-bot-groups",
      "m2m-groups-agent-bot",
      "user-alice",
      "user-bob",
      "user-groups-alice",
      "user-groups-bob",
    ]);
    const group = byName.get("group-tools-users")!;
    assert.equal(group.type, "keycloak:index/group:Group");
    assert.deepEqual(group.inputs, {
      realmId: "mcp-gateway",
      name: "tools-users",
      attributes: { description: "Tool users" },
    });

    const alice = byName.get("user-alice")!;
    assert.equal(alice.type, "keycloak:index/user:User");
    assert.equal(alice.inputs.username, "alice");
    assert.equal(alice.inputs.email, "alice@example.com");
    assert.equal(alice.inputs.enabled, true);
    assert.deepEqual(alice.inputs.initialPassword, {
      value: derivePassword("generated-kc-initial-password-seed", "alice"),
      temporary: true,
    });
    assert.equal(wasSecret(alice.raw.initialPassword), true, "the initial password goes to the provider as a secret");

    const bobGroups = byName.get("user-groups-bob")!;
    assert.equal(bobGroups.type, "keycloak:index/userGroups:UserGroups");
    assert.deepEqual(bobGroups.inputs.groupIds, ["kc-group-tools-users-id", "registry-admins"]);
    assert.equal(bobGroups.inputs.exhaustive, true);

    const client = byName.get("m2m-agent-bot")!;
    assert.equal(client.type, "keycloak:openid/client:Client");
    assert.deepEqual(
      { ...client.inputs },
      {
        realmId: "mcp-gateway",
        clientId: "agent-bot",
        name: "agent-bot",
        description: "A bot",
        enabled: true,
        accessType: "CONFIDENTIAL",
        serviceAccountsEnabled: true,
        standardFlowEnabled: false,
        implicitFlowEnabled: false,
        directAccessGrantsEnabled: false,
        useRefreshTokens: true,
        fullScopeAllowed: true,
      },
    );
    const groups = byName.get("m2m-agent-bot-groups")!;
    assert.equal(groups.type, "keycloak:openid/groupMembershipProtocolMapper:GroupMembershipProtocolMapper");
    assert.deepEqual(groups.inputs, {
      realmId: "mcp-gateway",
      clientId: "kc-m2m-agent-bot-id",
      name: "groups",
      claimName: "groups",
      fullPath: false,
      addToIdToken: true,
      addToAccessToken: true,
      addToUserinfo: true,
    });
    const audience = byName.get("m2m-agent-bot-audience")!;
    assert.equal(audience.type, "keycloak:openid/audienceProtocolMapper:AudienceProtocolMapper");
    assert.equal(audience.inputs.includedCustomAudience, "mcp-gateway");
    assert.equal(audience.inputs.addToAccessToken, true);
    const saGroups = byName.get("m2m-groups-agent-bot")!;
    assert.equal(saGroups.inputs.userId, "sa-agent-bot", "the client's service-account user joins the groups");
    assert.deepEqual(saGroups.inputs.groupIds, ["kc-group-tools-users-id"]);
  });

  it("declares nothing in Keycloak for a group with create_in_idp: false", async () => {
    const { byName } = await declare("kc2", model(FILES, false), false);
    assert.equal(
      [...byName.keys()].some((k) => k.includes("local-only")),
      false,
    );
    assert.ok(byName.has("group-tools-users"), "the same run declares the other group");
    const inIdp = { ...FILES, "groups/local.yaml": "scope_name: local-only\n" };
    const created = await declare("kc2b", model(inIdp, false), false);
    assert.ok(created.byName.has("group-local-only"), "without create_in_idp: false, the group is declared");
  });

  it("exports M2M credentials in the documented shape, the client secret as a secret", async () => {
    const { access } = await declare("kc3", model(FILES, false), false);
    const bot = access.m2m["agent-bot"]!;
    assert.equal(bot.clientId, "agent-bot");
    assert.equal(bot.tokenUrl, "https://kc.example.com/realms/mcp-gateway/protocol/openid-connect/token");
    assert.equal(bot.realm, "mcp-gateway");
    assert.equal(bot.keycloakUrl, "https://kc.example.com");
    assert.equal(bot.authProvider, "keycloak");
    assert.equal(await pulumi.isSecret(bot.clientSecret), true);
    assert.equal(await valueOf(bot.clientSecret), "secret-of-agent-bot");
    for (const user of Object.values(access.users)) assert.equal(await pulumi.isSecret(user.initialPassword!), true);
    assert.equal(
      await valueOf(access.users.alice!.initialPassword!),
      derivePassword("generated-kc3-initial-password-seed", "alice"),
    );
  });

  it("uses the initial password from the stack config secret and then does not export it", async () => {
    const { access, byName } = await declare("kc4", model(FILES, false), false, {
      initialPasswords: pulumi.secret({ alice: "from-config" }) as pulumi.Output<Record<string, string> | undefined>,
    });
    const alice = byName.get("user-alice")!;
    assert.equal((alice.inputs.initialPassword as { value: string }).value, "from-config");
    assert.equal(await valueOf(access.users.alice!.initialPassword!), undefined);
    assert.notEqual(await valueOf(access.users.bob!.initialPassword!), undefined, "bob's is generated and exported");
  });

  it(
    "derives every generated password from one seed per stack; a user whose own password resource " +
      "is in the state keeps it",
    async () => {
      const { access, byName } = await declare("kc9", model(FILES, false), false, {
        legacyPasswordUsers: new Set(["bob"]),
      });
      assert.equal(
        [...byName.keys()]
          .filter((k) => k.includes("password"))
          .sort()
          .join(" "),
        "initial-password-seed password-bob",
      );
      assert.equal(byName.get("initial-password-seed")!.inputs.length, 64, "a new stack's seed: derivation v2");
      assert.equal(
        await valueOf(access.users.alice!.initialPassword!),
        derivePassword("generated-kc9-initial-password-seed", "alice"),
      );
      assert.equal(await valueOf(access.users.bob!.initialPassword!), "generated-kc9-password-bob");
      const users = legacyPasswordUsersInState(
        [
          {
            type: "pulumi-nodejs:dynamic/mcp-gateway-access:GeneratedSecret",
            urn: "urn:pulumi:s::p::a$pulumi-nodejs:dynamic/mcp-gateway-access:GeneratedSecret::keycloak-password-bob",
            outputs: {},
          },
          {
            type: "pulumi-nodejs:dynamic/mcp-gateway-access:GeneratedSecret",
            urn:
              "urn:pulumi:s::p::a$pulumi-nodejs:dynamic/mcp-gateway-access:GeneratedSecret::keycloak" +
              "-initial-password-seed",
            outputs: {},
          },
          {
            type: "keycloak:index/user:User",
            urn: "urn:pulumi:s::p::a$keycloak:index/user:User::keycloak-password-x",
            outputs: {},
          },
        ],
        "keycloak",
      );
      assert.deepEqual([...users], ["bob"]);
      const a = derivePassword("seed-1", "alice");
      assert.match(a, /^[A-HJ-NP-Za-km-z2-9_.+=-]{24}$/);
      assert.equal(derivePassword("seed-1", "alice"), a, "stable");
      assert.notEqual(derivePassword("seed-1", "bob"), a);
      assert.notEqual(derivePassword("seed-2", "alice"), a);
    },
  );

  it("adopts an existing realm and existing groups by name without bootstrap", async () => {
    const withBootstrap = await declare("kc5b", model(FILES, true), true);
    assert.ok(withBootstrap.byName.has("bootstrap-realm"), "with bootstrap, the realm is declared");
    const { byName, access } = await declare("kc5", model(FILES, false), false);
    assert.equal(
      [...byName.keys()].some((k) => k.startsWith("bootstrap")),
      false,
    );
    assert.ok(byName.has("user-alice"), "the same run declares the definitions");
    assert.equal(await valueOf(access.realmId), "mcp-gateway");
  });

  it(
    "declares the registry bootstrap with bootstrap: realm, clients, mappers, admin group and " + "user, protected",
    async () => {
      const { byName, access } = await declare("kc6", model(FILES, true), true);
      const realm = byName.get("bootstrap-realm")!;
      assert.equal(realm.type, "keycloak:index/realm:Realm");
      assert.equal(realm.inputs.realm, "mcp-gateway");
      assert.equal(realm.inputs.registrationAllowed, false);
      assert.equal(realm.inputs.loginWithEmailAllowed, true);
      assert.deepEqual((realm.inputs.securityDefenses as { bruteForceDetection: unknown }).bruteForceDetection, {
        maxLoginFailures: 5,
        waitIncrementSeconds: 60,
        maxFailureWaitSeconds: 900,
        permanentLockout: false,
      });
      const web = byName.get("bootstrap-web")!;
      assert.equal(web.inputs.clientId, "mcp-gateway-web");
      assert.equal(web.inputs.standardFlowEnabled, true);
      assert.equal(web.inputs.directAccessGrantsEnabled, true);
      // In the order the provider stores a set (bytewise), so that a refresh does not reorder them.
      assert.deepEqual(web.inputs.validRedirectUris, [
        "http://localhost:7860/*",
        "http://localhost:8888/oauth2/callback/keycloak",
      ]);
      assert.equal(byName.get("bootstrap-web-groups")!.inputs.fullPath, false);
      const m2m = byName.get("bootstrap-m2m")!;
      assert.equal(m2m.inputs.clientId, "mcp-gateway-m2m");
      assert.equal(m2m.inputs.serviceAccountsEnabled, true);
      assert.equal(m2m.inputs.fullScopeAllowed, false);
      assert.equal(byName.get("bootstrap-m2m-audience")!.inputs.includedCustomAudience, "mcp-gateway");
      assert.equal(byName.get("bootstrap-registry-admins")!.inputs.name, "registry-admins");
      const admin = byName.get("bootstrap-admin")!;
      assert.equal(admin.inputs.username, "admin");
      assert.deepEqual(byName.get("bootstrap-admin-groups")!.inputs.groupIds, ["kc6-bootstrap-registry-admins-id"]);
      // Users that join registry-admins get the bootstrap group's id; the ids in the provider's stored order.
      assert.deepEqual(byName.get("user-groups-bob")!.inputs.groupIds, [
        "kc6-bootstrap-registry-admins-id",
        "kc6-group-tools-users-id",
      ]);
      const b = access.bootstrap!;
      assert.equal((b.realm as unknown as { __protect: boolean }).__protect, true);
      assert.equal((b.adminGroup as unknown as { __protect: boolean }).__protect, true);
      assert.equal(await pulumi.isSecret(b.generatedAdminPassword!), true);
    },
  );

  it("adoption looks for exactly the objects the stack declares: the plan names both", async () => {
    for (const bootstrap of [false, true]) {
      const m = model(FILES, bootstrap);
      const names = keycloakBootstrapPlan({ username: "admin" });
      const args = {
        plan: planIdentity(m, { idp: "keycloak" }),
        realm: "mcp-gateway",
        ...(bootstrap ? { bootstrap: { names } } : {}),
      };
      const looked = namesIn(
        declaredKeycloakObjects(`adopt${bootstrap}`, args as Parameters<typeof declaredKeycloakObjects>[1]).objects,
      );
      await declare(`adopt${bootstrap}`, m, bootstrap);
      const of = (type: string, field: string) =>
        declared
          .filter((d) => d.custom && d.type === type)
          .map((d) => String(d.inputs[field]))
          .sort();
      assert.deepEqual(of("keycloak:index/group:Group", "name"), [...looked.groups].sort());
      assert.deepEqual(of("keycloak:index/user:User", "username"), [...looked.users].sort());
      assert.deepEqual(of("keycloak:openid/client:Client", "clientId"), Object.keys(looked.clients).sort());
      const mappers = declared.filter((d) => d.custom && /ProtocolMapper$/.test(d.type));
      const onClients = Object.values(looked.clients).flat().length;
      const onScopes = Object.values(looked.clientScopes ?? {}).flat().length;
      assert.equal(mappers.length, onClients + onScopes, "every declared protocol mapper is one adoption looks for");
    }
  });

  it("touches only one user's resources when that user's file changes", async () => {
    const before = await declare("same", model(FILES, false), false);
    const changed = {
      ...FILES,
      "users/alice.yaml": FILES["users/alice.yaml"]
        .replace("last_name: A", "last_name: Anders")
        .replace("[tools-users]", "[tools-users, registry-admins]"),
    };
    const after = await declare("same", model(changed, false), false);
    const differing = [...after.byName.keys()].filter(
      (k) => JSON.stringify(after.byName.get(k)!.inputs) !== JSON.stringify(before.byName.get(k)?.inputs),
    );
    assert.deepEqual(differing.sort(), ["user-alice", "user-groups-alice"]);
    assert.deepEqual([...after.byName.keys()].sort(), [...before.byName.keys()].sort());
  });

  it("builds the token URL from the base URL and realm", () => {
    assert.equal(
      tokenUrl("http://127.0.0.1:18080/", "my realm"),
      "http://127.0.0.1:18080/realms/my%20realm/protocol/openid-connect/token",
    );
  });

  it(
    "leaves users' required actions to Keycloak, so UPDATE_PASSWORD of a temporary password " + "survives later runs",
    async () => {
      declaredOptions.clear();
      new KeycloakAccess(
        "kc-ra",
        {
          plan: planIdentity(model(FILES, true), { idp: "keycloak" }),
          realm: "mcp-gateway",
          keycloakUrl: "https://kc.example.com",
          bootstrap: {
            webRedirectUris: ["http://localhost:7860/*"],
            webOrigins: [],
            names: keycloakBootstrapPlan({ username: "admin" }),
            adminEmail: "admin@example.com",
          },
        },
        { transformations: [recordOptions] },
      );
      await settled();
      // alice and bob leave email_verified undeclared: Keycloak's value is kept after creation.
      for (const name of ["kc-ra-user-alice", "kc-ra-user-bob"]) {
        assert.deepEqual(declaredOptions.get(name)?.ignoreChanges, ["requiredActions", "emailVerified"], name);
      }
      assert.deepEqual(declaredOptions.get("kc-ra-bootstrap-admin")?.ignoreChanges, ["requiredActions"]);
    },
  );

  it("a declared email_verified is set and held; an undeclared one is created false, then Keycloak's", async () => {
    declaredOptions.clear();
    const files = {
      ...FILES,
      "users/alice.yaml": FILES["users/alice.yaml"] + "email_verified: true\n",
      "users/bob.yaml": FILES["users/bob.yaml"].replace(", registry-admins", "") + "email_verified: false\n",
      "users/carol.yaml":
        "username: carol\nemail: carol@example.com\nfirst_name: C\nlast_name: C\ngroups: [tools-users]\n",
    };
    new KeycloakAccess(
      "kc-ev",
      {
        plan: planIdentity(model(files, false), { idp: "keycloak" }),
        realm: "mcp-gateway",
        keycloakUrl: "https://kc.example.com",
      },
      { transformations: [recordOptions] },
    );
    await settled();
    const user = (n: string) => declared.find((d) => d.name === `kc-ev-user-${n}`)!.inputs.emailVerified;
    assert.equal(user("alice"), true);
    assert.equal(user("bob"), false);
    assert.equal(user("carol"), false);
    assert.deepEqual(declaredOptions.get("kc-ev-user-alice")?.ignoreChanges, ["requiredActions"]);
    assert.deepEqual(declaredOptions.get("kc-ev-user-bob")?.ignoreChanges, ["requiredActions"]);
    assert.deepEqual(declaredOptions.get("kc-ev-user-carol")?.ignoreChanges, ["requiredActions", "emailVerified"]);
  });
});

describe("inStoredOrder (the Keycloak provider's order of a set of strings)", () => {
  it("sorts byte by byte, as Terraform stores a set, and drops repeats", () => {
    assert.deepEqual(inStoredOrder(["b", "B", "a", "é", "z", "a", "10", "9"]), ["10", "9", "B", "a", "b", "z", "é"]);
  });
  it("orders characters outside the basic plane by their UTF-8 bytes, not by UTF-16 units", () => {
    // U+FF5E sorts before U+1F600 in UTF-8 (EF.. < F0..) and after it in UTF-16 (FF5E > D83D).
    assert.deepEqual(inStoredOrder(["\u{1F600}", "\uFF5E"]), ["\uFF5E", "\u{1F600}"]);
  });
});
