/**
 * The file rules every kind of definition shares: which files of a folder are read (subfolders included, by
 * extension, with a warning for a name that almost has one), symbolic links reported and never followed, and how
 * one file is read (size, UTF-8, plain YAML or strict JSON; lib/source/file.ts).
 */
import { lstatSync, readdirSync, type Stats } from "node:fs";
import { join } from "node:path";
import type { Diagnostic } from "../errors/diagnostics";
import { byCodeUnit } from "../errors/order";
import { editDistance } from "../schema/issues";
import { diskFileIn, readRawSource, sizedFile, type RawFile, type ReadOptions, type SourceFile } from "../source/file";

export const DEFINITION_EXTENSIONS = [".yaml", ".yml", ".json"];

export function lstat(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

export function rootError(root: string, message: string): Diagnostic {
  return { severity: "error", file: root, line: 0, column: 0, path: "", message };
}

/** A symbolic link in place of a definition file or folder: reported, never read. */
export function symlinkFile(file: string): RawFile {
  return { ...sizedFile(file, 0, () => new Uint8Array()), link: true };
}

/**
 * A file of a definitions folder read for checking, or null once what keeps it from being read (a symbolic link,
 * the size, the encoding, the YAML) is in `diagnostics`. A file refused for a part only (a key) comes back with
 * `whole` false and its problems in `diagnostics`: it is checked, so all its problems show in one run, but never
 * loaded.
 */
export function readDefinitionSource(
  raw: RawFile,
  options: ReadOptions,
  diagnostics: Diagnostic[],
): { source: SourceFile; whole: boolean } | null {
  if (raw.link) {
    diagnostics.push(linkError(raw.file));
    return null;
  }
  const read = readRawSource(raw, options);
  if (read.ok) return { source: read.source, whole: true };
  diagnostics.push(...read.diagnostics);
  return read.partial ? { source: read.partial, whole: false } : null;
}

/** A symbolic link found where definitions (or access tests) are read: an error, never followed. */
export function linkError(file: string): Diagnostic {
  return {
    severity: "error",
    file,
    line: 0,
    column: 0,
    path: "",
    message:
      "symbolic link, not followed (a link could read definitions from outside the repository, and " +
      "git stores only the link); put the file or folder itself here",
  };
}

export function hasDefinitionExtension(file: string): boolean {
  const lower = file.toLowerCase();
  return DEFINITION_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/**
 * The extension a file name almost has (`bob.ymal`, `bob.yml~`, `bob.jsno`, `bob.yaml.bak`): such a file is not
 * read, so the identity it defines would be removed at apply. Null for other names (`README.md`, `notes.txt`).
 */
export function nearMissExtension(name: string): string | null {
  const lower = name.toLowerCase();
  if (hasDefinitionExtension(lower)) return null;
  const inner = /\.(yaml|yml|json)\./.exec(lower);
  if (inner) return `.${inner[1]}`;
  const dot = lower.lastIndexOf(".");
  if (dot <= 0) return null;
  const ext = lower.slice(dot + 1);
  if (!/^[yj]/.test(ext)) return null;
  let best: string | null = null;
  let bestD = 3;
  for (const want of ["yaml", "yml", "json"]) {
    const d = editDistance(ext, want);
    if (d < bestD) {
      bestD = d;
      best = `.${want}`;
    }
  }
  return bestD <= 1 || (bestD <= 2 && ext.length >= 3) ? best : null;
}

/** A name as people vary it: lower case, `_` and spaces as `-`. */
function normalName(name: string): string {
  return name.toLowerCase().replace(/[_\s]+/g, "-");
}

/**
 * Whether `name` is a near name of `wanted` (a kind's folder, the settings file's name without extension), a typo
 * that would leave it unread: the same once normalised (`Access_Tests`), without the dashes (`ratelimits`) or a
 * final `s` (`m2ms`, `user`), or, for names of 5 or more characters, one letter off or two neighbours swapped,
 * where that is still a typo and not another word. Shorter names (`m2m`) are near only in those first ways.
 */
export function isNearName(name: string, wanted: string): boolean {
  if (name === wanted) return false;
  const n = normalName(name);
  const bare = (s: string) => s.replace(/-/g, "").replace(/s$/, "");
  if (bare(n) === bare(wanted)) return true;
  return wanted.length >= 5 && (editDistance(n, wanted) <= 1 || swapsTwoLetters(n, wanted));
}

/** `a` is `b` with two neighbouring letters swapped (`usres`, `gruops`): the commonest typo after one letter off. */
function swapsTwoLetters(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  const diff = [...a].flatMap((c, i) => (c === b[i] ? [] : [i]));
  return diff.length === 2 && diff[1] === diff[0]! + 1 && a[diff[0]!] === b[diff[1]!] && a[diff[1]!] === b[diff[0]!];
}

export function nearMissWarning(file: string, ext: string): Diagnostic {
  return {
    severity: "warning",
    file,
    line: 1,
    column: 1,
    path: "",
    message:
      `this file is not read: its name does not end in .yaml, .yml or .json; if it holds a ` +
      `definition, rename it to end in ${ext} (unread, what it defines would be removed at apply)`,
  };
}

/**
 * Files with a definition extension under `dir` (a folder at the root), subfolders included, sorted; symbolic
 * links as links. A missing folder holds no file.
 */
export function filesUnder(root: string, dir: string): RawFile[] {
  const out: RawFile[] = [];
  const walk = (rel: string) => {
    // The folder's path is joined (normalised) once; an entry's name has no separator to normalise.
    const abs = join(root, rel);
    for (const e of readdirSync(abs, { withFileTypes: true })) {
      const file = `${rel}/${e.name}`;
      if (e.isSymbolicLink()) out.push(symlinkFile(file));
      else if (e.isDirectory()) walk(file);
      else if (e.isFile() && (hasDefinitionExtension(e.name) || nearMissExtension(e.name)))
        out.push(diskFileIn(abs, e.name, file));
    }
  };
  const stat = lstat(join(root, dir));
  if (stat?.isSymbolicLink()) out.push(symlinkFile(dir));
  else if (stat?.isDirectory()) walk(dir);
  return out.sort((a, b) => byCodeUnit(a.file, b.file));
}
