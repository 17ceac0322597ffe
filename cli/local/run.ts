/**
 * `mcp-access local pulumi <args>` and `mcp-access local token <names>`: the package's Pulumi engine, or
 * `mcp-access token`, on the local stack that `mcp-access local` made — its backend, passphrase and services — with
 * nothing to paste. For stacks of your own, run `pulumi` and `mcp-access token` with your backend instead.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { Io } from "../io";
import { LOCAL_STACK, localEnv, PACKAGE_ROOT, runningServices, script, stateDir } from "./env";

export type LocalTool = "pulumi" | "token";

export function runOnLocalStack(root: string, tool: LocalTool, args: readonly string[], io: Io): number {
  const state = stateDir(root);
  const services = runningServices(state);
  if (!services) {
    io.err("the local stack's services are not running: run mcp-access local first");
    return 1;
  }
  const env = localEnv(script(state, "build-engine.sh"), services, state);
  const command =
    tool === "token"
      ? [process.execPath, join(PACKAGE_ROOT, "bin", "mcp-access.js"), "token", ...withStack(args)]
      : ["pulumi", ...args];
  const res = spawnSync(command[0]!, command.slice(1), { cwd: root, env, stdio: "inherit" });
  return res.status ?? 1;
}

/** The local stack unless the command names one. */
function withStack(args: readonly string[]): string[] {
  return args.some((a) => a === "--stack" || a.startsWith("--stack=") || a === "--outputs")
    ? [...args]
    : [...args, "--stack", LOCAL_STACK];
}
