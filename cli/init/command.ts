/**
 * `mcp-access init [DIR] --idp keycloak|entra [--stack NAME] [--examples]`: a new definitions repository. It never
 * overwrites: a file that exists is kept and said so, the others are written.
 */
import { Command, Option } from "commander";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { IDENTITY_PROVIDERS, stackNameProblem, UsageError, type IdentityProvider } from "../../lib";
import type { Io } from "../io";
import { packageVersion } from "../version";
import { nextSteps } from "./readme";
import { projectName, scaffoldFiles, type ScaffoldFile } from "./scaffold";

interface InitFlags {
  idp: IdentityProvider;
  stack: string;
  examples?: boolean;
}

/** Writes `file` under `root` unless something is there already (never replaced, whatever it is). */
function writeNew(root: string, file: ScaffoldFile): "wrote" | "kept" {
  const path = join(root, file.path);
  mkdirSync(dirname(path), { recursive: true });
  try {
    writeFileSync(path, file.text, { flag: "wx" });
    return "wrote";
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return "kept";
    throw e;
  }
}

export function runInit(dir: string, flags: InitFlags, io: Io): number {
  const problem = stackNameProblem(flags.stack);
  if (problem) throw new UsageError(`--stack: ${problem}`);
  const version = packageVersion();
  const files = scaffoldFiles({
    project: projectName(dir),
    idp: flags.idp,
    stack: flags.stack,
    examples: flags.examples === true,
    version,
  });
  mkdirSync(dir, { recursive: true });
  for (const file of files) {
    const shown = join(dir, file.path);
    io.out(writeNew(dir, file) === "wrote" ? `wrote ${shown}` : `kept ${shown} (exists)`);
  }
  io.out("");
  for (const line of nextSteps(dir, flags.stack, flags.idp)) io.out(line);
  return 0;
}

export function addInitCommand(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command("init")
    .description("write a new definitions repository into DIR (never overwriting a file); see docs/cli.md")
    .argument("[dir]", "the repository's folder, created when missing", ".")
    .addOption(
      new Option("--idp <idp>", "the identity provider the stack manages")
        .choices(IDENTITY_PROVIDERS as string[])
        .makeOptionMandatory(),
    )
    .option("--stack <name>", "the stack the workflow applies (stacks/Pulumi.<name>.yaml)", "prod")
    .option("--examples", "one example file per kind (an agent-example account, its group, a user, a test...)")
    .action((dir: string, flags: InitFlags) => setExit(runInit(dir, flags, io)));
}
