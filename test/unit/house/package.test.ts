/**
 * The package a definitions repository depends on (`npm pack`): what a user runs and nothing else — the built
 * library, CLI, types, JSON Schemas, the Pulumi entry and the scripts of the local stack; no tests, bench, examples or
 * source maps — its entry points, and runtime dependencies only.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { join } from "node:path";
import { describe, it } from "node:test";
import { SCHEMA_NAMES } from "../../../lib";
import { REPO_ROOT } from "../../support/paths";

interface Packed {
  size: number;
  unpackedSize: number;
  files: { path: string }[];
}

const PKG = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as {
  version: string;
  dependencies: Record<string, string>;
  exports: Record<string, unknown>;
  private?: boolean;
};

/** What `npm pack` would put in the tarball (without running the build again: the tests run on a built tree). */
function packed(): Packed {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: REPO_ROOT,
    encoding: "utf8",
  });
  return (JSON.parse(out) as Packed[])[0]!;
}

describe("the package", () => {
  const pack = packed();
  const files = pack.files.map((f) => f.path).sort();

  it("is publishable, and holds what a user runs", () => {
    assert.notEqual(PKG.private, true);
    for (const f of [
      "package.json",
      "README.md",
      "CHANGELOG.md",
      "bin/mcp-access.js",
      "dist/api.js",
      "dist/api.d.ts",
      "dist/pulumi.js",
      "dist/pulumi.d.ts",
      "dist/node-support.js",
      "dist/cli/main.js",
      "dist/cli/local/command.js",
      "scripts/build-engine.sh",
      "scripts/keycloak.sh",
      "scripts/ferretdb.sh",
      "scripts/ferretdb/main.go",
      "scripts/lib/service.sh",
      ...SCHEMA_NAMES.map((k) => `schemas/${k}.schema.json`),
    ]) {
      assert.ok(files.includes(f), `${f} is in the package`);
    }
    // Every patch of the plugin the bench measures, with its Go test.
    const patches = readdirSync(join(REPO_ROOT, "scripts", "patches"));
    assert.ok(patches.length > 0);
    for (const p of patches) assert.ok(files.includes(`scripts/patches/${p}`), p);
  });

  it("holds no tests, bench, examples, definitions, source maps or development scripts", () => {
    const unwanted = files.filter(
      (f) =>
        /^(test|bench|examples|groups|users|m2m|access-tests|stacks|docs|lib|cli|components)\//.test(f) ||
        /^dist\/(test|bench|scripts)\//.test(f) ||
        /^dist\/index\./.test(f) ||
        f.endsWith(".map") ||
        (f.endsWith(".ts") && !f.endsWith(".d.ts")) ||
        /^scripts\/(registry|provide-node|chromium)\.sh$|^scripts\/with-services\.js$/.test(f),
    );
    assert.deepEqual(unwanted, []);
  });

  it("CHANGELOG.md's newest entry is this version, and says what pulumi preview will show existing stacks", () => {
    const changelog = readFileSync(join(REPO_ROOT, "CHANGELOG.md"), "utf8");
    const newest = /^## (\S+)/m.exec(changelog)?.[1];
    assert.equal(newest, PKG.version);
    const entry = changelog.split(/^## /m)[1]!;
    assert.match(entry, /^### What `pulumi preview` will show existing stacks$/m);
  });

  it("stays small: under 450 kB packed, 1.8 MB unpacked, 400 files", () => {
    assert.ok(pack.size < 450_000, `packed ${pack.size} bytes`);
    assert.ok(pack.unpackedSize < 1_800_000, `unpacked ${pack.unpackedSize} bytes`);
    assert.ok(files.length < 400, `${files.length} files`);
  });

  it("exports the library and the Pulumi entry, which resolve to the built files", () => {
    assert.deepEqual(Object.keys(PKG.exports).sort(), [".", "./dist/*", "./package.json", "./pulumi", "./schemas/*"]);
    // The package resolves its own name through `exports`, as a definitions repository's index.ts does.
    assert.equal(require.resolve("mcp-gateway-access"), join(REPO_ROOT, "dist", "api.js"));
    assert.equal(require.resolve("mcp-gateway-access/pulumi"), join(REPO_ROOT, "dist", "pulumi.js"));
    assert.equal(
      require.resolve("mcp-gateway-access/schemas/groups.schema.json"),
      join(REPO_ROOT, "schemas", "groups.schema.json"),
    );
  });

  it("needs only its runtime dependencies: every package the shipped code requires is in `dependencies`", () => {
    const needed = new Set<string>();
    for (const f of files.filter((f) => f.endsWith(".js"))) {
      const text = readFileSync(join(REPO_ROOT, f), "utf8");
      for (const m of text.matchAll(/require\("([^".][^"]*)"\)/g)) {
        const name = m[1]!.startsWith("@") ? m[1]!.split("/").slice(0, 2).join("/") : m[1]!.split("/")[0]!;
        if (!name.startsWith("node:") && !builtinModules.includes(name)) needed.add(name);
      }
    }
    needed.delete("mcp-gateway-access");
    const missing = [...needed].filter((n) => !Object.hasOwn(PKG.dependencies, n));
    assert.deepEqual(missing, []);
    assert.ok(needed.has("@pulumi/pulumi") && needed.has("zod"), "the shipped code was read");
  });
});
