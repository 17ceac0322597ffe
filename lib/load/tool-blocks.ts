/** `tool-blocks/` files checked against their schema: one block or a list, each with its position. */
import type { Diagnostic, FieldPath } from "../errors/diagnostics";
import { knownFieldsOf } from "../schema";
import { checkCharacters } from "../schema/field-checks";
import { translateIssues } from "../schema/issues";
import { ToolBlock, ToolBlockFile } from "../schema/tool-blocks";
import { diagnosticAt, type SourceFile } from "../source/file";
import type { Located } from "./definitions";

const FREE_TEXT: ReadonlySet<string> = new Set(["reason"]);

/**
 * One `tool-blocks/` file. Checks across files (the same tool blocked twice, a server no group names) are the
 * model's (lib/model/tool-blocks.ts): they need every file.
 */
export function checkToolBlockFile(source: SourceFile, out: Diagnostic[]): Located<ToolBlock>[] {
  const value = source.value;
  if (value === null || typeof value !== "object") {
    out.push(diagnosticAt(source, [], "expected a tool block (a mapping), or a list of them, at the top of the file"));
    return [];
  }
  const entries = Array.isArray(value)
    ? value.map((v, i) => ({ v, at: [i] as FieldPath }))
    : [{ v: value, at: [] as FieldPath }];
  const items: Located<ToolBlock>[] = [];
  for (const { v, at } of entries) {
    out.push(...checkCharacters(v, at, source, { freeText: FREE_TEXT }));
    const res = ToolBlock.safeParse(v);
    if (!res.success) {
      out.push(
        ...translateIssues(res.error.issues, {
          source,
          prefix: at,
          knownFields: knownFieldsOf(ToolBlockFile),
          skipKeys: new Set(),
        }),
      );
      continue;
    }
    items.push({ value: res.data, source: source.ref, at });
  }
  return items;
}
