/**
 * The real Pulumi engine for end-to-end tests: this repository's program run by the Automation API, with a
 * file backend and a passphrase secrets provider in a temporary folder. The engine comes from PATH
 * (scripts/with-services.js engine, or scripts/build-engine.sh).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, watch } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import { fileBackendUrl } from "../../cli/local/file-backend";
import { REPO_ROOT } from "./paths";

export interface EngineStack {
  stack: Stack;
  backendDir: string;
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

export function enginePath(): string {
  if (process.env.MCP_ACCESS_TEST_ENGINE_BIN) return process.env.MCP_ACCESS_TEST_ENGINE_BIN;
  try {
    return execFileSync("bash", [join(REPO_ROOT, "scripts", "build-engine.sh")], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    }).trim();
  } catch (e) {
    throw new Error(`the Pulumi engine is not available: scripts/build-engine.sh failed: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

export async function engineStack(
  name: string,
  config: Record<string, { value: string; secret?: boolean }>,
): Promise<EngineStack> {
  const bin = enginePath();
  process.env.PATH = `${bin}:${process.env.PATH}`;
  const backendDir = mkdtempSync(join(tmpdir(), "mcp-access-e2e-state-"));
  const env = {
    PULUMI_BACKEND_URL: fileBackendUrl(backendDir),
    PULUMI_CONFIG_PASSPHRASE: "e2e-passphrase",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    // The Keycloak and Entra plugins cannot be fetched here; do not spend time trying.
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PATH: process.env.PATH ?? "",
  };
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: name, workDir: REPO_ROOT },
    { envVars: env, secretsProvider: "passphrase" },
  );
  await stack.setAllConfig(
    Object.fromEntries(Object.entries(config).map(([k, v]) => [k, { value: v.value, secret: v.secret ?? false }])),
  );
  return {
    stack,
    backendDir,
    env,
    async cleanup() {
      await stack.workspace.removeStack(name, { force: true }).catch(() => undefined);
      rmSync(join(REPO_ROOT, "stacks", `Pulumi.${name}.yaml`), { force: true });
      rmSync(backendDir, { recursive: true, force: true });
    },
  };
}

/** What an update or preview changed, without the unchanged: `{}` is a no-op. */
export const changes = (summary: { resourceChanges?: Record<string, number> }): Record<string, number> =>
  Object.fromEntries(Object.entries(summary.resourceChanges ?? {}).filter(([k, n]) => k !== "same" && n > 0));

/** A stack's checkpoint in a file backend (Pulumi.yaml's project name is the folder). */
export const checkpointFile = (backendDir: string, stack: string): string =>
  join(backendDir, ".pulumi", "stacks", "mcp-gateway-access", `${stack}.json`);

/**
 * Counts the engine's writes of a stack's checkpoint from now until `stop()`: the file backend writes a temporary
 * file and renames it onto the checkpoint, so each write is one rename event.
 */
export function countCheckpointWrites(backendDir: string, stack: string): { stop(): number } {
  const file = checkpointFile(backendDir, stack);
  const name = basename(file);
  let writes = 0;
  const watcher = watch(dirname(file), (event, changed) => {
    if (event === "rename" && changed === name) writes++;
  });
  return {
    stop() {
      watcher.close();
      return writes;
    },
  };
}
