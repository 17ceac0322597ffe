/** Scripted git histories in temporary repositories, for `diff` and the mass-removal guard. */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { makeRepo } from "./repo";

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "t",
  GIT_AUTHOR_EMAIL: "t@example.com",
  GIT_COMMITTER_NAME: "t",
  GIT_COMMITTER_EMAIL: "t@example.com",
};

export class GitRepo {
  readonly dir = makeRepo({});
  constructor() {
    this.git("init", "-q", "-b", "main");
  }
  git(...args: string[]): string {
    return execFileSync("git", args, { cwd: this.dir, env: GIT_ENV, encoding: "utf8" });
  }
  write(files: Record<string, string | null>): this {
    for (const [name, content] of Object.entries(files)) {
      const path = join(this.dir, name);
      if (content === null) rmSync(path, { force: true });
      else {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, content);
      }
    }
    return this;
  }
  commit(message: string): string {
    this.git("add", "-A");
    this.git("commit", "-q", "--allow-empty", "-m", message);
    return this.git("rev-parse", "HEAD").trim();
  }
}

export const userFile = (name: string, groups: string[], extra = "") =>
  `username: ${name}\nemail: ${name}@example.com\nfirst_name: F\nlast_name: L\ngroups: ` +
  `[${groups.join(", ")}]\n${extra}`;
