/**
 * Names that are also properties of every JavaScript object (issue 23, item 8): `constructor`, `toString`,
 * `hasOwnProperty`, `valueOf`, `__proto__` as group, scope, user, M2M, server and tool names, and `__proto__` as a
 * key, which is refused with its position instead of being dropped.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { run } from "../../../../cli/main";
import { checkRepository, renderRegistryDocuments } from "../../../../lib";
import { getTokens } from "../../../../tokens";
import { startFakeEntra } from "../../../support/fake-entra";
import { makeRepo } from "../../../support/repo";

const NAMES = ["constructor", "tostring", "hasownproperty", "valueof", "isprototypeof"];

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

function repo(): string {
  const files: Record<string, string> = {};
  for (const n of NAMES) {
    files[`groups/${n}.yaml`] =
      `scope_name: ${n}\ngroup_mappings: [${n}, constructor, toString]\nserver_access:\n  - server: ` +
      `${n}\n    methods: [tools/call]\n    tools: [${n}, toString]\nui_permissions:\n  list_service: [${n}]\n`;
    files[`users/${n}.yaml`] = `username: ${n}\nemail: ${n}@example.com\nfirst_name: A\nlast_name: B\ngroups: [${n}]\n`;
    files[`m2m/${n}.yaml`] = `name: ${n}-bot\ngroups: [${n}]\n`;
  }
  return makeRepo(files);
}

describe("names that are JavaScript object properties", () => {
  it("validate, render and explain treat them as names", async () => {
    const dir = repo();
    const checked = checkRepository(dir, { existingGroups: ["registry-admins"] });
    assert.equal(checked.ok, true, JSON.stringify(checked.errors));
    const docs = renderRegistryDocuments(checked.model, { groupObjectIds: {} }).scopes;
    for (const d of docs) for (const m of d.group_mappings) assert.equal(typeof m, "string", `${d._id}: ${String(m)}`);
    const withIds = renderRegistryDocuments(checked.model, {
      groupObjectIds: { constructor: "oid-1" } as Record<string, string>,
    }).scopes;
    assert.ok(withIds.every((d) => d.group_mappings.every((m) => typeof m === "string")));
    for (const args of [
      ["validate"],
      ["render"],
      ["explain", "--user", "constructor"],
      ["explain", "--m2m", "constructor-bot"],
      ["explain", "--groups", "constructor,toString"],
    ]) {
      const r = await cli([...args, "--dir", dir, "--existing-group", "registry-admins"]);
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.out}${r.err}`);
      assert.doesNotMatch(r.err, /is not a function|TypeError/);
    }
  });

  it("token maps groups named constructor to their scopes (no 'name.trim is not a function')", async () => {
    const entra = await startFakeEntra();
    try {
      const dir = repo();
      entra.claims = { groups: ["constructor", "toString"] };
      const outputs = {
        m2m: {
          "constructor-bot": {
            clientId: "app",
            clientSecret: "s",
            tenantId: entra.tenant,
            tokenUrl: `${entra.base}/${entra.tenant}/oauth2/v2.0/token`,
            scope: "api://gw/.default",
            authProvider: "entra" as const,
          },
        },
        groups: {},
      };
      writeFileSync(join(dir, "outputs.json"), JSON.stringify(outputs));
      const [r] = await getTokens(["constructor-bot"], { outputs, outDir: false, definitionsDir: dir });
      assert.ok(r && r.ok, r && !r.ok ? r.error : "");
      assert.deepEqual(r.token.scopes, [...NAMES].sort());
    } finally {
      await entra.close();
    }
  });

  it("refuses __proto__ as a key, with its position, instead of dropping it", async () => {
    const dir = makeRepo({
      "groups/a.yaml": "scope_name: a\nui_permissions:\n  list_service: [x]\n  __proto__: {list_service: [all]}\n",
    });
    const r = await cli(["validate", "--dir", dir]);
    assert.equal(r.code, 1);
    assert.match(
      r.out,
      /^groups\/a\.yaml:4:3: error: ui_permissions\.__proto__: "__proto__" is not a valid field name/m,
    );
    const json = makeRepo({ "groups/a.json": '{"scope_name": "a", "__proto__": {"create_in_idp": false}}' });
    const j = await cli(["validate", "--dir", json]);
    assert.equal(j.code, 1);
    assert.match(j.out, /groups\/a\.json:1:\d+: error: __proto__: "__proto__" is not a valid field name/);
  });
});
