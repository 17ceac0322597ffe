/**
 * Reading one definition file: size limit, strict UTF-8, YAML with bounded alias expansion and no custom tags
 * or merge keys, `.json` files as strict JSON, and a way back from a field path to the line and column it was
 * written at.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from "node:fs";
import { sep } from "node:path";
import {
  Lexer,
  LineCounter,
  parseAllDocuments,
  parseDocument,
  isAlias,
  isMap,
  isSeq,
  isScalar,
  isPair,
  visit,
  type Alias,
  type Document,
  type Node,
  type Pair,
  type YAMLMap,
} from "yaml";
import type { Diagnostic, FieldPath } from "../errors/diagnostics";
import { formatPath } from "../errors/diagnostics";

/** Definition files are small; anything bigger is a mistake or an attack. */
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;
/**
 * Nodes that aliases may add to a file once expanded (each alias counts the size of what it repeats): bounds "billion
 * laughs" documents by what they cost, not by how many aliases they use (150 uses of a one-item list are fine).
 */
export const MAX_ALIAS_EXPANSION = 100_000;
/** Nesting deeper than this is refused before the file is parsed (definitions nest five levels at most). */
export const MAX_NESTING_DEPTH = 64;
/**
 * Values (scalars, keys included, lists and mappings; a flow `[...]` or `{...}` counts twice) a file may hold,
 * counted before it is parsed: an ordinary 1 MiB file holds about 140,000; a file of one-character values would
 * hold 500,000 and cost four times as much.
 */
export const MAX_FILE_VALUES = 150_000;
/**
 * YAML tokens (values, punctuation, indentation, line ends, comments) a file may hold: an ordinary 1 MiB file has
 * 420,000.
 */
export const MAX_FILE_TOKENS = 600_000;

export interface Position {
  line: number;
  column: number;
}

export interface SourceFile {
  /** Path relative to the repository root. */
  file: string;
  /** The parsed value (plain JSON-like data). */
  value: unknown;
  /** Where a field (or, with `key`, its key) was written; falls back to the nearest parent. */
  locate(path: FieldPath, key?: boolean): Position;
  /** The same file without its value, for what outlives the check of the file (see SourceRef). */
  ref: SourceRef;
}

/**
 * What a diagnostic needs of a file: its path and the way back to positions, not its parsed value. Definitions
 * hold this, so the raw value of each file is garbage once the file is checked (its checked value is kept).
 */
export type SourceRef = Pick<SourceFile, "file" | "locate"> & { release?(): void };

/**
 * A file read, or why not. A file refused for a part only (a key: `__proto__`, a duplicate, a list as a key) has
 * `partial`, its value without that part, so that its other problems are found in the same run; a partial file is
 * checked, never loaded.
 */
export type ReadResult =
  { ok: true; source: SourceFile } | { ok: false; diagnostics: Diagnostic[]; partial?: SourceFile };

export interface ReadOptions {
  maxFileBytes?: number;
  /**
   * Parse results by file and text, shared by the reads of two revisions (`mcp-access diff`): a file the change
   * left alone is parsed once. Results are read, never modified, downstream.
   */
  parsed?: Map<string, ReadResult>;
}

function fileError(
  file: string,
  message: string,
  pos: Position = { line: 1, column: 1 },
  path: FieldPath = [],
): Diagnostic {
  return { severity: "error", file, line: pos.line, column: pos.column, path: formatPath(path), message };
}

/** The field path of a node from its ancestors, as `visit` gives them. */
function fieldPathOf(ancestors: readonly unknown[], node: unknown): FieldPath {
  const out: Array<string | number> = [];
  ancestors.forEach((a, i) => {
    const next = ancestors[i + 1] ?? node;
    if (isPair(a) && isScalar(a.key) && next !== a.key) out.push(String(a.key.value));
    else if (isSeq(a)) out.push(a.items.indexOf(next as never));
  });
  return out;
}

/** Line and column of a byte offset in a buffer that failed to decode. */
function bytePosition(bytes: Uint8Array, offset: number): Position {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < bytes.length; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (len === 0) return i;
    for (let k = 1; k < len; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
    }
    // The decoder also refuses overlong and surrogate forms; report the sequence that starts them.
    if (len > 1) {
      try {
        new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(i, i + len));
      } catch {
        return i;
      }
    }
    i += len;
  }
  return bytes.length;
}

