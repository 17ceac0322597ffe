/** Adoption of Keycloak objects missing from the state: what is imported, what is left to create. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  adoptedCount,
  findAdoptable,
  managedInState,
  type DeclaredKeycloakObjects,
} from "../../../components/keycloak/adoption";
import type { KeycloakAdmin } from "../../../clients/keycloak-admin";
import type { StateResource } from "../../../clients/stack-state";
import { legacyPasswordUsersInState } from "../../../components/identity";
import { keycloakBootstrapPlan, keycloakDeclaredObjects, type IdentityPlan } from "../../../lib";

/**
 * The plan's list for realm `r` holding groups g1 and g2, user alice and M2M client bot with both mappers (in the
 * given groups), the realm the stack manages and, with `scopeMappers`, the bootstrap's mappers on `basic`.
 */
function declaredWith(
  groups: { alice: string[]; bot: string[] } = { alice: [], bot: [] },
  scopeMappers = false,
): DeclaredKeycloakObjects {
  const plan: IdentityPlan = {
    idp: "keycloak",
    bootstrap: false,
    groups: ["g1", "g2"].map((name) => ({ name, action: "create", bootstrap: false })),
    users: [
      {
        kind: "user",
        name: "alice",
        signInName: "alice",
        email: "alice@example.com",
        firstName: "A",
        lastName: "A",
        enabled: true,
        groups: groups.alice,
        file: "users/alice.yaml",
        action: "create",
      },
    ],
    clients: [
      {
        kind: "m2m",
        name: "bot",
        description: "bot",
        enabled: true,
        groups: groups.bot,
        file: "m2m/bot.yaml",
        mappers: ["groups", "mcp-gateway-audience"],
      },
    ],
  };
  const all = keycloakDeclaredObjects(plan, "keycloak", "r", keycloakBootstrapPlan({ username: "admin" }));
  const objects = all.filter(
    (o) =>
      !o.resource.startsWith("keycloak-bootstrap-") ||
      o.resource === "keycloak-bootstrap-realm" ||
      (scopeMappers && o.within?.owner === "basic"),
  );
  return { realm: "r", objects };
}

const DECLARED = declaredWith();

function admin(realm: boolean, calls: string[] = []): KeycloakAdmin {
  return {
    realmExists: async () => (calls.push("realm"), realm),
    topLevelGroupIds: async () => (
      calls.push("groups"),
      new Map([
        ["g1", "G1"],
        ["other", "O"],
      ])
    ),
    userIds: async (_r, names) => (calls.push(`users:${names.join(",")}`), new Map([["alice", "A"]])),
    clientIds: async () => (calls.push("clients"), new Map([["bot", "B"]])),
    protocolMapperIds: async (_r, id) => (
      calls.push(`mappers:${id}`),
      new Map([
        ["groups", "M1"],
        ["mcp-gateway-audience", "M2"],
      ])
    ),
    clientScopeIds: async () => (
      calls.push("client-scopes"),
      new Map([
        ["basic", "S"],
        ["email", "E"],
      ])
    ),
    clientScopeMapperIds: async (_r, id) => (
      calls.push(`scope-mappers:${id}`),
      new Map([["mcp-gateway-audience", "SM2"]])
    ),
    serviceAccountUserId: async (_r, id) => (calls.push(`sa:${id}`), `SA-${id}`),
    groupNamesOf: async (_r, id) => (calls.push(`memberOf:${id}`), id === "A" ? ["g1"] : ["g2"]),
    identityProviders: async () => [],
    clientSecretDigest: async () => undefined,
  };
}

const inState = (type: string, id: string, outputs: Record<string, unknown>): StateResource => ({
  type,
  id,
  outputs: { realmId: "r", ...outputs },
});

/** A state holding every declared object except the bot's audience mapper. */
const allButAudienceMapper = (): StateResource[] => [
  { type: "keycloak:index/realm:Realm", id: "r", outputs: { realm: "r" } },
  inState("keycloak:index/group:Group", "G1", { name: "g1" }),
  inState("keycloak:index/group:Group", "G2", { name: "g2" }),
  inState("keycloak:index/user:User", "A", { username: "alice", initialPassword: { value: "x", temporary: true } }),
  inState("keycloak:openid/client:Client", "B", { clientId: "bot" }),
  inState("keycloak:openid/groupMembershipProtocolMapper:GroupMembershipProtocolMapper", "M1", {
    clientId: "B",
    name: "groups",
  }),
];

