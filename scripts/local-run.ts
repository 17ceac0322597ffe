/**
 * `npm run pulumi -- <args>` and `npm run token -- <names>`: the project's Pulumi engine, or `mcp-access token`,
 * on the local stack that `npm run local` made — its backend, passphrase and services — with nothing to paste.
 * For stacks of your own, run `pulumi` and `npx mcp-access` with your backend instead.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { LOCAL_STACK, localEnv, REPO, runningServices, script, StepFailed } from "./local-env";

function main(): number {
  const [tool, ...args] = process.argv.slice(2);
  const services = runningServices();
  if (!services) {
    process.stderr.write("the local stack's services are not running: run npm run local first\n");
    return 1;
  }
  const env = localEnv(script("build-engine.sh"), services);
  const command =
    tool === "token"
      ? [process.execPath, join(REPO, "bin", "mcp-access.js"), "token", ...withStack(args)]
      : ["pulumi", ...args];
  const res = spawnSync(command[0]!, command.slice(1), { cwd: REPO, env, stdio: "inherit" });
  return res.status ?? 1;
}

/** The local stack unless the command names one. */
function withStack(args: readonly string[]): string[] {
  return args.some((a) => a === "--stack" || a.startsWith("--stack=") || a === "--outputs")
    ? [...args]
    : [...args, "--stack", LOCAL_STACK];
}

try {
  process.exitCode = main();
} catch (e) {
  process.stderr.write(`${e instanceof StepFailed ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
