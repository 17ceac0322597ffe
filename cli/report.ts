/** Printing diagnostics: for people (text), for tools (json), for GitHub Actions (workflow annotations). */
import { safeText, textLine, type Diagnostic } from "../lib";

export { textLine };

export type ReportFormat = "text" | "json" | "github";
export const REPORT_FORMATS: readonly ReportFormat[] = ["text", "json", "github"];

/** Escaping rules of GitHub workflow commands. */
function escapeData(s: string): string {
  return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}
function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

/** A workflow annotation; `prefix` makes the path relative to the repository root, where GitHub looks for it. */
export function githubLine(d: Diagnostic, prefix = ""): string {
  const file = prefix && !d.file.startsWith("/") ? `${prefix}/${d.file}` : d.file;
  const props = [`file=${escapeProperty(file)}`];
  if (d.line > 0) props.push(`line=${d.line}`, `col=${d.column}`);
  if (d.path) props.push(`title=${escapeProperty(safeText(d.path))}`);
  return `::${d.severity} ${props.join(",")}::${escapeData(safeText(d.message))}`;
}

export function jsonDiagnostic(d: Diagnostic): Record<string, unknown> {
  return { file: d.file, line: d.line, column: d.column, path: d.path, message: d.message };
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
