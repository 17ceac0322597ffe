/** The identity planner, as plain data: no Pulumi, no mocks. Properties over generated access models. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  BOOTSTRAP_ADMIN_GROUP,
  memberships,
  planIdentity,
  PlanError,
  type AccessModel,
  type IdentityPlan,
} from "../../../../lib";
import { prng as rng } from "../../../support/prng";

/** A valid access model: members join only groups created in the IdP or known to exist. */
function randomModel(seed: number): AccessModel {
  const r = rng(seed);
  const n = (max: number) => Math.floor(r() * (max + 1));
  const some = <T>(xs: readonly T[]) => xs.filter(() => r() < 0.4);
  const bootstrap = r() < 0.5;
  const groups = Array.from({ length: n(6) }, (_, i) => ({
    name: `g${i}`,
    description: r() < 0.5 ? `group ${i}` : "",
    serverAccess: [],
    groupMappings: [`g${i}`],
    uiPermissions: {},
    agentAccess: [],
    createInIdp: r() < 0.8,
    fromShorthand: false,
    owners: [],
    file: `groups/g${i}.yaml`,
  }));
  const external = [
    ...(bootstrap ? [BOOTSTRAP_ADMIN_GROUP] : []),
    ...Array.from({ length: n(2) }, (_, i) => `ext${i}`),
  ].sort();
  const joinable = [...groups.filter((g) => g.createInIdp).map((g) => g.name), ...external];
  return {
    groups,
    bootstrap,
    bootstrapAdmin: bootstrap
      ? { username: "admin", email: "admin@example.com", groups: [BOOTSTRAP_ADMIN_GROUP] }
      : null,
    externalGroups: external,
    users: Array.from({ length: n(8) }, (_, i) => ({
      username: r() < 0.3 ? `u${i}@example.org` : `u${i}`,
      email: `u${i}@example.org`,
      firstName: "U",
      lastName: `${i}`,
      groups: some(joinable),
      enabled: r() < 0.9,
      file: `users/u${i}.yaml`,
    })),
    m2m: Array.from({ length: n(4) }, (_, i) => ({
      name: `bot${i}`,
      description: r() < 0.5 ? null : `bot ${i}`,
      groups: some(joinable),
      enabled: true,
      file: `m2m/bot${i}.yaml`,
    })),
  };
}

const SEEDS = Array.from({ length: 300 }, (_, i) => i + 1);
const plans = (m: AccessModel): IdentityPlan[] => [
  planIdentity(m, { idp: "keycloak" }),
  planIdentity(m, { idp: "entra", userDomain: "contoso.example" }),
];

describe("identity plan (properties over generated models)", () => {
  it("resolves every membership to a group the plan creates or looks up", () => {
    for (const seed of SEEDS) {
      for (const plan of plans(randomModel(seed))) {
        const known = new Set(plan.groups.map((g) => g.name));
        for (const m of memberships(plan))
          assert.ok(
            known.has(m.group),
            `seed ${seed} (${plan.idp}): ${m.kind} ${m.principal} joins unplanned ${m.group}`,
          );
      }
    }
  });

  it("never declares two groups, users or clients with one name", () => {
    for (const seed of SEEDS) {
      for (const plan of plans(randomModel(seed))) {
        for (const names of [
          plan.groups.map((g) => g.name),
          plan.users.map((u) => u.name),
          plan.users.map((u) => u.signInName),
          plan.clients.map((c) => c.name),
        ]) {
          assert.equal(new Set(names).size, names.length, `seed ${seed} (${plan.idp}): ${names.join(",")}`);
        }
      }
    }
  });

  it("gives Keycloak and Entra the same access: same groups, same members, same enabled principals", () => {
    for (const seed of SEEDS) {
      const [kc, entra] = plans(randomModel(seed)) as [IdentityPlan, IdentityPlan];
      assert.deepEqual(memberships(entra), memberships(kc), `seed ${seed}`);
      assert.deepEqual(entra.groups, kc.groups, `seed ${seed}`);
      const enabled = (p: IdentityPlan) => [...p.users, ...p.clients].map((x) => [x.kind, x.name, x.enabled]);
      assert.deepEqual(enabled(entra), enabled(kc), `seed ${seed}`);
    }
  });

  it(
    "creates exactly the groups the definitions create in the IdP (and the bootstrap admin group), " +
      "and looks up the rest",
    () => {
      for (const seed of SEEDS) {
        const m = randomModel(seed);
        const [plan] = plans(m) as [IdentityPlan];
        const created = plan.groups
          .filter((g) => g.action === "create")
          .map((g) => g.name)
          .sort();
        const expected = [
          ...m.groups.filter((g) => g.createInIdp).map((g) => g.name),
          ...(m.bootstrap ? [BOOTSTRAP_ADMIN_GROUP] : []),
        ].sort();
        assert.deepEqual(created, expected, `seed ${seed}`);
        assert.deepEqual(
          plan.groups
            .filter((g) => g.action === "lookUp")
            .map((g) => g.name)
            .sort(),
          m.externalGroups.filter((g) => !expected.includes(g)).sort(),
        );
      }
    },
  );
});

