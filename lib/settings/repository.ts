/**
 * The repository's own settings file, `mcp-access.yaml` at its root (optional): the safety guards, and the
 * registry's feature switches that change decisions (`registry:`, see registry/switches.ts).
 */
import { z } from "zod";
import type { Diagnostic } from "../errors/diagnostics";
import { GuardSettings, type GuardOrigin } from "./guards";
import { RegistrySettings } from "../registry/switches";

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
