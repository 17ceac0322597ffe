import { byCodeUnit } from "./order";

/** A problem found in the definitions, pointing at the exact place a user must edit. */
export type Severity = "error" | "warning";

export interface Diagnostic {
  severity: Severity;
  /** Path relative to the repository root, with forward slashes. */
  file: string;
  /** 1-based; 0 when the problem concerns the whole file. */
  line: number;
  column: number;
  /** Field path inside the file, e.g. `server_access[0].tools`; "" for the file itself. */
  path: string;
  message: string;
}

export type FieldPath = ReadonlyArray<string | number>;

/** `["server_access", 0, "tools"]` → `server_access[0].tools`. */
export function formatPath(path: FieldPath): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? part : `.${part}`;
  }
  return out;
}

/** File, position, field path, message; names by code unit (`byCodeUnit`), the same in every locale. */
export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return [...list].sort(
    (a, b) =>
      byCodeUnit(a.file, b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      byCodeUnit(a.path, b.path) ||
      byCodeUnit(a.message, b.message),
  );
}

export function errorsOf(list: readonly Diagnostic[]): Diagnostic[] {
  return list.filter((d) => d.severity === "error");
}

export function warningsOf(list: readonly Diagnostic[]): Diagnostic[] {
  return list.filter((d) => d.severity === "warning");
}

function where(d: Diagnostic): string {
  return d.line > 0 ? `${d.file}:${d.line}:${d.column}` : d.file;
}

/** A diagnostic as one line for people (`file:line:column: severity: path: message`), in the CLI and `pulumi up`. */
export function textLine(d: Diagnostic): string {
  return safeText(`${where(d)}: ${d.severity}: ${d.path ? `${d.path}: ` : ""}${d.message}`);
}

/**
 * Text with control, bidi-override and line-separator characters escaped (`\u001b`): what a file name, field or
 * message quotes from a definition is never printed raw to a terminal, a log or a pull-request comment.
 */
export function safeText(text: string): string {
  return text.replace(
    /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
