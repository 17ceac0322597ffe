/**
 * A kind's folder or the settings file under a near name (`Identity-Providers/`, `access_tests/`, `mcp-access.yml`)
 * is never read: what it holds would be removed at the next apply, or its guards ignored. One rule for every kind
 * of the table; each near name is an error at the entry, saying what to rename it to.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkFiles, KIND_NAMES, REPO_CONFIG_FILE, sizedFile } from "../../../../lib";
import { check, GROUP, USER } from "../../../support/repo";

const BASE = { "groups/g.yaml": GROUP, "users/alice.yaml": USER("alice") };

/** The ways people misspell a folder name: case, `_` or spaces for `-`, no dashes, a missing or extra `s`. */
function nearNames(kind: string): string[] {
  const title = kind.replace(/(^|-)(.)/g, (_m, d: string, c: string) => d + c.toUpperCase());
  const names = [title, kind.toUpperCase(), kind.replace(/-/g, "_"), kind.replace(/-/g, " "), `${kind}s`];
  if (kind.includes("-")) names.push(kind.replace(/-/g, ""));
  if (kind.endsWith("s")) names.push(kind.slice(0, -1));
  return names.filter((n) => n !== kind);
}

describe("kind folders under a near name", () => {
  for (const kind of KIND_NAMES) {
    for (const name of nearNames(kind)) {
      it(`refuses ${JSON.stringify(name)}/ for ${kind}/`, () => {
        const r = check({ ...BASE, [`${name}/x.yaml`]: "a: 1\n" });
        assert.equal(r.ok, false);
        const hits = r.errors.filter((d) => d.file === `${name}/`);
        assert.equal(hits.length, 1, r.errors.map((d) => `${d.file} ${d.message}`).join("\n"));
        assert.match(hits[0]!.message, new RegExp(`rename it to ${kind}$`));
      });
    }
  }

  for (const [name, kind] of [
    ["grups", "groups"],
    ["gruops", "groups"],
    ["usres", "users"],
    ["acess-tests", "access-tests"],
    ["rate-limtis", "rate-limits"],
    ["identity-provders", "identity-providers"],
  ]) {
    it(`refuses the typo ${name}/ for ${kind}/`, () => {
      const r = check({ ...BASE, [`${name}/x.yaml`]: "a: 1\n" });
      const hits = r.errors.filter((d) => d.file === `${name}/`);
      assert.equal(hits.length, 1);
      assert.match(hits[0]!.message, new RegExp(`rename it to ${kind}$`));
    });
  }

  it("files handed to checkFiles follow the same rule", () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    const file = (path: string, text: string) => sizedFile(path, enc(text).length, () => enc(text));
    for (const kind of KIND_NAMES) {
      for (const name of nearNames(kind)) {
        const r = checkFiles([file("groups/g.yaml", GROUP), file(`${name}/sub/x.yaml`, "a: 1\n")]);
        const hits = r.errors.filter((d) => d.file === `${name}/`);
        assert.equal(hits.length, 1, `${name}: ${JSON.stringify(r.errors)}`);
      }
    }
    const r = checkFiles([file("groups/g.yaml", GROUP), file("docs/x.yaml", "a: 1\n"), file("README.md", "x")]);
    assert.deepEqual(r.errors, []);
  });

  it("leaves a repository's other folders alone (no false alarm)", () => {
    const others = ["schemas", "scripts", "stacks", "tokens", "docs", "test", "tests", "bench", "examples", "lib"];
    const r = check({ ...BASE, ...Object.fromEntries(others.map((o) => [`${o}/README.md`, "x\n"])) });
    assert.deepEqual(
      r.errors.map((d) => d.message),
      [],
    );
  });
});

describe("the settings file under a near name", () => {
  for (const name of [
    "mcp-access.yml",
    "Mcp-Access.yaml",
    "mcp_access.yaml",
    "MCP-ACCESS.YAML",
    "mcp-access.json",
    "mcp-acess.yaml",
    "mcpaccess.yml",
  ]) {
    it(`refuses ${name}`, () => {
      const r = check({ ...BASE, [name]: "guards: {}\n" });
      const hits = r.errors.filter((d) => d.file === name);
      assert.equal(hits.length, 1);
      assert.match(hits[0]!.message, new RegExp(`rename it to ${REPO_CONFIG_FILE.replace(".", "\\.")}$`));
    });
  }

  it("reads mcp-access.yaml itself without a word", () => {
    const r = check({ ...BASE, [REPO_CONFIG_FILE]: "guards: {}\n" });
    assert.deepEqual(r.errors, []);
  });
});
