/**
 * The one collector of model building and of the model's review: problems at a definition's position (`loc.at`
 * plus a path inside it), optionally capped per file.
 */
import type { Diagnostic, FieldPath } from "../errors/diagnostics";
import type { Located } from "../load/definitions";
import { diagnosticAt, type SourceRef } from "../source/file";

/** Where a definition is: its file and its path in that file. */
export type At = Pick<Located<unknown>, "source" | "at">;

interface FileCount {
  shown: number;
  more: number;
  next?: At;
  nextPath?: FieldPath;
}

export class ModelDiagnostics {
  private readonly found: Diagnostic[] = [];
  /** Per file: diagnostics reported, and those past the cap (counted, not located). */
  private readonly perFile = new Map<string, FileCount>();

  /** `cap`: at most this many diagnostics per file, then one line saying how many more (the definitions' files). */
  constructor(private readonly cap?: number) {}

  get diagnostics(): Diagnostic[] {
    const out = [...this.found];
    for (const n of this.perFile.values()) {
      if (n.more > 0 && n.next) {
        const message = `and ${n.more} more problems in this file (the first ${this.cap} are shown)`;
        out.push(diagnosticAt(n.next.source, [...n.next.at, ...n.nextPath!], message, "error"));
      }
    }
    return out;
  }

  /** `message` may be a function: a message that costs something to build (a suggestion) is built only if shown. */
  error(loc: At, path: FieldPath, message: string | (() => string), key = false): void {
    this.add(loc, path, message, "error", key);
  }

  warn(loc: At, path: FieldPath, message: string, key = false): void {
    this.add(loc, path, message, "warning", key);
  }

  /**
   * Records the first definition of a name; for a later one, reports where the first is and returns false.
   */
  firstDefinition<T>(
    seen: Map<string, Located<T>>,
    key: string,
    loc: Located<T>,
    field: string,
    what: string,
    rule: string,
  ): boolean {
    const first = seen.get(key);
    if (first) {
      this.error(loc, [field], `${what} is already defined at ${where(first, [field])}; ${rule}`);
      return false;
    }
    seen.set(key, loc);
    return true;
  }

  private add(
    loc: At,
    path: FieldPath,
    message: string | (() => string),
    severity: "error" | "warning",
    key: boolean,
  ): void {
    if (this.cap !== undefined && !this.count(loc, path)) return;
    const text = typeof message === "function" ? message() : message;
    this.found.push(diagnosticAt(loc.source, [...loc.at, ...path], text, severity, key));
  }

  /** False when the file is past the cap: the diagnostic is only counted. */
  private count(loc: At, path: FieldPath): boolean {
    const file = loc.source.file;
    let n = this.perFile.get(file);
    if (!n) this.perFile.set(file, (n = { shown: 0, more: 0 }));
    if (n.shown >= this.cap!) {
      if (n.more++ === 0) {
        n.next = loc;
        n.nextPath = path;
      }
      return false;
    }
    n.shown++;
    return true;
  }
}

/** `file:line:column` of a path inside a definition, for messages that point at another place. */
export function where(loc: At, path: FieldPath): string {
  const p = loc.source.locate([...loc.at, ...path]);
  return `${loc.source.file}:${p.line}:${p.column}`;
}

/** A position given as a source and a whole path (a definition at the top of its file). */
export function atTop(source: SourceRef): At {
  return { source, at: [] };
}