/** One decoder for every file: a decode without `stream` starts afresh, so nothing carries over between files. */
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

export function decodeUtf8(
  file: string,
  bytes: Uint8Array,
): { ok: true; text: string } | { ok: false; diagnostic: Diagnostic } {
  try {
    const text = UTF8.decode(bytes);
    return { ok: true, text };
  } catch {
    const offset = firstInvalidUtf8(bytes);
    return {
      ok: false,
      diagnostic: fileError(
        file,
        `file is not valid UTF-8 (invalid byte ` +
          `0x${(bytes[offset] ?? 0).toString(16).padStart(2, "0")}); save it as UTF-8`,
        bytePosition(bytes, offset),
      ),
    };
  }
}

/** A mapping's pairs by key, built the first time one is looked up: a file with 40,000 keys is not scanned per key. */
const pairIndex = new WeakMap<YAMLMap, Map<unknown, Pair>>();
function pairOf(map: YAMLMap, key: unknown): Pair | undefined {
  let index = pairIndex.get(map);
  if (!index) {
    index = new Map();
    for (const p of map.items) {
      if (!isPair(p)) continue;
      const k = isScalar(p.key) ? p.key.value : p.key;
      if (!index.has(k)) index.set(k, p);
      // Keys are matched as the value has them: strings (a key `1` is the field "1").
      if (k !== null && typeof k !== "object" && !index.has(String(k))) index.set(String(k), p);
    }
    pairIndex.set(map, index);
  }
  return index.get(key);
}

function nodeAt(doc: Document, path: FieldPath, key: boolean): Node | null {
  let node: unknown = doc.contents;
  let found: Node | null = (node as Node) ?? null;
  for (let i = 0; i < path.length; i++) {
    const part = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = pairOf(node, part);
      if (!pair) return found;
      if (last && key) return (pair.key as Node) ?? found;
      node = pair.value;
      found = (pair.value as Node) ?? (pair.key as Node) ?? found;
    } else if (isSeq(node) && typeof part === "number") {
      const item = node.items[part];
      if (item === undefined) return found;
      node = item;
      found = item as Node;
    } else {
      return found;
    }
  }
  return found;
}

/** The YAML tags plain data needs; anything else (`!env`, `!vault`, `!include`, `!!binary`...) is refused. */
const PLAIN_TAGS = new Set(["str", "int", "float", "bool", "null", "map", "seq"].map((t) => `tag:yaml.org,2002:${t}`));

function tagProblem(tag: string): string {
  if (tag === "tag:yaml.org,2002:binary") {
    return (
      `"!!binary" marks base64-encoded binary data, which no definition field holds; write the ` +
      `value as a plain string`
    );
  }
  const shown = tag.startsWith("tag:yaml.org,2002:") ? `!!${tag.slice("tag:yaml.org,2002:".length)}` : tag;
  return (
    `YAML tag "${shown}" is not supported: definitions are plain data, nothing is read from ` +
    `the environment, a vault or another file; write the value itself`
  );
}

/** Custom tags and merge keys, which a YAML 1.2 reader would otherwise turn silently into strings and fields. */
function yamlFeatureProblems(file: string, doc: Document, toPos: (offset: number) => Position): Diagnostic[] {
  const out: Diagnostic[] = [];
  visit(doc, {
    Node(_, node, ancestors) {
      if (node.tag && !PLAIN_TAGS.has(node.tag)) {
        out.push(fileError(file, tagProblem(node.tag), toPos(node.range?.[0] ?? 0), fieldPathOf(ancestors, node)));
      }
    },
    Pair(_, pair, ancestors) {
      const key = pair.key;
      if (isScalar(key) && key.value === "<<" && key.type === "PLAIN") {
        out.push(
          fileError(
            file,
            `"<<" is a YAML merge key (copying the fields of another mapping), which these files do ` +
              `not support; write the fields out in this mapping`,
            toPos(key.range?.[0] ?? 0),
            [...fieldPathOf(ancestors, pair), "<<"],
          ),
        );
      }
    },
  });
  return out;
}

