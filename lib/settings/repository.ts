/**
 * The repository's own settings file, `mcp-access.yaml` at its root (optional): the safety guards, and the
 * registry's feature switches that change decisions (`registry:`, see registry/switches.ts).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { Diagnostic } from "../errors/diagnostics";
import { GuardSettings, type GuardOrigin } from "./guards";
import { RegistrySettings } from "../registry/switches";
import { fieldNames, translateIssues } from "../schema/issues";
import { diskFile, readRawSource } from "../source/file";

export const REPO_CONFIG_FILE = "mcp-access.yaml";

export const RepoConfig = z.strictObject({
  guards: GuardSettings.optional(),
  registry: RegistrySettings.optional().describe("the registry's feature switches that change decisions"),
});
export type RepoConfig = z.infer<typeof RepoConfig>;

export interface LoadedRepoConfig {
  config: RepoConfig;
  origin: GuardOrigin;
  diagnostics: Diagnostic[];
}

export function loadRepoConfig(root: string): LoadedRepoConfig {
  const origin: GuardOrigin = { file: REPO_CONFIG_FILE, line: 1, column: 1 };
  const path = join(root, REPO_CONFIG_FILE);
  if (!existsSync(path)) return { config: {}, origin, diagnostics: [] };
  const read = readRawSource(diskFile(path, REPO_CONFIG_FILE));
  if (!read.ok) return { config: {}, origin, diagnostics: read.diagnostics };
  const res = RepoConfig.safeParse(read.source.value ?? {});
  if (!res.success) {
    const known = fieldNames(z.toJSONSchema(RepoConfig));
    return {
      config: {},
      origin,
      diagnostics: translateIssues(res.error.issues, {
        source: read.source,
        prefix: [],
        knownFields: known,
        skipKeys: new Set(),
      }),
    };
  }
  const pos = read.source.locate(["guards"], true);
  return { config: res.data, origin: { file: REPO_CONFIG_FILE, line: pos.line, column: pos.column }, diagnostics: [] };
}
