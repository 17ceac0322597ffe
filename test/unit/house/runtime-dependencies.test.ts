/**
 * Runtime code loads only packages in `dependencies` (issue 23, item 12): after `npm ci --omit=dev`, `pulumi up`
 * (adoption) and `import` must still find what they import.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { join } from "node:path";
import { describe, it } from "node:test";
import { REPO_ROOT } from "../../support/paths";

const RUNTIME = ["api.ts", "index.ts", "program.ts", "cli", "components", "lib", "tokens", "bin"];

function files(path: string): string[] {
  const abs = join(REPO_ROOT, path);
  if (statSync(abs).isDirectory()) return readdirSync(abs).flatMap((f) => files(join(path, f)));
  return /\.(ts|js)$/.test(path) && !path.endsWith(".d.ts") ? [path] : [];
}

function packageOf(specifier: string): string | null {
  if (specifier.startsWith(".") || specifier.startsWith("node:") || builtinModules.includes(specifier.split("/")[0]!))
    return null;
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

describe("runtime dependencies", () => {
  it("every package runtime code imports is in dependencies, not devDependencies", () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as {
      name: string;
      dependencies: Record<string, string>;
    };
    const missing: string[] = [];
    for (const f of RUNTIME.flatMap(files)) {
      const text = readFileSync(join(REPO_ROOT, f), "utf8");
      // Type-only imports vanish at build time.
      for (const m of text.matchAll(
        new RegExp(
          String.raw`(?:^|\n)\s*import\s+(?!type\s)[^;]*?from\s+"([^"]+)"|\bimport\(\s*"([^` +
            String.raw`"]+)"\s*\)|\brequire\(\s*"([^"]+)"\s*\)`,
          "g",
        ),
      )) {
        const name = packageOf(m[1] ?? m[2] ?? m[3]!);
        // The package's own name appears in examples (`require("mcp-gateway-access")`).
        if (name && name !== pkg.name && !(name in pkg.dependencies)) missing.push(`${f}: ${name}`);
      }
    }
    assert.deepEqual(missing, []);
    assert.ok("@keycloak/keycloak-admin-client" in pkg.dependencies);
  });
});