/** `.json` files are JSON: comments and trailing commas, which the YAML reader would accept, are errors. */
function jsonProblem(file: string, text: string, toPos: (offset: number) => Position): Diagnostic | null {
  try {
    JSON.parse(text);
    return null;
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).replace(/\s*\(line \d+ column \d+\)$/, "");
    const at = /at position (\d+)/.exec(msg);
    const offset = at ? Number(at[1]) : text.length;
    const detail = msg
      .replace(/ in JSON at position \d+.*$/, "")
      .replace(/^Unexpected end of JSON input$/, "unexpected end of the file");
    return fileError(
      file,
      `invalid JSON: ${detail} (a .json file is strict JSON: no comments, no trailing commas, ` +
        `double-quoted names; or rename it to .yaml)`,
      toPos(offset),
    );
  }
}

/** Line and column of an offset, counted in the text (no parse: used when the text is too deep to parse). */
function textPosition(text: string, offset: number): Position {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}

/**
 * Where the text nests deeper than `MAX_NESTING_DEPTH`, or passes `MAX_FILE_VALUES` or `MAX_FILE_TOKENS`, from the YAML
 * lexer's tokens
 * alone (linear; the parser slows down with the square of the depth, and its composer recurses). The depth counted
 * is an upper bound: open flow collections, plus the block indentation levels open, plus the `-` and `?` indicators
 * of the line.
 */
function lexicalLimits(text: string): { offset: number; message: string } | null {
  let offset = 0;
  let values = 0;
  let flow = 0;
  const indents: number[] = [];
  let lineStart = true;
  let indent = 0;
  let inLine = 0;
  let tokens = 0;
  for (const token of new Lexer().lex(text)) {
    const at = offset;
    if (++tokens > MAX_FILE_TOKENS) {
      return {
        offset,
        message:
          `the file is too intricate for its size: over ` +
          `${MAX_FILE_TOKENS.toLocaleString("en")} YAML tokens (values, punctuation, lines, ` +
          `comments); split it into smaller files`,
      };
    }
    const c = token.charCodeAt(0);
    // The lexer's markers (document, scalar, flow end, BOM) stand for no text; a scalar's marker counts a value.
    if (token.length === 1 && (c === 0x02 || c === 0x18 || c === 0x1f || c === 0xfeff)) {
      if (c === 0x1f && ++values > MAX_FILE_VALUES) {
        return {
          offset,
          message:
            `the file holds over ${MAX_FILE_VALUES.toLocaleString("en")} values (keys, ` +
            `strings, lists, mappings); split it into smaller files`,
        };
      }
      continue;
    }
    offset += token.length;
    if (token === "\n" || token === "\r\n") {
      lineStart = true;
      indent = 0;
      inLine = 0;
      continue;
    }
    if (lineStart && /^[ \t]+$/.test(token)) {
      indent = token.length;
      continue;
    }
    if (lineStart && flow === 0 && token[0] !== "#") {
      while (indents.length && indents[indents.length - 1]! >= indent) indents.pop();
      indents.push(indent);
    }
    if (token[0] !== "#") lineStart = false;
    if (token === "[" || token === "{") {
      flow++;
      // A flow list or mapping costs the parser about what two values do: it counts twice.
      values += 2;
    } else if ((token === "]" || token === "}") && flow > 0) flow--;
    else if (token === "-" || token === "?") {
      inLine++;
      values++;
    }
    if (flow + indents.length + inLine > MAX_NESTING_DEPTH) {
      return {
        offset: at,
        message:
          `the file nests deeper than ${MAX_NESTING_DEPTH} levels (lists and mappings inside ` +
          `each other); definitions are a few levels deep`,
      };
    }
  }
  return null;
}

/**
 * Whether a text could pass a lexical limit: every level of nesting takes a `[`, `{`, `-`, `?` or `:`, and the value
 * and token limits take more text than this. Most definition files are a few lines: counting characters spares them
 * the lexer's pass.
 */
function mayPassLimits(text: string): boolean {
  if (text.length > 65536) return true;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // [ { - ? :
    if ((c === 0x5b || c === 0x7b || c === 0x2d || c === 0x3f || c === 0x3a) && ++n > MAX_NESTING_DEPTH) return true;
  }
  return false;
}

interface PlainIssue {
  message: string;
  offset: number;
  path: FieldPath;
}
/** The plain value, or none when a problem stopped the walk; `problems` also holds the parts left out. */
type Plain = { ok: true; value: unknown; problems: PlainIssue[] } | { ok: false; problems: PlainIssue[] };

class PlainProblem {
  constructor(
    readonly message: string,
    readonly node: { range?: readonly number[] | null } | null | undefined,
    readonly path: FieldPath,
  ) {}
}

