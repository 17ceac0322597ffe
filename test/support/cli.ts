/** `mcp-access` run in this process, its output collected: what a person at a terminal sees, and the exit code. */
import { run } from "../../cli/main";

export async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}
