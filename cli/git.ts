/** Definition files at a git revision, for `diff` and the mass-removal guard. */
import { execFileSync } from "node:child_process";
import { realpathSync } from "node:fs";
import { relative, resolve } from "node:path";
import { KIND_NAMES, sizedFile, symlinkFile, type RawFile } from "../lib";
import { UsageError } from "../lib";

/** Paths given to git are literal (no glob or pathspec magic in a folder's name); its output is never localized. */
const GIT_ENV = { ...process.env, GIT_LITERAL_PATHSPECS: "1", LC_ALL: "C" };

function git(args: string[], cwd: string, input?: string): Buffer {
  try {
    return execFileSync("git", args, {
      cwd,
      input,
      env: GIT_ENV,
      stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      maxBuffer: 1024 * 1024 * 1024,
    });
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
    top = execFileSync("git", ["rev-parse", "--show-toplevel"], { cwd: root, stdio: ["ignore", "pipe", "ignore"] })
      .toString()
      .replace(/\n$/, "");
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

/** Every kind's folder (lib/load/kinds.ts) of the repository at `dir`, as it is at revision `ref`. */
export function revisionFiles(dir: string, ref: string): RawFile[] {
  const root = resolve(dir);
  const top = git(["rev-parse", "--show-toplevel"], root).toString().replace(/\n$/, "");
  try {
    git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], root);
  } catch {
    throw new UsageError(`git revision "${ref}" not found (fetch it first, e.g. git fetch origin main)`);
  }
  const prefix = relative(top, root).split("\\").join("/");
  const paths = KIND_NAMES.map((k) => (prefix ? `${prefix}/${k}` : k));
  // NUL-separated (-z): git quotes names with non-ASCII bytes, quotes, backslashes or newlines in its line
  // output ("users/\303\251quipe/..."); read that way, such files would vanish from the revision.
  const listing = git(["ls-tree", "-r", "-l", "-z", "--full-tree", ref, "--", ...paths], top).toString("utf8");
  const files: RawFile[] = [];
  const blobs: string[] = [];
  let contents: Map<string, Buffer> | undefined;
  // Every blob in one `git cat-file --batch` the first time one is read: one git process, not one per file.
  const blob = (sha: string) => (contents ??= readBlobs(top, blobs)).get(sha) ?? git(["cat-file", "blob", sha], top);
  for (const line of listing.split("\0").filter(Boolean)) {
    const tab = line.indexOf("\t");
    const [mode, type, sha, size] = line.slice(0, tab).split(/\s+/);
    const path = line.slice(tab + 1);
    if (type !== "blob" || !sha) continue;
    const file = prefix ? path.slice(prefix.length + 1) : path;
    // A symbolic link (mode 120000) is reported by the loader, never followed.
    if (mode === "120000") files.push(symlinkFile(file));
    else {
      blobs.push(sha);
      files.push(sizedFile(file, Number(size), () => blob(sha)));
    }
  }
  return files;
}

/** The contents of `shas`, read with one `git cat-file --batch` (`<sha> blob <size>\n<bytes>\n` each). */
function readBlobs(top: string, shas: readonly string[]): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  if (!shas.length) return out;
  const batch = git(["cat-file", "--batch"], top, `${[...new Set(shas)].join("\n")}\n`);
  let at = 0;
  while (at < batch.length) {
    const eol = batch.indexOf(10, at);
    if (eol < 0) break;
    const [sha, type, size] = batch.subarray(at, eol).toString().split(" ");
    if (type !== "blob" || !sha || size === undefined) break; // "<sha> missing": read alone, as before
    const end = eol + 1 + Number(size);
    out.set(sha, batch.subarray(eol + 1, end));
    at = end + 1;
  }
  return out;
}