/** A node as plain data, and how many nodes that data holds (what an alias of it adds). */
interface Walked {
  value: unknown;
  size: number;
}

/**
 * The document as plain data, in one walk: aliases resolved in document order (the anchor most recently set before
 * them), an alias inside its own anchor refused, the size aliases add bounded, keys unique (as the strings the data
 * has: `1` and `"1"` are one key), keys scalars, and `__proto__` refused as a key (it would set the object's
 * prototype).
 * Linear in the document's size: yaml's own `toJS` resolves each alias by a scan of every anchor before it.
 */
function plainValue(doc: Document): Plain {
  const walk = new PlainWalk();
  const issue = (p: PlainProblem): PlainIssue => ({
    message: p.message,
    offset: p.node?.range?.[0] ?? doc.range?.[0] ?? 0,
    path: p.path,
  });
  try {
    const value = walk.node(doc.contents).value;
    return { ok: true, value, problems: walk.problems.map(issue) };
  } catch (e) {
    if (!(e instanceof PlainProblem)) throw e;
    return { ok: false, problems: [...walk.problems, e].map(issue) };
  }
}

/** One walk of `plainValue`: the anchors set so far, the anchored nodes done and still open, and where it is. */
class PlainWalk {
  private readonly anchors = new Map<string, Node>();
  private readonly done = new Map<Node, Walked>();
  private readonly open = new Set<Node>();
  private readonly path: Array<string | number> = [];
  /** Keys refused and left out: the walk goes on, so the file's other problems are found too. */
  readonly problems: PlainProblem[] = [];
  /** Nodes the aliases have added so far, bounded by MAX_ALIAS_EXPANSION. */
  private added = 0;

  node(node: unknown): Walked {
    if (node === null || node === undefined) return { value: null, size: 1 };
    if (isAlias(node)) return this.alias(node);
    const n = node as Node;
    if (this.path.length > MAX_NESTING_DEPTH)
      throw this.problem(
        `the file nests deeper than ${MAX_NESTING_DEPTH} levels; definitions are a few levels deep`,
        n,
      );
    if (n.anchor) {
      this.anchors.set(n.anchor, n);
      this.open.add(n);
    }
    const r = this.contents(n);
    if (n.anchor) {
      this.open.delete(n);
      this.done.set(n, r);
    }
    return r;
  }

  private contents(n: Node): Walked {
    if (isMap(n)) return this.map(n);
    if (isSeq(n)) return this.seq(n.items);
    if (isScalar(n)) return { value: n.value, size: 1 };
    throw this.problem("invalid YAML: unsupported node", n);
  }

  /** An alias is its anchor's value, already walked: only an anchor before it, never one it is inside. */
  private alias(node: Alias): Walked {
    const target = this.anchors.get(node.source);
    if (!target)
      throw this.problem(`invalid YAML: alias *${node.source} has no anchor &${node.source} before it`, node);
    if (this.open.has(target)) {
      throw this.problem(
        `invalid YAML: alias *${node.source} is inside its own anchor &${node.source}, so it ` +
          `would repeat forever; write the value out`,
        node,
      );
    }
    const r = this.done.get(target)!;
    this.added += r.size;
    if (this.added > MAX_ALIAS_EXPANSION) {
      throw this.problem(
        `YAML aliases expand too much (over ${MAX_ALIAS_EXPANSION} nodes added); this looks like ` +
          `an alias bomb — write the values out instead of nesting aliases`,
        node,
      );
    }
    return r;
  }

  private map(n: YAMLMap): Walked {
    const out: Record<string, unknown> = {};
    const seen = new Set<string>();
    let size = 1;
    for (const pair of n.items) {
      const { name, refused } = this.key(pair.key, seen);
      // A refused key's value is still walked (its anchors and problems count) but left out of the data.
      const v = this.child(name, pair.value);
      if (refused) continue;
      out[name] = v.value;
      size += v.size;
    }
    return { value: out, size };
  }

