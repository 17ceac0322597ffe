/** The Entra ID side of the resource graph, with Pulumi mocks (no tenant is reachable from tests). */
import assert from "node:assert/strict";
import { derivePassword } from "../../../../components/secrets/derived";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import {
  checkRepository,
  keycloakBootstrapPlan,
  planIdentity,
  renderRegistryDocuments,
  type AccessModel,
} from "../../../../lib";
import { EntraAccess, entraScope, entraTokenUrl, type EntraAccessArgs } from "../../../../components/entra/access";
import { KeycloakAccess } from "../../../../components/keycloak/access";
import { ScopeStore } from "../../../../components/scopes/store";
import { declared, declaredOptions, recordOptions, settled, useMocks, valueOf } from "../../../support/mocks";
import { makeRepo } from "../../../support/repo";

before(() => useMocks());

const FILES = {
  "groups/tools.yaml":
    "scope_name: tools-users\ndescription: Tool users\nserver_access:\n  - server: currenttime\n    " +
    "methods: [tools/list, tools/call]\n    tools: [now]\n",
  "groups/ops.yaml": "scope_name: ops\nui_permissions:\n  list_service: [currenttime]\n",
  "groups/local.yaml": "scope_name: local-only\ncreate_in_idp: false\ngroup_mappings: [tools-users]\n",
  "users/alice.yaml":
    "username: alice\nemail: alice@example.com\nfirst_name: Alice\nlast_name: A\ngroups: [tools-users]\n",
  "users/bob.yaml":
    "username: bob\nemail: bob@example.com\nfirst_name: Bob\nlast_name: B\ngroups: [ops, registry-admins]\n",
  "m2m/bot.yaml": "name: agent-bot\ngroups: [tools-users, ops]\ndescription: A bot\n",
};

function model(files: Record<string, string> = FILES): AccessModel {
  const r = checkRepository(makeRepo(files), { bootstrap: true });
  assert.deepEqual(r.errors, []);
  return r.model;
}

/** The component's arguments plus the plan's Entra settings. */
type Args = Partial<Omit<EntraAccessArgs, "plan">> & { userDomain?: string; existingUsers?: boolean };

const BASE = {
  userDomain: "contoso.example",
  existingUsers: false,
  gateway: { clientId: "gateway-client-id" },
  secretEndDate: "2027-06-30T00:00:00.000Z",
  replicationDelaySeconds: 30,
};

function entraArgs(args: Args = {}): EntraAccessArgs {
  const { userDomain, existingUsers, ...rest } = { ...BASE, ...args };
  return { plan: planIdentity(model(), { idp: "entra", userDomain, existingUsers }), ...rest };
}

async function declare(prefix: string, args: Args = {}) {
  declared.length = 0;
  const access = new EntraAccess(prefix, entraArgs(args), { transformations: [recordOptions] });
  await settled();
  const byName = new Map(declared.filter((d) => d.custom).map((d) => [d.name.slice(prefix.length + 1), d]));
  return { access, byName };
}

