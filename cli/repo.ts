/** The options every command that reads a definitions repository shares, and how they become settings. */
import type { Command } from "commander";
import { resolve } from "node:path";
import { BOOTSTRAP_ADMIN_GROUP, DefinitionsError, KIND_NAMES, parseStackConfig, readStackFile, textLine } from "../lib";
import type { AccessModel, CheckResult, StackConfig } from "../lib";
import type { Io } from "./io";

export interface RepoFlags {
  dir: string;
  stack?: string;
  bootstrap?: boolean;
  existingGroup?: string[];
}

/** Every list option: repeatable, and each value may hold several, comma-separated. */
export function collect(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

/** What `--dir` means in every command. */
export const DIR_OPTION_HELP = `repository root holding ${KIND_NAMES.map((k) => `${k}/`).join(", ")}`;

export function repoOptions(cmd: Command): Command {
  return cmd
    .option("--dir <dir>", DIR_OPTION_HELP, ".")
    .option("--stack <name>", "check as this stack will apply (reads stacks/Pulumi.<name>.yaml)")
    .option("--bootstrap", "the stack manages the registry bootstrap (registry-admins)")
    .option("--existing-group <name>", "an IdP group that exists already (repeatable, or comma-separated)", collect);
}

/** Settings: the stack file when given, else the registry's bootstrap admin group counts as existing. */
export function resolveSettings(flags: RepoFlags): { root: string; settings: StackConfig } {
  const root = resolve(flags.dir);
  const settings: StackConfig = flags.stack
    ? readStackFile(root, flags.stack)
    : { ...parseStackConfig(() => undefined, "defaults"), existingGroups: [BOOTSTRAP_ADMIN_GROUP] };
  if (flags.bootstrap) settings.bootstrap = true;
  if (flags.existingGroup?.length)
    settings.existingGroups = [...(settings.existingGroups ?? []), ...flags.existingGroup];
  return { root, settings };
}

/**
 * Check, print, stop: the model when the definitions are valid; otherwise their errors on stderr (prefixed with
 * `where`, e.g. a git revision) and a DefinitionsError that ends the command with exit code 1.
 */
export function validModel(checked: CheckResult, io: Io, stop: string, where?: string): AccessModel {
  if (checked.ok) return checked.model;
  for (const d of checked.errors) io.err(where ? `${where}: ${textLine(d)}` : textLine(d));
  throw new DefinitionsError(stop);
}
