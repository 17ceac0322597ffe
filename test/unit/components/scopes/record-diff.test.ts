/** The fields of a scope document the registry writes itself: kept by the stack, never drift or a conflict. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  canonical,
  layoutOf,
  registryOwnedFields,
  withLayout,
  withoutRegistryOwned,
  withRegistryOwned,
  type Fields,
} from "../../../../components/scopes/record-diff";

const desired: Fields = {
  group_mappings: ["g"],
  ui_permissions: { list_service: ["all"], list_datasets_entity: ["all"] },
};

describe("registry-owned fields of a scope document", () => {
  it("are is_idp_managed and the custom-entity permissions the definitions do not set", () => {
    const live: Fields = {
      ...desired,
      is_idp_managed: true,
      ui_permissions: {
        list_service: ["all"],
        list_datasets_entity: ["all"],
        create_models_entity: ["all"],
        list_models_entity: ["all"],
      },
    };
    assert.deepEqual(registryOwnedFields(live, desired), {
      is_idp_managed: true,
      ui_permissions: { create_models_entity: ["all"], list_models_entity: ["all"] },
    });
    assert.deepEqual(withoutRegistryOwned(live, desired), desired);
  });

  it("leave a declared key the definitions' own: its removal or change is seen", () => {
    const live: Fields = { group_mappings: ["g"], ui_permissions: { list_service: ["all"] } };
    assert.notDeepEqual(withoutRegistryOwned(live, desired), desired);
    const ownIdp: Fields = { ...desired, is_idp_managed: false };
    assert.deepEqual(registryOwnedFields({ ...ownIdp, is_idp_managed: true }, ownIdp), {});
  });

  it("are not custom-entity look-alikes (other actions, upper case, no type)", () => {
    const live: Fields = {
      ui_permissions: {
        publish_x_entity: ["all"],
        list_X_entity: ["all"],
        list__entity: ["all"],
        list_service: ["all"],
      },
    };
    assert.deepEqual(registryOwnedFields(live, { ui_permissions: {} }), {});
  });

  it("are put back when the stack writes the document", () => {
    const live: Fields = { is_idp_managed: true, ui_permissions: { delete_models_entity: ["all"] } };
    assert.deepEqual(withRegistryOwned(desired, desired, live), {
      ...desired,
      is_idp_managed: true,
      ui_permissions: { list_service: ["all"], list_datasets_entity: ["all"], delete_models_entity: ["all"] },
    });
    assert.equal(withRegistryOwned(desired, desired, null), desired);
  });
});

describe("a record's key order (layout)", () => {
  it("puts back the order the engine sorted away, nested objects in arrays included; unknown keys follow", () => {
    const rendered = {
      scope_type: "group",
      description: "d",
      server_access: [
        { server: "s", methods: ["m"], tools: [] },
        { agent: "/a", actions: ["x"] },
      ],
      ui_permissions: { z: ["1"], a: ["2"] },
    };
    const sorted = JSON.parse(canonical(rendered)) as Fields;
    assert.notEqual(JSON.stringify(sorted), JSON.stringify(rendered));
    assert.equal(JSON.stringify(withLayout(sorted, layoutOf(rendered))), JSON.stringify(rendered));
    const extra = withLayout({ ...sorted, added: 1 } as Fields, layoutOf(rendered));
    assert.deepEqual(Object.keys(extra), ["scope_type", "description", "server_access", "ui_permissions", "added"]);
    assert.deepEqual(withLayout(sorted, undefined), sorted);
  });
});
