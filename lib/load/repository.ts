/**
 * The one loader: a repository of definitions, from its root on disk or as files of a git revision, read once
 * through the table of kinds (kinds.ts). Every kind gets the same file rules (extensions, near-miss names, links,
 * size, encoding, YAML), the same per-file cap on problems, and one order: files by code unit, kinds as the table
 * lists them. Semantic checks across files are the model's (lib/model/).
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { Diagnostic } from "../errors/diagnostics";
import { byCodeUnit } from "../errors/order";
import { fieldNames, translateIssues } from "../schema/issues";
import { RepoConfig, REPO_CONFIG_FILE, type LoadedRepoConfig } from "../settings/repository";
import { diskFile, readRawSource, type RawFile } from "../source/file";
import type { Definitions, LoadOptions, Located } from "./definitions";
import {
  filesUnder,
  hasDefinitionExtension,
  isNearName,
  lstat,
  nearMissExtension,
  nearMissWarning,
  readDefinitionSource,
  rootError,
} from "./files";
import {
  DEFINITION_KINDS,
  KINDS,
  KIND_NAMES,
  kindOfPath,
  type DefinitionKind,
  type KindItems,
  type KindName,
} from "./kinds";

/** A repository as loaded: every kind's well-formed definitions, the files each kind has, and every problem. */
export interface LoadedRepository {
  /** The identity kinds, as the model takes them. */
  definitions: Definitions;
  items: { [K in KindName]: Located<KindItems[K]>[] };
  /** The files under each kind's folder, read or not (a linked folder as its own name). */
  files: { [K in KindName]: string[] };
  /** `mcp-access.yaml`, read from a root on disk only (a revision's is not applied). */
  settings: LoadedRepoConfig | null;
  diagnostics: Diagnostic[];
}

/** Problems reported one by one per file; a file with more gets one more diagnostic that counts the rest. */
export const MAX_FILE_DIAGNOSTICS = 200;

function pushCapped(out: Diagnostic[], found: readonly Diagnostic[], file: string): void {
  const n = Math.min(found.length, MAX_FILE_DIAGNOSTICS);
  for (let i = 0; i < n; i++) out.push(found[i]!);
  if (found.length > n) {
    const next = found[n]!;
    out.push({
      ...next,
      file,
      message: `and ${found.length - n} more problems in this file (the first ${n} are shown)`,
    });
  }
}

function emptyOf<T>(make: () => T): { [K in KindName]: T } {
  return Object.fromEntries(KIND_NAMES.map((k) => [k, make()])) as { [K in KindName]: T };
}

/** Reads and checks the files of a repository (or a revision); their paths are relative to its root. */
export function loadRepositoryFiles(files: readonly RawFile[], options: LoadOptions = {}): LoadedRepository {
  const items = emptyOf<Located<unknown>[]>(() => []) as LoadedRepository["items"];
  const seen = emptyOf<string[]>(() => []);
  const diagnostics: Diagnostic[] = [];
  const invalidGroupNames: string[] = [];
  const byKind = new Map<KindName, RawFile[]>(KIND_NAMES.map((k) => [k, []]));
  const otherFolders = new Set<string>();
  for (const f of [...files].sort((a, b) => byCodeUnit(a.file, b.file))) {
    const kind = kindOfPath(f.file);
    if (!kind) {
      if (f.file.includes("/")) otherFolders.add(f.file.slice(0, f.file.indexOf("/")));
      continue;
    }
    seen[kind].push(f.file);
    const name = f.file.slice(f.file.lastIndexOf("/") + 1);
    if (f.link || hasDefinitionExtension(name)) byKind.get(kind)!.push(f);
    else {
      const ext = nearMissExtension(name);
      if (ext) diagnostics.push(nearMissWarning(f.file, ext));
    }
  }
  // Files handed in from anywhere (checkFiles) follow the root's rule: a near name of a kind's folder is an error.
  for (const folder of otherFolders) {
    const near = nearKindFolder(folder);
    if (near) diagnostics.push(near);
  }
  for (const kind of DEFINITION_KINDS) {
    for (const raw of byKind.get(kind.name)!) {
      const found: Diagnostic[] = [];
      const read = readDefinitionSource(raw, options, found);
      if (read) {
        const checked = kind.check(read.source, found, options) as Located<unknown>[];
        // The file's parsed document is needed no more (a later position is found by parsing the text again).
        read.source.ref.release?.();
        // A file refused for a part is checked (all its problems in one run) but nothing of it is loaded.
        const loaded = read.whole ? checked : [];
        const invalid = loaded.length === 0 ? (kind as DefinitionKind).invalidName?.(read.source) : undefined;
        if (invalid !== undefined) invalidGroupNames.push(invalid);
        (items[kind.name] as Located<unknown>[]).push(...loaded);
      }
      pushCapped(diagnostics, found, raw.file);
    }
  }
  const definitions: Definitions = { groups: items.groups, users: items.users, m2m: items.m2m, invalidGroupNames };
  return { definitions, items, files: seen, settings: null, diagnostics };
}