describe("EntraAccess", () => {
  it("declares security groups, users, M2M applications and memberships", async () => {
    const { byName } = await declare("en");
    const names = [...byName.keys()].sort();
    assert.deepEqual(names, [
      "app-agent-bot",
      "group-ops",
      "group-tools-users",
      "initial-password-seed",
      "member-sp-agent-bot-ops",
      "member-sp-agent-bot-tools-users",
      "member-user-alice-tools-users",
      "member-user-bob-ops",
      "member-user-bob-registry-admins",
      "registry-admins",
      "replication-delay",
      "secret-agent-bot",
      "sp-agent-bot",
      "user-alice",
      "user-bob",
    ]);
    assert.deepEqual(byName.get("group-tools-users")!.inputs, {
      displayName: "tools-users",
      description: "Tool users",
      securityEnabled: true,
      mailEnabled: false,
      preventDuplicateNames: true,
    });
    const alice = byName.get("user-alice")!;
    assert.equal(alice.type, "azuread:index/user:User");
    assert.equal(alice.inputs.userPrincipalName, "alice@contoso.example");
    assert.equal(alice.inputs.mailNickname, "alice");
    assert.equal(alice.inputs.displayName, "Alice A");
    assert.equal(alice.inputs.forcePasswordChange, true);
    assert.equal(alice.inputs.password, derivePassword("generated-en-initial-password-seed", "alice"));
    const app = byName.get("app-agent-bot")!;
    assert.deepEqual(app.inputs, {
      displayName: "agent-bot",
      description: "A bot",
      signInAudience: "AzureADMyOrg",
      preventDuplicateNames: true,
    });
    assert.equal(byName.get("sp-agent-bot")!.inputs.clientId, "appid-en-app-agent-bot");
    const secret = byName.get("secret-agent-bot")!;
    assert.equal(secret.type, "azuread:index/applicationPassword:ApplicationPassword");
    assert.deepEqual(secret.inputs, {
      applicationId: "en-app-agent-bot-id",
      displayName: "agent-bot-secret",
      endDate: "2027-06-30T00:00:00.000Z",
    });
    assert.deepEqual(byName.get("member-sp-agent-bot-ops")!.inputs, {
      groupObjectId: "oid-en-group-ops",
      memberObjectId: "oid-en-sp-agent-bot",
    });
    assert.deepEqual(byName.get("member-user-bob-registry-admins")!.inputs, {
      groupObjectId: "oid-en-registry-admins",
      memberObjectId: "oid-en-user-bob",
    });
    assert.equal(byName.has("group-local-only"), false, "nothing for create_in_idp: false");
  });

  it("waits for replication between new principals and their memberships", async () => {
    const { byName } = await declare("rep");
    const delay = byName.get("replication-delay")!;
    assert.equal(delay.inputs.seconds, 30);
    assert.deepEqual((delay.inputs.after as string[]).sort(), [
      "oid-rep-sp-agent-bot",
      "oid-rep-user-alice",
      "oid-rep-user-bob",
    ]);
    const opts = declaredOptions.get("rep-member-user-alice-tools-users")!;
    assert.equal((opts.dependsOn as pulumi.Resource[]).length, 1, "memberships depend on the wait");
  });

  it("looks existing users up by UPN instead of creating them", async () => {
    const created = await declare("new", { existingUsers: false });
    assert.ok(created.byName.has("user-alice"), "users that do not exist yet are created");
    const { byName, access } = await declare("ex", { existingUsers: true });
    assert.equal(
      [...byName.keys()].some((k) => k.startsWith("user-")),
      false,
    );
    assert.equal(await valueOf(access.users.alice!.id), "oid-existing-alice@contoso.example");
    assert.deepEqual(
      byName.get("member-user-alice-tools-users")!.inputs.memberObjectId,
      "oid-existing-alice@contoso.example",
    );
    assert.deepEqual(
      byName.get("replication-delay")!.inputs.after as string[],
      ["oid-ex-sp-agent-bot"],
      "only new principals are waited for",
    );
  });

  it("exports M2M credentials in the shared shape, the secret as a secret", async () => {
    const { access } = await declare("out");
    const bot = access.m2m["agent-bot"]!;
    assert.equal(bot.authProvider, "entra");
    assert.equal(await valueOf(bot.clientId), "appid-out-app-agent-bot");
    assert.equal(await valueOf(bot.tenantId!), "tenant-1");
    assert.equal(await valueOf(bot.tokenUrl), "https://login.microsoftonline.com/tenant-1/oauth2/v2.0/token");
    assert.equal(await valueOf(bot.scope!), "api://gateway-client-id/.default");
    assert.equal(await pulumi.isSecret(bot.clientSecret), true);
    assert.equal(await valueOf(bot.clientSecret), "pw-out-secret-agent-bot");
    assert.equal(await pulumi.isSecret(access.users.alice!.initialPassword!), true);
  });

  it("rotates a client secret by issuing the new one before removing the old", async () => {
    const first = await declare("rot", { secretRotation: "2026-q4" });
    const second = await declare("rot", { secretRotation: "2027-q1" });
    const before = first.byName.get("secret-agent-bot")!.inputs.rotateWhenChanged;
    const after = second.byName.get("secret-agent-bot")!.inputs.rotateWhenChanged;
    assert.deepEqual(before, { rotation: "2026-q4" });
    assert.deepEqual(
      after,
      { rotation: "2027-q1" },
      "a changed rotation key replaces the password (the provider marks it force-new)",
    );
    const opts = declaredOptions.get("rot-secret-agent-bot")!;
    assert.notEqual(
      opts.deleteBeforeReplace,
      true,
      "create-before-delete: the old secret stays valid until the new one exists",
    );
    assert.ok(opts.additionalSecretOutputs?.includes("value"), "the secret value is a secret output");
  });

  it("manages the gateway application with security-group claims when asked", async () => {
    const { byName, access } = await declare("gw", { gateway: { manage: { displayName: "mcp-gateway" } } });
    assert.deepEqual(byName.get("gateway")!.inputs.groupMembershipClaims, ["SecurityGroup"]);
    assert.equal(byName.get("gateway-uri")!.inputs.identifierUri, "api://appid-gw-gateway");
    assert.equal(await valueOf(access.m2m["agent-bot"]!.scope!), "api://appid-gw-gateway/.default");
  });

  it("refuses settings that cannot work before declaring anything", async () => {
    declared.length = 0;
    // A plan the planner would refuse: the component itself must refuse it before its first object.
    const args = entraArgs();
    const plan = { ...args.plan, users: args.plan.users.map((u) => ({ ...u, signInName: u.name })) };
    assert.throws(() => new EntraAccess("bad", { ...args, plan }), /needs a UPN domain/);
    await settled();
    assert.equal(declared.filter((d) => d.custom).length, 0);
    const { byName } = await declare("good", { userDomain: "contoso.example" });
    assert.ok(byName.has("user-alice"), "with a UPN domain, the same arguments are declared");
  });

  it("builds the token URL and scope the registry documents", () => {
    assert.equal(entraTokenUrl("t"), "https://login.microsoftonline.com/t/oauth2/v2.0/token");
    assert.equal(entraScope("abc"), "api://abc/.default");
  });
});

