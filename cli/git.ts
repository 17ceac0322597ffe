/** Definition files at a git revision, for `diff` and the mass-removal guard. */
import { execFileSync } from "node:child_process";
import { realpathSync } from "node:fs";
import { relative, resolve } from "node:path";
import { ACCESS_TESTS_DIR, KINDS, symlinkFile, type RawFile } from "../lib";
import { UsageError } from "./errors";

function git(args: string[], cwd: string): Buffer {
  try {
    return execFileSync("git", args, { cwd, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 256 * 1024 * 1024 });
  } catch (e) {
    const stderr = String((e as { stderr?: Buffer }).stderr ?? "").trim();
    throw new UsageError(`git ${args.slice(0, 2).join(" ")} failed: ${stderr.split("\n")[0] || (e as Error).message}`);
  }
}

/**
 * The path of `dir` inside its git repository (`""` at the root; `access` for `<repo>/access`), or, outside
 * git, inside `GITHUB_WORKSPACE` or the current directory: what GitHub annotations are relative to.
 */
export function repoPrefix(dir: string): string {
  const root = resolve(dir);
  let top: string;
  try {
    top = execFileSync("git", ["rev-parse", "--show-toplevel"], { cwd: root, stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
  } catch {
    top = resolve(process.env.GITHUB_WORKSPACE ?? ".");
  }
  const rel = relative(realpathOrSelf(top), realpathOrSelf(root)).split("\\").join("/");
  return rel.startsWith("..") ? "" : rel;
}

function realpathOrSelf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/** `groups/`, `users/`, `m2m/` and `access-tests/` of the repository at `dir`, as they are at revision `ref`. */
export function revisionFiles(dir: string, ref: string): RawFile[] {
  const root = resolve(dir);
  const top = git(["rev-parse", "--show-toplevel"], root).toString().trim();
  try {
    git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], root);
  } catch {
    throw new UsageError(`git revision "${ref}" not found (fetch it first, e.g. git fetch origin main)`);
  }
  const prefix = relative(top, root).split("\\").join("/");
  const paths = [...KINDS, ACCESS_TESTS_DIR].map((k) => (prefix ? `${prefix}/${k}` : k));
  const listing = git(["ls-tree", "-r", "-l", ref, "--", ...paths], top).toString();
  const files: RawFile[] = [];
  for (const line of listing.split("\n").filter(Boolean)) {
    const tab = line.indexOf("\t");
    const [mode, type, sha, size] = line.slice(0, tab).split(/\s+/);
    const path = line.slice(tab + 1);
    if (type !== "blob" || !sha) continue;
    const file = prefix ? path.slice(prefix.length + 1) : path;
    // A symbolic link (mode 120000) is reported by the loader, never followed.
    if (mode === "120000") files.push(symlinkFile(file));
    else files.push({ file, size: Number(size), bytes: () => git(["cat-file", "blob", sha], top) });
  }
  return files;
}