/**
 * A root entry whose name is near a kind's folder (`Users`, `access_tests`, `Rate-Limits`, `identity-provider`) or
 * near the settings file (`mcp-access.yml`, `Mcp-Access.yaml`): never read, so what it holds would be removed at
 * the next apply, or its guards and switches ignored. One rule for every kind of the table and the settings file.
 */
function nearNameProblem(name: string): Diagnostic | null {
  return nearKindFolder(name) ?? nearSettingsFile(name);
}

function nearKindFolder(name: string): Diagnostic | null {
  const kind = KIND_NAMES.find((k) => isNearName(name, k));
  if (!kind) return null;
  const why =
    name.toLowerCase() === kind
      ? `differs from "${kind}" only in case`
      : `is not read: definitions are read from ${kind}/ exactly`;
  return rootError(
    `${name}/`,
    `folder "${name}" ${why}; what it holds would be left out (removed at apply): rename it to ${kind}`,
  );
}

function nearSettingsFile(name: string): Diagnostic | null {
  const dot = name.lastIndexOf(".");
  const settings = REPO_CONFIG_FILE.slice(0, REPO_CONFIG_FILE.lastIndexOf("."));
  if (name !== REPO_CONFIG_FILE && dot > 0 && hasDefinitionExtension(name)) {
    const base = name.slice(0, dot);
    if (base === settings || isNearName(base, settings)) {
      return rootError(
        name,
        `"${name}" is not read: the repository's settings are read from ${REPO_CONFIG_FILE} exactly, so its ` +
          `guards and registry switches would be ignored: rename it to ${REPO_CONFIG_FILE}`,
      );
    }
  }
  return null;
}

/**
 * Problems of the root itself: missing, not a folder, holding none of the identity kinds' folders (applying that
 * would delete everything the stack manages), or an entry named near a kind's folder or the settings file.
 */
function rootProblems(root: string): Diagnostic[] {
  const stat = lstat(root);
  const fix = "check --dir (mcp-access) or definitionsDir (stack config)";
  if (!stat) return [rootError(root, `the definitions folder does not exist; ${fix}`)];
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return [rootError(root, `the definitions folder is not a readable folder; ${fix}`)];
  }
  const out = entries
    .sort(byCodeUnit)
    .map(nearNameProblem)
    .filter((d): d is Diagnostic => d !== null);
  if (!KINDS.some((k) => entries.includes(k)) && out.length === 0) {
    out.push(
      rootError(
        root,
        `the definitions folder holds none of groups/, users/, m2m/; applying it would remove every ` +
          `group, user and M2M account the stack manages: ${fix}`,
      ),
    );
  }
  return out;
}

/** `mcp-access.yaml` at the root: the guards and the registry's switches the repository is written for. */
export function loadRepoConfig(root: string): LoadedRepoConfig {
  const origin = { file: REPO_CONFIG_FILE, line: 1, column: 1 };
  const path = join(root, REPO_CONFIG_FILE);
  if (!existsSync(path)) return { config: {}, origin, diagnostics: [] };
  const read = readRawSource(diskFile(path, REPO_CONFIG_FILE));
  if (!read.ok) return { config: {}, origin, diagnostics: read.diagnostics };
  const res = RepoConfig.safeParse(read.source.value ?? {});
  if (!res.success) {
    const knownFields = fieldNames(z.toJSONSchema(RepoConfig));
    const issues = translateIssues(res.error.issues, {
      source: read.source,
      prefix: [],
      knownFields,
      skipKeys: new Set(),
    });
    return { config: {}, origin, diagnostics: issues };
  }
  const pos = read.source.locate(["guards"], true);
  return { config: res.data, origin: { file: REPO_CONFIG_FILE, line: pos.line, column: pos.column }, diagnostics: [] };
}

/** Loads the repository at `root`: a missing kind folder is an empty set, a root without any identity kind an error. */
export function loadRepository(root: string, options: LoadOptions = {}): LoadedRepository {
  const problems = rootProblems(root);
  const loaded = loadRepositoryFiles(
    KIND_NAMES.flatMap((k) => filesUnder(root, k)),
    options,
  );
  const settings = loadRepoConfig(root);
  return { ...loaded, settings, diagnostics: [...problems, ...loaded.diagnostics, ...settings.diagnostics] };
}
