/** How `import` writes a definition file, and the small list helpers its importers share. */
import { stringify } from "yaml";
import { byCodeUnit } from "../errors/order";
import type { ImportFile } from "./types";

/** A file name for an object name: `/` (registry scope names) and other unsafe characters become `_`. */
export function fileNameFor(name: string): string {
  return name.replace(/[^A-Za-z0-9._@-]/g, "_");
}

/**
 * `<kind>/<file name>.yaml`: the schema header, `comments` as `#` lines, then `value` as YAML. `fileName` is the
 * object's name made safe unless the importer says otherwise.
 */
export function yamlFile(
  kind: ImportFile["kind"],
  name: string,
  value: unknown,
  comments: readonly string[] = [],
  fileName = fileNameFor(name),
): ImportFile {
  const header = `# yaml-language-server: $schema=../schemas/${kind}.schema.json\n`;
  const text = header + comments.map((c) => `# ${c}\n`).join("") + stringify(value, { lineWidth: 0 });
  return { kind, name, path: `${kind}/${fileName}.yaml`, text };
}

/** Sorted by `key` in code-unit order (lib/errors/order.ts), so files come out the same anywhere. */
export function sortedByCodeUnit<T>(items: readonly T[], key: (t: T) => string): T[] {
  return [...items].sort((a, b) => byCodeUnit(key(a), key(b)));
}

export const sameList = (a: readonly unknown[], b: readonly unknown[]) =>
  a.length === b.length && a.every((x, i) => JSON.stringify(x) === JSON.stringify(b[i]));
export const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");
