/** Definition files at a git revision, for `diff` and the mass-removal guard. */
import { execFileSync } from "node:child_process";
import { relative, resolve } from "node:path";
import { KINDS, type RawFile } from "../lib";
import { UsageError } from "./errors";

function git(args: string[], cwd: string): Buffer {
  try {
    return execFileSync("git", args, { cwd, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 256 * 1024 * 1024 });
  } catch (e) {
    const stderr = String((e as { stderr?: Buffer }).stderr ?? "").trim();
    throw new UsageError(`git ${args.slice(0, 2).join(" ")} failed: ${stderr.split("\n")[0] || (e as Error).message}`);
  }
}

/** `groups/`, `users/`, `m2m/` of the repository at `dir`, as they are at revision `ref`. */
export function revisionFiles(dir: string, ref: string): RawFile[] {
  const root = resolve(dir);
  const top = git(["rev-parse", "--show-toplevel"], root).toString().trim();
  try {
    git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], root);
  } catch {
    throw new UsageError(`git revision "${ref}" not found (fetch it first, e.g. git fetch origin main)`);
  }
  const prefix = relative(top, root).split("\\").join("/");
  const paths = KINDS.map((k) => (prefix ? `${prefix}/${k}` : k));
  const listing = git(["ls-tree", "-r", "-l", ref, "--", ...paths], top).toString();
  const files: RawFile[] = [];
  for (const line of listing.split("\n").filter(Boolean)) {
    const tab = line.indexOf("\t");
    const [, type, sha, size] = line.slice(0, tab).split(/\s+/);
    const path = line.slice(tab + 1);
    if (type !== "blob" || !sha) continue;
    files.push({ file: prefix ? path.slice(prefix.length + 1) : path, size: Number(size), bytes: () => git(["cat-file", "blob", sha], top) });
  }
  return files;
}
