/**
 * Turns zod's issues into messages a person can act on: which field, what is wrong, how to fix it.
 */
import type { z } from "zod";
import type { Diagnostic, FieldPath } from "../errors/diagnostics";
import { diagnosticAt, type SourceFile } from "../source/file";
import { serverAccessBranch } from "./group";

type Issue = z.core.$ZodIssue;

/** Unknown fields reported one by one per mapping; the rest are counted in one more diagnostic. */
export const MAX_UNKNOWN_KEYS_SHOWN = 50;

function valueAt(root: unknown, path: FieldPath): unknown {
  let v: unknown = root;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[p as string];
  }
  return v;
}

function describe(value: unknown): string {
  if (value === null) return "empty (null)";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

const EXPECTED: Record<string, string> = {
  string: "a string",
  array: "a list",
  object: "a mapping",
  boolean: "true or false",
  number: "a number",
};

export function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}

/** The closest known name, if it is close enough to be a typo. */
export function suggest(word: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const limit = Math.max(2, Math.floor(word.length / 3));
  const w = word.toLowerCase();
  for (const k of known) {
    // The distance is at least the difference in length: names too far apart are not compared (a file of long
    // unknown keys would otherwise cost the product of the lengths per key).
    if (Math.abs(k.length - word.length) > limit) continue;
    const d = editDistance(w, k.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function lastName(path: FieldPath): string {
  for (let i = path.length - 1; i >= 0; i--) if (typeof path[i] === "string") return path[i] as string;
  return "value";
}

export interface TranslateContext {
  source: SourceFile;
  /** Prefix for items of a list file. */
  prefix: FieldPath;
  /** Every field name of this kind, for "did you mean". */
  knownFields: ReadonlySet<string>;
  /** Keys already reported elsewhere (secrets), not to report again as unknown. */
  skipKeys: ReadonlySet<string>;
}

export function translateIssues(issues: readonly Issue[], ctx: TranslateContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const issue of issues) out.push(...translate(issue, ctx));
  return out;
}

/** Where an issue is: the file, the field's full path, the value there and the field's name. */
interface IssueAt {
  source: SourceFile;
  path: FieldPath;
  value: unknown;
  field: string;
}

type IssueOf<C extends Issue["code"]> = Extract<Issue, { code: C }>;

function translate(issue: Issue, ctx: TranslateContext): Diagnostic[] {
  const path: FieldPath = [...ctx.prefix, ...(issue.path as (string | number)[])];
  const at: IssueAt = { source: ctx.source, path, value: valueAt(ctx.source.value, path), field: lastName(path) };
  const { source, value, field } = at;
  switch (issue.code) {
    case "unrecognized_keys":
      return unknownKeys(issue, at, ctx);
    case "invalid_type":
      return invalidType(issue, at);
    case "too_small": {
      if (issue.origin === "array") {
        const what = field === "groups" ? "at least one group" : "at least one entry";
        return [diagnosticAt(source, path, `"${field}" is empty: list ${what}`)];
      }
      if (issue.origin === "string") return [diagnosticAt(source, path, `"${field}" must not be empty`)];
      return [diagnosticAt(source, path, `"${field}": ${issue.message}`)];
    }
    case "invalid_value": {
      const allowed = issue.values.map((v) => String(v)).join(", ");
      return [diagnosticAt(source, path, `"${field}" is ${describe(value)}; it must be one of: ${allowed}`)];
    }
    case "invalid_format": {
      if (issue.format === "email")
        return [diagnosticAt(source, path, `"${field}" is not a valid email address: ${JSON.stringify(value)}`)];
      return [diagnosticAt(source, path, `"${field}" has an invalid format (${issue.format})`)];
    }
    case "invalid_union":
      return invalidUnion(at, ctx);
    default:
      return [diagnosticAt(source, path, `"${field}": ${issue.message}`)];
  }
}

/** Unknown fields, each with a "did you mean"; past MAX_UNKNOWN_KEYS_SHOWN, one count of the rest. */
function unknownKeys(issue: IssueOf<"unrecognized_keys">, at: IssueAt, ctx: TranslateContext): Diagnostic[] {
  const { source, path } = at;
  const keys = issue.keys.filter((k) => !ctx.skipKeys.has([...path, k].join("\u0000")));
  // A mapping of 100,000 unknown keys is one mistake (or an attack): its first ones say what is wrong.
  const more = keys.length - MAX_UNKNOWN_KEYS_SHOWN;
  const shown = more > 0 ? keys.slice(0, MAX_UNKNOWN_KEYS_SHOWN) : keys;
  const tail =
    more > 0
      ? [
          diagnosticAt(
            source,
            [...path, keys[MAX_UNKNOWN_KEYS_SHOWN]!],
            `and ${more} more unknown fields in this mapping`,
            "error",
            true,
          ),
        ]
      : [];
  return shown
    .map((k) => {
      const hint = suggest(k, ctx.knownFields);
      const fix = hint ? `did you mean "${hint}"?` : "remove it or fix its spelling";
      return diagnosticAt(
        source,
        [...path, k],
        `unknown field "${k}": ${fix} (unknown fields are refused so that a typo cannot silently drop access)`,
        "error",
        true,
      );
    })
    .concat(tail);
}

/** A missing field, a single string where a list belongs, or a value of the wrong type. */
function invalidType(issue: IssueOf<"invalid_type">, { source, path, value, field }: IssueAt): Diagnostic[] {
  if (value === undefined) {
    return [diagnosticAt(source, path.slice(0, -1), `missing required field "${field}": add it`, "error")];
  }
  const expected = EXPECTED[issue.expected] ?? issue.expected;
  if (issue.expected === "array" && typeof value === "string") {
    return [
      diagnosticAt(
        source,
        path,
        `"${field}" must be ${expected}, not a single string: write [${JSON.stringify(value)}]`,
      ),
    ];
  }
  return [diagnosticAt(source, path, `"${field}" must be ${expected}, but is ${describe(value)}`)];
}

/** A value no alternative accepts: the problems of the shape the user meant, not every alternative's. */
function invalidUnion({ source, path, value, field }: IssueAt, ctx: TranslateContext): Diagnostic[] {
  const branch = serverAccessBranch(value);
  const parent = path[path.length - 2];
  if (parent === "server_access" && typeof value === "object" && value !== null && !Array.isArray(value)) {
    if (!branch) {
      return [
        diagnosticAt(
          source,
          path,
          `server_access entry needs "server" (an MCP server rule: server, methods, tools) or ` +
            `"agent" (an agent rule: agent, actions)`,
        ),
      ];
    }
    const res = branch.safeParse(value);
    if (!res.success) return translateIssues(res.error.issues, { ...ctx, prefix: path });
  }
  if (field === "tools") {
    return [
      diagnosticAt(
        source,
        path,
        `"tools" must be a list of tool names (or ["*"] for every tool), but is ${describe(value)}`,
      ),
    ];
  }
  return [diagnosticAt(source, path, `"${field}" must be a mapping, but is ${describe(value)}`)];
}

/** Every key name used anywhere in a JSON Schema, for typo suggestions. */
export function fieldNames(jsonSchema: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(jsonSchema)) for (const s of jsonSchema) fieldNames(s, into);
  else if (jsonSchema && typeof jsonSchema === "object") {
    const o = jsonSchema as Record<string, unknown>;
    if (o.properties && typeof o.properties === "object") for (const k of Object.keys(o.properties)) into.add(k);
    for (const v of Object.values(o)) if (v && typeof v === "object") fieldNames(v, into);
  }
  return into;
}
