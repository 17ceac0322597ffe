/**
 * A Pulumi home for the bench's engine with the workflow's setting "no automatic debug log" (docs/performance.md,
 * item 4): the CLI writes a compressed debug log of every run to `$PULUMI_HOME/logs` and has no setting to stop it;
 * a plain file in that place does. The plugins are the user's (a link), so nothing is installed twice; the user's
 * own home is never changed.
 */
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";

export function withoutDebugLog(): { home: string; remove(): void } {
  const userHome = process.env.PULUMI_HOME || join(homedir(), ".pulumi");
  const home = mkdtempSync(join(tmpdir(), "mcp-access-bench-pulumi-home-"));
  symlinkSync(join(userHome, "plugins"), join(home, "plugins"), "dir");
  writeFileSync(join(home, "logs"), "");
  return { home, remove: () => rmSync(home, { recursive: true, force: true }) };
}
