/**
 * import reads the seeds as the Helm chart wrote them before release 1.31.0 (#1757; test/fixtures/registry/
 * helm-seeds-pre-1.31, reconstructed — see the fixtures' README): it writes no seed as a group, says how each departs
 * from the scripts' seed, and writes a group of its own that uses the same shapes (`tools: "*"`, the nested `agents`
 * block) as a valid definition; a `tools` string it cannot write is refused, saying why.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { checkRepository, convertSnapshot, type ImportSnapshot } from "../../../../lib";
import { helmSeedMarks } from "../../../../lib/import/helm-seeds";
import { FIXTURES } from "../../../support/paths";
import { makeRepo } from "../../../support/repo";

const HELM = join(FIXTURES, "registry", "helm-seeds-pre-1.31");
const SCRIPTS = join(FIXTURES, "registry", "seeds-8c5b834b");
const read = (dir: string) =>
  readdirSync(dir)
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as Record<string, unknown>);

/** A group of the operator's own, in the Helm seeds' shapes. */
const own = {
  _id: "helpers",
  scope_type: "group",
  server_access: [
    { server: "docs", methods: ["initialize", "tools/list"], tools: "*" },
    { agents: { actions: [{ action: "list_agents", resources: ["all"] }] } },
  ],
  group_mappings: ["helpers"],
  ui_permissions: { list_service: ["docs"] },
  agent_access: [],
  is_idp_managed: false,
};

function snapshot(scopes: Array<Record<string, unknown>>): ImportSnapshot {
  return {
    idp: "keycloak",
    source: "realm r",
    namespace: "default",
    groups: [],
    users: [],
    clients: [],
    scopes,
    m2mRecords: [],
  };
}

describe("import: the Helm chart's pre-1.31.0 seeds", () => {
  it("marks how each seed departs from the scripts' (none for the scripts' own seeds)", () => {
    for (const doc of read(SCRIPTS)) assert.deepEqual(helmSeedMarks(doc), [], String(doc._id));
    const marks = Object.fromEntries(read(HELM).map((d) => [String(d._id), helmSeedMarks(d).join("; ")]));
    assert.match(marks["registry-admins"]!, /nested agents block/);
    assert.match(
      marks["mcp-registry-admin"]!,
      /group_mappings \["mcp-registry-admin","mcp-servers-unrestricted\/read"/,
    );
    assert.match(
      marks["mcp-servers-unrestricted/read"]!,
      /group_mappings \[\] \(the scripts' seed: \["registry-admins"/,
    );
    assert.match(marks["mcp-servers-unrestricted/execute"]!, /group_mappings \[\]/);
    assert.equal(marks["federation-service"], "", "the scripts' federation-service has the nested block too");
  });

  it("writes no seed, reports each with what it means, and writes a group in the same shapes that validates", () => {
    const r = convertSnapshot(snapshot([...read(HELM), own]));
    assert.deepEqual(
      r.files.map((f) => f.path),
      ["groups/helpers.yaml"],
    );
    const said = r.findings.map((f) => `${f.object} ${f.problem} → ${f.action}`);
    const helm = said.filter((s) => /Helm chart's pre-1\.31\.0 copy/.test(s));
    assert.equal(helm.length, 4, said.join("\n"));
    assert.ok(helm.every((s) => /helm upgrade to 1\.31\.0 or later writes over it .* \(#1757\)/.test(s)));
    const file = parse(r.files[0]!.text) as { server_access: unknown[] };
    assert.deepEqual(file.server_access, own.server_access);
    const root = makeRepo(Object.fromEntries(r.files.map((f) => [f.path, f.text])));
    const checked = checkRepository(root, { existingGroups: r.settings.existingGroups });
    assert.ok(checked.ok, JSON.stringify(checked.errors));
  });

  it('refuses a tools string other than "*", saying the auth server tests it by substring', () => {
    const sub = { ...own, _id: "subs", server_access: [{ server: "x", methods: ["initialize"], tools: "read_file" }] };
    const r = convertSnapshot(snapshot([sub]));
    const said = r.findings.map((f) => f.problem).join("\n");
    assert.match(said, /tools is the string "read_file": the auth server tests "tool in tools" by substring/);
    assert.deepEqual((parse(r.files[0]!.text) as { server_access: unknown[] }).server_access, []);
  });
});
