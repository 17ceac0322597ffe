/**
 * The module map is a DAG with the layers docs/architecture.md describes: cli and components over lib, the
 * read-only clients (Keycloak admin, Graph, stack state) over lib only, tokens beside; inside lib, folders in one
 * order, none importing a later one.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, it } from "node:test";
import { REPO_ROOT } from "../../support/paths";

function sources(dir: string): string[] {
  return readdirSync(join(REPO_ROOT, dir)).flatMap((f) => {
    const rel = join(dir, f);
    if (statSync(join(REPO_ROOT, rel)).isDirectory()) return sources(rel);
    return f.endsWith(".ts") ? [rel] : [];
  });
}

/** Relative imports of a source file, as repository paths without extension. */
function imports(file: string): string[] {
  const text = readFileSync(join(REPO_ROOT, file), "utf8");
  return [...text.matchAll(/^(?:import|export)[^;]*?from "(\.[^"]+)"/gm)].map((m) => {
    const target = normalize(join(dirname(file), m[1]!));
    return sources(dirname(target)).some((s) => s === `${target}.ts`) ? target : join(target, "index");
  });
}

const FILES = ["lib", "clients", "components", "cli", "tokens"]
  .flatMap(sources)
  .concat(["index.ts", "pulumi.ts", "node-support.ts", "program.ts", "program-runtime.ts", "api.ts"]);
const GRAPH = new Map(FILES.map((f) => [f.replace(/\.ts$/, ""), imports(f)]));
const layer = (m: string) => m.split("/")[0]!;
/** lib/'s folders in reading order: a folder may import those before it, never one after it. */
const LIB_LAYERS = [
  "errors",
  "registry",
  "source",
  "schema",
  "settings",
  "load",
  "model",
  "render",
  "review",
  "import",
];

describe("layers", () => {
  it("components never import the CLI, lib imports nothing above it, clients and tokens only lib", () => {
    for (const [from, targets] of GRAPH) {
      for (const to of targets) {
        if (layer(from) === "components") assert.notEqual(layer(to), "cli", `${from} → ${to}`);
        if (layer(from) === "clients") assert.ok(["lib", "clients"].includes(layer(to)), `${from} → ${to}`);
        if (layer(from) === "lib") assert.equal(layer(to), "lib", `${from} → ${to}`);
        if (layer(from) === "tokens") assert.ok(["lib", "tokens"].includes(layer(to)), `${from} → ${to}`);
      }
    }
  });

  it("lib's folders are layers, each importing only the folders before it (docs/architecture.md)", () => {
    const rank = (m: string) => LIB_LAYERS.indexOf(m.split("/")[1]!);
    const folders = new Set(
      sources("lib")
        .map((f) => f.split("/")[1]!)
        .filter((f) => !f.endsWith(".ts")),
    );
    assert.deepEqual([...folders].sort(), [...LIB_LAYERS].sort(), "every lib/ folder has its place in the order");
    const upward: string[] = [];
    for (const [from, targets] of GRAPH) {
      if (layer(from) !== "lib" || from === "lib/index") continue;
      for (const to of targets) if (to !== "lib/index" && rank(to) > rank(from)) upward.push(`${from} → ${to}`);
    }
    assert.deepEqual(upward, []);
  });

  it("unit tests are named after the folders they test: test/unit/<folder>/ mirrors a production folder", () => {
    // house/ holds the repository's own rules (layers, docs, packaging), support/ the test support's tests.
    const own = new Set(["house", "support", "program"]);
    const tests = sources("test/unit").map((f) => dirname(f).replace(/^test\/unit\/?/, ""));
    assert.ok(tests.length > 40, "the unit tests were read");
    for (const folder of new Set(tests)) {
      assert.ok(folder !== "", "a unit test file directly in test/unit/ names no folder");
      const top = folder.split("/")[0]!;
      if (own.has(top)) continue;
      assert.ok(statSync(join(REPO_ROOT, folder)).isDirectory(), `test/unit/${folder}/ names no production folder`);
    }
  });

  it("the CLI reaches the core only through lib/index.ts", () => {
    for (const [from, targets] of GRAPH) {
      if (layer(from) !== "cli") continue;
      for (const to of targets.filter((t) => layer(t) === "lib")) assert.equal(to, "lib/index", `${from} → ${to}`);
    }
  });

  it("has no import cycle", () => {
    const state = new Map<string, "visiting" | "done">();
    const visit = (m: string, path: string[]) => {
      if (state.get(m) === "done") return;
      assert.notEqual(state.get(m), "visiting", `cycle: ${[...path, m].join(" → ")}`);
      state.set(m, "visiting");
      for (const t of GRAPH.get(m) ?? []) visit(t, [...path, m]);
      state.set(m, "done");
    };
    for (const m of GRAPH.keys()) visit(m, []);
    assert.ok(GRAPH.size > 40, "the sources were read");
  });
});
