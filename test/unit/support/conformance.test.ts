/**
 * The conformance harness judges only what the vendored auth server (8c5b834b) can judge: its request matrix holds no
 * generic-proxy client URL (release 1.30.0) and no registry API read of 1.31.0, and refuses one loudly.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkRepository } from "../../../lib";
import { requestMatrix } from "../../support/conformance";
import { randomRepo } from "../../support/random-repo";
import { makeRepo } from "../../support/repo";

describe("the conformance matrix", () => {
  it("generated repositories give requests the vendored auth server judges", () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const checked = checkRepository(makeRepo(randomRepo(seed).files), { bootstrap: true });
      assert.ok(checked.ok, JSON.stringify(checked.errors.slice(0, 3)));
      assert.ok(requestMatrix(checked.model).length > 0);
    }
  });
  it("refuses a key under the generic proxy prefix rather than compare it with a judge that predates it", () => {
    const group = "scope_name: g\nserver_access:\n  - {server: gateway/skill/pdf, methods: [initialize]}\n";
    const checked = checkRepository(makeRepo({ "groups/g.yaml": group }), { bootstrap: true });
    assert.ok(checked.ok, JSON.stringify(checked.errors.slice(0, 3)));
    assert.throws(() => requestMatrix(checked.model), /vendored auth server predates/);
  });
});
