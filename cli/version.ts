/** The version of this package, as its package.json says (the CLI's --version, and what `init` depends on). */
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The version in package.json (dist/cli/version.js → package.json). */
export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")) as { version?: unknown };
    return typeof pkg.version === "string" ? pkg.version : "unknown";
  } catch {
    return "unknown";
  }
}