describe("adoption", () => {
  it(
    "imports every declared object that exists in Keycloak and is not in the state, in the " +
      "provider's import format",
    async () => {
      const a = await findAdoptable(DECLARED, [], async () => admin(true));
      assert.deepEqual(a, {
        realm: "r",
        groups: { g1: "r/G1" },
        users: { alice: "r/A" },
        clients: { bot: "r/B" },
        mappers: { "bot/groups": "r/client/B/M1", "bot/mcp-gateway-audience": "r/client/B/M2" },
        userGroups: {},
        keepPasswords: ["alice"],
      });
    },
  );

  it(
    "imports the memberships of adopted principals whose Keycloak groups are exactly the declared " +
      "ones, and keeps adopted users' passwords",
    async () => {
      const declared = declaredWith({ alice: ["g1"], bot: ["g1", "g2"] });
      const a = await findAdoptable(declared, [], async () => admin(true));
      // alice is in g1 in Keycloak, as declared: imported; bot's service account is in g2 only: created (which sets
      // them).
      assert.deepEqual(a.userGroups, { "user:alice": "r/A" });
      assert.deepEqual(a.keepPasswords, ["alice"]);
    },
  );

  it("an adopted user whose initial password this stack generated (a run cut short) keeps getting it", async () => {
    const state = [
      {
        type: "pulumi-nodejs:dynamic/mcp-gateway-access:GeneratedSecret",
        urn: "urn:pulumi:s::p::x$GeneratedSecret::keycloak-password-alice",
        outputs: {},
      },
    ];
    const declared = { ...DECLARED, legacyPasswordUsers: legacyPasswordUsersInState(state, "keycloak") };
    const a = await findAdoptable(declared, state, async () => admin(true));
    assert.deepEqual(a.users, { alice: "r/A" });
    assert.deepEqual(a.keepPasswords, []);
  });

  it("adopts nothing when the realm does not exist yet", async () => {
    const calls: string[] = [];
    const a = await findAdoptable(DECLARED, [], async () => admin(false, calls));
    assert.deepEqual(a, { groups: {}, users: {}, clients: {}, mappers: {}, userGroups: {}, keepPasswords: [] });
    assert.deepEqual(calls, ["realm"]);
  });

  it("adopts only the mapper whose create was lost when the client itself is in the state", async () => {
    const state = allButAudienceMapper();
    const calls: string[] = [];
    const a = await findAdoptable(DECLARED, state, async () => admin(true, calls));
    assert.deepEqual(a, {
      groups: {},
      users: {},
      clients: {},
      mappers: { "bot/mcp-gateway-audience": "r/client/B/M2" },
      userGroups: {},
      keepPasswords: [],
    });
    assert.deepEqual(calls, ["realm", "clients", "mappers:B"]);
  });

  it(
    "does not connect at all when the state holds everything, and adopts nothing when the state " + "cannot be read",
    async () => {
      const state = [
        ...allButAudienceMapper(),
        inState("keycloak:openid/audienceProtocolMapper:AudienceProtocolMapper", "M2", {
          clientId: "B",
          name: "mcp-gateway-audience",
        }),
      ];
      const never = async (): Promise<KeycloakAdmin> => assert.fail("must not connect");
      assert.deepEqual(await findAdoptable(DECLARED, state, never), {
        groups: {},
        users: {},
        clients: {},
        mappers: {},
      });
      assert.deepEqual(await findAdoptable(DECLARED, undefined, never), {
        groups: {},
        users: {},
        clients: {},
        mappers: {},
      });
    },
  );

  it(
    "a user the state holds without an initial password (imported) keeps its password on every " + "later run",
    async () => {
      const state = [
        { type: "keycloak:index/realm:Realm", id: "r", outputs: { realm: "r" } },
        inState("keycloak:index/group:Group", "G1", { name: "g1" }),
        inState("keycloak:index/group:Group", "G2", { name: "g2" }),
        inState("keycloak:index/user:User", "A", { username: "alice", initialPassword: null }),
        inState("keycloak:openid/client:Client", "B", { clientId: "bot" }),
        inState("keycloak:openid/groupMembershipProtocolMapper:GroupMembershipProtocolMapper", "M1", {
          clientId: "B",
          name: "groups",
        }),
        inState("keycloak:openid/audienceProtocolMapper:AudienceProtocolMapper", "M2", {
          clientId: "B",
          name: "mcp-gateway-audience",
        }),
      ];
      const a = await findAdoptable(DECLARED, state, async () => assert.fail("must not connect"));
      assert.deepEqual(a.keepPasswords, ["alice"]);
      assert.equal(adoptedCount(a), 0);
    },
  );

  it(
    "adopts the bootstrap's mappers on the realm's default client scope `basic` that exist but are " +
      "not in the state",
    async () => {
      const declared = declaredWith(undefined, true);
      const state = [
        ...allButAudienceMapper(),
        inState("keycloak:openid/audienceProtocolMapper:AudienceProtocolMapper", "M2", {
          clientId: "B",
          name: "mcp-gateway-audience",
        }),
        inState("keycloak:openid/groupMembershipProtocolMapper:GroupMembershipProtocolMapper", "SM1", {
          clientScopeId: "S",
          name: "groups",
        }),
      ];
      const calls: string[] = [];
      const a = await findAdoptable(declared, state, async () => admin(true, calls));
      assert.deepEqual(a.mappers, { "client-scope:basic/mcp-gateway-audience": "r/client-scope/S/SM2" });
      assert.ok(calls.includes("scope-mappers:S"));
      // Both in the state: Keycloak is not asked.
      const all = [
        ...state,
        inState("keycloak:openid/audienceProtocolMapper:AudienceProtocolMapper", "SM2", {
          clientScopeId: "S",
          name: "mcp-gateway-audience",
        }),
      ];
      const none: string[] = [];
      await findAdoptable(declared, all, async () => admin(true, none));
      assert.deepEqual(none, []);
    },
  );

  it("reads only the objects of the stack's realm from the state", () => {
    const m = managedInState([inState("keycloak:index/group:Group", "X", { name: "g1", realmId: "other" })], "r");
    assert.equal(m.groups.size, 0);
  });
});
