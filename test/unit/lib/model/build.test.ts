/**
 * The access model is built once and frozen: what is derived from it (the scope documents `authScopes` keeps per
 * model) can never go stale.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { authScopes, type AccessModel, type ScopeGroup } from "../../../../lib";
import { check, GROUP, USER } from "../../../support/repo";

const FILES = {
  "groups/g.yaml": GROUP,
  "users/alice.yaml": USER("alice") + "rate_limit_groups: [interactive]\n",
  "rate-limits/limits.yaml": "caller_group: interactive\nuser_max_requests: 30\n",
  "identity-providers/corp.yaml": `alias: corp
oidc:
  authorization_url: https://login.example.com/authorize
  token_url: https://login.example.com/token
  client_id: registry
mappers:
  - value: engineers
    group: tools-users
`,
};

/** The model as a caller that ignores its readonly type sees it. */
type Mutable = { -readonly [K in keyof AccessModel]: AccessModel[K] } & { groups: ScopeGroup[] };

describe("the access model", () => {
  it("is frozen after checkRepository: a mutation throws, and its scope documents stay the same", () => {
    const r = check(FILES);
    assert.deepEqual(r.errors, []);
    assert.equal(r.model.rateLimits?.memberships.length, 1);
    assert.equal(r.model.identityProviders?.length, 1);
    const before = structuredClone(authScopes(r.model));
    const model = r.model as Mutable;
    assert.throws(() => {
      model.rateLimits = undefined;
    }, TypeError);
    assert.throws(() => {
      model.identityProviders = [];
    }, TypeError);
    assert.throws(() => model.groups.push({ ...model.groups[0]!, name: "more" }), TypeError);
    assert.throws(() => model.groups[0]!.groupMappings.push("everyone"), TypeError);
    assert.throws(() => {
      model.groups[0]!.uiPermissions.delete_service = ["all"];
    }, TypeError);
    assert.throws(() => (model.users[0]!.groups as string[]).push("registry-admins"), TypeError);
    assert.throws(() => (model.rateLimits!.memberships as unknown[]).pop(), TypeError);
    // The same list each time, and what rendering the model afresh gives.
    assert.equal(authScopes(r.model), authScopes(r.model));
    assert.deepEqual(authScopes(r.model), before);
    assert.deepEqual(authScopes(r.model), authScopes(r.model, {}));
  });

  it("renders a model it did not build on each call, so a changed one is never answered from before", () => {
    const built = check(FILES).model;
    const copy = structuredClone(built) as Mutable;
    assert.deepEqual(authScopes(copy), authScopes(built));
    copy.groups[0]!.groupMappings.push("everyone");
    const doc = authScopes(copy).find((d) => d._id === "tools-users")!;
    assert.deepEqual(doc.group_mappings, ["tools-users", "everyone"]);
  });
});
