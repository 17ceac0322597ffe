/** `mcp-access` run in this process, its output collected: what a person at a terminal sees, and the exit code. */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { run } from "../../cli/main";
import { REPO_ROOT } from "./paths";

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export async function cli(args: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/** `bin/mcp-access.js` as a user runs it: a process of its own, `env` added, in `cwd` (default the repository). */
export function binCli(args: string[], env: NodeJS.ProcessEnv = {}, cwd = REPO_ROOT): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(REPO_ROOT, "bin", "mcp-access.js"), ...args],
      { env: { ...process.env, ...env }, cwd },
      (err, out, errText) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out, err: errText }),
    );
  });
}