describe("Entra Object IDs in the scope documents", () => {
  it(
    "adds each group's Object ID to its scope's group_mappings, and the admin group's to " + "registry-admins",
    async () => {
      const { access } = await declare("obj");
      declared.length = 0;
      new ScopeStore("objstore", {
        model: model(),
        idp: "entra",
        database: "d",
        namespace: "n",
        groupObjectIds: access.groups,
        clientIds: access.clientIds,
      });
      await settled();
      const desired = (name: string) =>
        declared.find((d) => d.name === `objstore-scope-${name}`)!.inputs.desired as { group_mappings: string[] };
      assert.deepEqual(desired("tools-users").group_mappings, ["tools-users", "oid-obj-group-tools-users"]);
      assert.deepEqual(desired("registry-admins").group_mappings, ["registry-admins", "oid-obj-registry-admins"]);
      assert.deepEqual(
        desired("local-only").group_mappings,
        ["tools-users", "oid-obj-group-tools-users"],
        "mapped groups get their ids too",
      );
      const record = declared.find((d) => d.name === "objstore-m2m-agent-bot")!.inputs.desired as Record<
        string,
        unknown
      >;
      assert.equal(record.client_id, "appid-obj-app-agent-bot");
      assert.equal(record.idp_app_id, "appid-obj-app-agent-bot");
    },
  );
});

describe("one repository, two identity providers", () => {
  it("gives every identity the same scopes on Keycloak and Entra, with each provider's claim shape", async () => {
    const m = model();
    const docs = (ids: Record<string, string>) =>
      renderRegistryDocuments(m, { idp: "entra", groupObjectIds: ids }).scopes;
    /** The auth server's mapping: scopes whose group_mappings contain any claimed group. */
    const scopesFor = (claims: string[], scopeDocs: ReturnType<typeof docs>) =>
      scopeDocs
        .filter((s) => s.group_mappings.some((g) => claims.includes(g)))
        .map((s) => s._id)
        .sort();

    declared.length = 0;
    const kc = new KeycloakAccess("par-kc", {
      plan: planIdentity(m, { idp: "keycloak" }),
      realm: "mcp-gateway",
      keycloakUrl: "http://kc",
      bootstrap: {
        webRedirectUris: [],
        webOrigins: [],
        names: keycloakBootstrapPlan({ username: "admin" }),
        adminEmail: "a@b.c",
      },
    });
    await settled();
    const kcGroupIdToName = new Map<string, string>();
    for (const [name, id] of Object.entries(kc.groups)) kcGroupIdToName.set(await valueOf(id), name);
    const kcMemberships = new Map(
      declared
        .filter((d) => d.type === "keycloak:index/userGroups:UserGroups")
        .map((d) => [d.name, d.inputs.groupIds as string[]]),
    );
    const kcClaims = (who: string) => (kcMemberships.get(who) ?? []).map((id) => kcGroupIdToName.get(id)!);

    const en = (await declare("par-en")).access;
    const oids: Record<string, string> = {};
    for (const [name, id] of Object.entries(en.groups)) oids[name] = await valueOf(id);
    const enClaims = (memberOid: string) =>
      declared
        .filter((d) => d.type === "azuread:index/groupMember:GroupMember" && d.inputs.memberObjectId === memberOid)
        .map((d) => d.inputs.groupObjectId as string);

    const keycloakDocs = renderRegistryDocuments(m, { idp: "keycloak" }).scopes;
    const entraDocs = docs(oids);
    const identities: Array<[string, string, string]> = [
      ["alice", "par-kc-user-groups-alice", "oid-par-en-user-alice"],
      ["bob", "par-kc-user-groups-bob", "oid-par-en-user-bob"],
      ["agent-bot", "par-kc-m2m-groups-agent-bot", "oid-par-en-sp-agent-bot"],
    ];
    for (const [who, kcMembership, enMember] of identities) {
      const kcGroups = kcClaims(kcMembership);
      const enGroups = enClaims(enMember);
      assert.ok(kcGroups.length > 0 && enGroups.length > 0, `${who}'s memberships are declared on both`);
      assert.ok(
        kcGroups.every((g) => !g.startsWith("/") && !/^oid-/.test(g)),
        "Keycloak claims plain group names",
      );
      assert.ok(
        enGroups.every((g) => g.startsWith("oid-")),
        "Entra claims Object IDs",
      );
      // Upstream's unrestricted seeds map the admin groups by name only (init-mongodb-ce.py adds the Entra admin
      // group's Object ID to registry-admins alone), so an Entra token never reaches them.
      const byName = (id: string) => id.startsWith("mcp-servers-unrestricted/");
      const keycloakScopes = scopesFor(kcGroups, keycloakDocs).filter((id) => !byName(id));
      const entraScopes = scopesFor(enGroups, entraDocs).filter((id) => !byName(id));
      assert.deepEqual(entraScopes, keycloakScopes, `${who} has the same scopes on both`);
      assert.ok(scopesFor(kcGroups, keycloakDocs).length > 0);
    }
  });
});
