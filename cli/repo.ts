/** The options every command that reads a definitions repository shares, and how they become settings. */
import type { Command } from "commander";
import { resolve } from "node:path";
import { BOOTSTRAP_ADMIN_GROUP, parseStackConfig, readStackFile, StackSettingsError, type StackConfig } from "../lib";
import { UsageError } from "./errors";

export interface RepoFlags {
  dir: string;
  stack?: string;
  bootstrap?: boolean;
  existingGroup?: string[];
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(",").map((s) => s.trim()).filter(Boolean)];
}

export function repoOptions(cmd: Command): Command {
  return cmd
    .option("--dir <dir>", "repository root holding groups/, users/ and m2m/", ".")
    .option("--stack <name>", "check as this stack will apply (reads stacks/Pulumi.<name>.yaml)")
    .option("--bootstrap", "the stack manages the registry bootstrap (registry-admins)")
    .option("--existing-group <name>", "an IdP group that exists already (repeatable, or comma-separated)", collect);
}

/** Settings: the stack file when given, else the registry's bootstrap admin group counts as existing. */
export function resolveSettings(flags: RepoFlags): { root: string; settings: StackConfig } {
  const root = resolve(flags.dir);
  let settings: StackConfig;
  try {
    settings = flags.stack
      ? readStackFile(root, flags.stack)
      : { ...parseStackConfig(() => undefined, "defaults"), existingGroups: [BOOTSTRAP_ADMIN_GROUP] };
  } catch (e) {
    if (e instanceof StackSettingsError) throw new UsageError(e.message);
    throw e;
  }
  if (flags.bootstrap) settings.bootstrap = true;
  if (flags.existingGroup?.length) settings.existingGroups = [...(settings.existingGroups ?? []), ...flags.existingGroup];
  return { root, settings };
}

