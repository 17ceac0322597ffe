/** `rate-limits/` files checked against their schema: rate limits and quarantine, with their positions. */
import type { Diagnostic, FieldPath } from "../errors/diagnostics";
import { knownFieldsOf } from "../schema";
import { checkCharacters } from "../schema/field-checks";
import { translateIssues } from "../schema/issues";
import { RateLimitFile, RateLimitPolicy } from "../schema/rate-limits";
import { diagnosticAt, type SourceFile } from "../source/file";
import type { Located } from "./definitions";

/** One `rate-limits/` file: a rate limit or quarantine, or a list of them. */
export function checkRateLimitFile(source: SourceFile, out: Diagnostic[]): Located<RateLimitPolicy>[] {
  const value = source.value;
  if (value === null || typeof value !== "object") {
    out.push(
      diagnosticAt(
        source,
        [],
        "expected a rate limit or quarantine (a mapping), or a list of them, at the top of the file",
      ),
    );
    return [];
  }
  const entries = Array.isArray(value)
    ? value.map((v, i) => ({ v, at: [i] as FieldPath }))
    : [{ v: value, at: [] as FieldPath }];
  const items: Located<RateLimitPolicy>[] = [];
  for (const { v, at } of entries) {
    // Caller groups, usernames, servers: names like any other, with the same character checks.
    out.push(...checkCharacters(v, at, source));
    const res = RateLimitPolicy.safeParse(v);
    if (!res.success) {
      out.push(
        ...translateIssues(res.error.issues, {
          source,
          prefix: at,
          knownFields: knownFieldsOf(RateLimitFile),
          skipKeys: new Set(),
        }),
      );
      continue;
    }
    items.push({ value: res.data, source: source.ref, at });
  }
  return items;
}