  /**
   * A mapping key as the field name the data has: a scalar (an anchor on it counts), unique, not `__proto__`. A key
   * that is none of these is `refused`: its problem is kept and the walk goes on without it.
   */
  private key(k: unknown, seen: Set<string>): { name: string; refused: boolean } {
    const refuse = (message: string, name: string, at?: string) => {
      this.problems.push(this.problem(message, k as Node, at));
      return { name, refused: true };
    };
    if (k !== null && k !== undefined && !isScalar(k))
      return refuse("invalid YAML: a key must be a plain value (a name), not a list, a mapping or an alias", "");
    if (isScalar(k) && k.anchor) {
      this.anchors.set(k.anchor, k);
      this.done.set(k, { value: k.value, size: 1 });
    }
    const name = k === null || k === undefined || k.value === null ? "" : String(k.value);
    if (seen.has(name))
      return refuse(`invalid YAML: Map keys must be unique; "${name}" appears twice in this mapping`, name, name);
    seen.add(name);
    if (name === "__proto__") {
      const why = "it names an object's prototype in JavaScript";
      return refuse(`"__proto__" is not a valid field name (${why}); rename it`, name, name);
    }
    return { name, refused: false };
  }

  private seq(items: readonly unknown[]): Walked {
    const out: unknown[] = [];
    let size = 1;
    for (let i = 0; i < items.length; i++) {
      const v = this.child(i, items[i]);
      out.push(v.value);
      size += v.size;
    }
    return { value: out, size };
  }

  private child(at: string | number, node: unknown): Walked {
    this.path.push(at);
    const v = this.node(node);
    this.path.pop();
    return v;
  }

  /** A problem at the walk's place (and, for a key, that key's field). */
  private problem(message: string, node: PlainProblem["node"], key?: string): PlainProblem {
    return new PlainProblem(message, node, key === undefined ? [...this.path] : [...this.path, key]);
  }
}

/** Parses text already decoded; used directly by tests and by git revisions in `diff`. */
export function parseSource(file: string, text: string): ReadResult {
  const limit = mayPassLimits(text) ? lexicalLimits(text) : null;
  if (limit !== null)
    return { ok: false, diagnostics: [fileError(file, limit.message, textPosition(text, limit.offset))] };
  // Line starts are counted in the one parse: positions are wanted for every file with a problem, and counting
  // them again in a second parse doubled the cost of a file with many problems.
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const toPos = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  if (!Array.isArray(docs)) {
    return { ok: false, diagnostics: [fileError(file, "file is empty; remove it or add a definition")] };
  }
  if (docs.length === 0) {
    return { ok: false, diagnostics: [fileError(file, "file is empty; remove it or add a definition")] };
  }
  if (file.toLowerCase().endsWith(".json")) {
    const problem = jsonProblem(file, text, toPos);
    if (problem) return { ok: false, diagnostics: [problem] };
  }
  const diagnostics: Diagnostic[] = [];
  for (const doc of docs) {
    for (const err of doc.errors) {
      diagnostics.push(fileError(file, `invalid YAML: ${err.message.split("\n")[0]}`, toPos(err.pos[0])));
    }
  }
  if (diagnostics.length) return { ok: false, diagnostics };
  if (docs.length > 1) {
    const second = docs[1]!;
    return {
      ok: false,
      diagnostics: [
        fileError(
          file,
          "file holds more than one YAML document (---); put one definition per file",
          toPos(second.range[0]),
        ),
      ],
    };
  }
  const doc = docs[0]!;
  // A tag starts with "!" and a merge key is "<<": text without either has neither (most files; skip the walk).
  const features = text.includes("!") || text.includes("<<") ? yamlFeatureProblems(file, doc, toPos) : [];
  if (features.length) return { ok: false, diagnostics: features };
  const plain = plainValue(doc);
  const problems = plain.problems.map((p) => fileError(file, p.message, toPos(p.offset), p.path));
  if (!plain.ok) return { ok: false, diagnostics: problems };
  const ref = new TextSource(file, text, { doc, lineCounter });
  const source: SourceFile = { file, value: plain.value, locate: ref.locate.bind(ref), ref };
  return problems.length ? { ok: false, diagnostics: problems, partial: source } : { ok: true, source };
}

/**
 * A file's path and the way back from a field path to where it was written: what a definition keeps of its file.
 * The text is parsed again the first time a position is asked for, so the parsed documents of thousands of valid
 * files are not kept in memory for the few positions ever shown. One object per file, `locate` on the prototype:
 * a closure and its context per file would be two more objects that live as long as the definitions, and every
 * object alive across a young-generation collection is copied by it.
 */