describe("identity plan (examples)", () => {
  const model = randomModel(7);

  it("gives Entra users a UPN in the configured domain, and refuses a username that needs one without it", () => {
    const plain = {
      ...model,
      users: [
        {
          username: "alice",
          email: "a@x",
          firstName: "A",
          lastName: "L",
          groups: [],
          enabled: true,
          file: "users/alice.yaml",
        },
      ],
    };
    assert.equal(
      planIdentity(plain, { idp: "entra", userDomain: "contoso.example" }).users[0]!.signInName,
      "alice@contoso.example",
    );
    assert.equal(planIdentity(plain, { idp: "keycloak" }).users[0]!.signInName, "alice");
    assert.throws(
      () => planIdentity(plain, { idp: "entra" }),
      (e: Error) =>
        e instanceof PlanError &&
        /user "alice" \(users\/alice\.yaml\) needs a UPN domain: set mcp-gateway-access:entraUserDomain/.test(
          e.message,
        ),
    );
  });

  it(
    "gives Keycloak service accounts the registry's groups and audience mappers, and looks Entra " +
      "users up when the tenant syncs them",
    () => {
      const m = {
        ...model,
        users: [
          {
            username: "alice",
            email: "a@x",
            firstName: "A",
            lastName: "L",
            groups: [],
            enabled: true,
            file: "users/alice.yaml",
          },
        ],
        m2m: [{ name: "bot", description: null, groups: [], enabled: true, file: "m2m/bot.yaml" }],
      };
      const kc = planIdentity(m, { idp: "keycloak" }).clients[0]!;
      assert.deepEqual([kc.mappers, kc.description], [["groups", "mcp-gateway-audience"], "Service account for bot"]);
      assert.deepEqual(
        planIdentity(m, { idp: "entra", userDomain: "d", existingUsers: true }).users.map((u) => u.action),
        ["lookUp"],
      );
      assert.deepEqual(
        planIdentity(m, { idp: "entra", userDomain: "d" }).users.map((u) => u.action),
        ["create"],
      );
    },
  );

  it(
    "leaves the audience mapper out when the realm's basic scope adds the audience " +
      "(keycloakM2MAudienceMapper false)",
    () => {
      const m = {
        ...model,
        m2m: [{ name: "bot", description: null, groups: [], enabled: true, file: "m2m/bot.yaml" }],
      };
      assert.deepEqual(planIdentity(m, { idp: "keycloak", audienceMapper: false }).clients[0]!.mappers, ["groups"]);
    },
  );

  it("on Entra, a group whose group_mappings hold one Object ID is adopted by it; none or several: by name", () => {
    const oid = "0a0a0a0a-0000-4000-8000-00000000000a";
    const g = (name: string, groupMappings: string[]) => ({
      name,
      description: "",
      serverAccess: [],
      groupMappings,
      uiPermissions: {},
      agentAccess: [],
      createInIdp: true,
      fromShorthand: false,
      owners: [],
      file: `groups/${name}.yaml`,
    });
    const m = {
      ...model,
      groups: [g("one", ["one", oid]), g("none", ["none"]), g("two", ["two", oid, oid.replace("a0a", "b0b")])],
    };
    const byName = Object.fromEntries(
      planIdentity(m, { idp: "entra", userDomain: "d" }).groups.map((x) => [x.name, x.objectId]),
    );
    assert.deepEqual([byName.one, byName.none, byName.two], [oid, undefined, undefined]);
    assert.equal(planIdentity(m, { idp: "keycloak" }).groups.find((x) => x.name === "one")!.objectId, undefined);
  });
});
