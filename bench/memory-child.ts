/** Runs one side of the core memory benchmark in a fresh process and prints its peak RSS in KiB. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { checkRepository, renderRegistryDocuments } from "../lib";

const [mode, root] = process.argv.slice(2);
if (!root || (mode !== "floor" && mode !== "core")) {
  process.stderr.write("usage: memory-child floor|core <repository>\n");
  process.exit(2);
}
if (mode === "floor") {
  const parsed: unknown[] = [];
  for (const kind of ["groups", "users", "m2m"]) {
    for (const f of readdirSync(join(root, kind)))
      parsed.push(parseDocument(readFileSync(join(root, kind, f), "utf8")).toJS());
  }
  process.stdout.write(`${process.resourceUsage().maxRSS} ${parsed.length}\n`);
} else {
  const r = checkRepository(root, { existingGroups: ["registry-admins"] });
  const docs = renderRegistryDocuments(r.model);
  process.stdout.write(`${process.resourceUsage().maxRSS} ${docs.scopes.length}\n`);
}