class TextSource implements SourceRef {
  constructor(
    readonly file: string,
    private readonly text: string,
    /** The parse the file was read with, kept until `release` (the end of the file's own checks). */
    private parsed?: { doc: Document; lineCounter: LineCounter },
  ) {}

  /** Drops the parsed document: positions asked for later parse the text again. */
  release(): void {
    this.parsed = undefined;
  }

  locate(path: FieldPath, key = false): Position {
    if (!this.parsed) {
      // The text was checked to hold exactly one document.
      const lineCounter = new LineCounter();
      this.parsed = {
        doc: parseDocument(this.text, { lineCounter, prettyErrors: false, uniqueKeys: false }),
        lineCounter,
      };
    }
    const range = nodeAt(this.parsed.doc, path, key)?.range;
    if (!range) return { line: 1, column: 1 };
    const p = this.parsed.lineCounter.linePos(range[0]);
    return { line: p.line, column: p.col };
  }
}

/** A definition file from anywhere (disk, a git revision): its size first, its bytes only when needed. */
export interface RawFile {
  file: string;
  /** A symbolic link: reported, never read. */
  link?: boolean;
  /** Its size, and its bytes only when that is at most `max` (an oversized file is never read). */
  read(max: number): { size: number; bytes: Uint8Array | null };
}

/** A file whose size is known before its bytes (a git blob, text in memory). */
export function sizedFile(file: string, size: number, bytes: () => Uint8Array): RawFile {
  return { file, read: (max) => ({ size, bytes: size > max ? null : bytes() }) };
}

/** Refuses oversized and non-UTF-8 files before parsing. */
export function readRawSource(raw: RawFile, options: ReadOptions = {}): ReadResult {
  const max = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const { size, bytes } = raw.read(max);
  if (bytes === null) {
    return {
      ok: false,
      diagnostics: [
        fileError(raw.file, `file is ${size} bytes, over the ${max}-byte limit; split it into smaller files`),
      ],
    };
  }
  const decoded = decodeUtf8(raw.file, bytes);
  if (!decoded.ok) return { ok: false, diagnostics: [decoded.diagnostic] };
  const text = decoded.text.replace(/^\uFEFF/, "");
  if (!options.parsed) return parseSource(raw.file, text);
  const key = `${raw.file}\u0000${text}`;
  let result = options.parsed.get(key);
  if (!result) options.parsed.set(key, (result = parseSource(raw.file, text)));
  return result;
}

/**
 * A file on disk. The size comes from the open file (fstat), not a stat of the path first: one path lookup per
 * file, not two. The bytes are read into a buffer of that size, not by `readFileSync(fd)`, which would fstat the
 * file a second time. A class, not a closure: a repository's list of files lives for the whole load, and an
 * object per file (folder and name, joined only when read) is a third of a closure, its context and a full path.
 */
class DiskFile implements RawFile {
  constructor(
    private readonly dir: string,
    private readonly name: string,
    readonly file: string,
  ) {}

  read(max: number): { size: number; bytes: Uint8Array | null } {
    const fd = openSync(this.dir === "" ? this.name : `${this.dir}${sep}${this.name}`, "r");
    try {
      const size = fstatSync(fd).size;
      if (size > max) return { size, bytes: null };
      // A size of 0 may be a file whose size the system does not know: read it to its end.
      if (size === 0) return { size, bytes: readFileSync(fd) };
      const bytes = Buffer.allocUnsafe(size);
      let n = 0;
      while (n < size) {
        const got = readSync(fd, bytes, n, size - n, null);
        if (got === 0) break;
        n += got;
      }
      return { size, bytes: n < size ? bytes.subarray(0, n) : bytes };
    } finally {
      closeSync(fd);
    }
  }
}

/** A file on disk at `absPath`; `file` is its path relative to the repository root. */
export function diskFile(absPath: string, file: string): RawFile {
  return new DiskFile("", absPath, file);
}

/** A file `name` in the folder `dir` (an absolute path), so the folder's path is one string for all its files. */
export function diskFileIn(dir: string, name: string, file: string): RawFile {
  return new DiskFile(dir, name, file);
}

export function diagnosticAt(
  source: SourceRef,
  path: FieldPath,
  message: string,
  severity: "error" | "warning" = "error",
  key = false,
): Diagnostic {
  const pos = source.locate(path, key);
  return { severity, file: source.file, line: pos.line, column: pos.column, path: formatPath(path), message };
}
