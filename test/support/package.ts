/**
 * The package as a user installs it: `npm pack` of this tree, installed into a folder outside the repository without
 * the network. npm resolves a package's dependencies from the registry's metadata, which an `npm ci` never caches,
 * so the folder gets a lock file: the tarball, and this repository's locked runtime packages (npm's cache holds
 * them after `npm ci`). The folder's package.json is left as the user has it.
 */
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./paths";

interface Lock {
  packages: Record<string, { dev?: boolean; link?: boolean; version?: string } & Record<string, unknown>>;
}

/** `npm pack` of this (built) tree into `dir`; the tarball's path. */
export function packTree(dir: string): string {
  const out = execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], {
    cwd: REPO_ROOT,
    encoding: "utf8",
  });
  return join(dir, (JSON.parse(out) as { filename: string }[])[0]!.filename);
}

/** Installs the dependencies of the package.json in `dir`, with `mcp-gateway-access` from `tarball`, offline. */
export function installOffline(dir: string, tarball: string, env: NodeJS.ProcessEnv): string {
  const ours = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as Record<string, unknown>;
  const theirs = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Record<string, unknown>;
  const locked = (JSON.parse(readFileSync(join(REPO_ROOT, "package-lock.json"), "utf8")) as Lock).packages;
  const integrity = `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`;
  const packages: Lock["packages"] = {
    "": { name: theirs.name, dependencies: theirs.dependencies, engines: theirs.engines },
    "node_modules/mcp-gateway-access": {
      version: ours.version as string,
      resolved: `file:${tarball}`,
      integrity,
      license: ours.license,
      dependencies: ours.dependencies,
      bin: ours.bin,
      engines: ours.engines,
    },
  };
  for (const [path, entry] of Object.entries(locked))
    if (path !== "" && !entry.dev && !entry.link) packages[path] = entry;
  writeFileSync(
    join(dir, "package-lock.json"),
    JSON.stringify({ name: theirs.name, lockfileVersion: 3, requires: true, packages }, null, 2),
  );
  return execFileSync("npm", ["ci", "--offline", "--no-audit", "--no-fund"], {
    cwd: dir,
    encoding: "utf8",
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
}
