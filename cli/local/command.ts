/**
 * `mcp-access local` and `mcp-access engine`: the local stack of any definitions repository, and the Pulumi engine
 * with the Keycloak plugin that this package tests and measures. Thin over cli/local/ and the package's scripts/.
 */
import type { Command } from "commander";
import { ServiceError } from "../../lib";
import type { Io } from "../io";
import { localProject, script, stateDir } from "./env";
import { runOnLocalStack, type LocalTool } from "./run";
import { localDown, localUp } from "./stack";

/** A failed engine run: its output, with the reason in its "Diagnostics", is printed above already. */
function engineFailure(e: unknown): never {
  if (e instanceof ServiceError) throw e;
  throw new ServiceError("pulumi up on the local stack failed: the engine's messages above say why");
}

function addPassThrough(local: Command, tool: LocalTool, what: string, io: Io, setExit: (code: number) => void) {
  local
    .command(tool)
    .description(what)
    .argument("[args...]", `arguments of ${tool === "pulumi" ? "pulumi" : "mcp-access token"}`)
    .allowUnknownOption()
    .helpOption(false)
    .passThroughOptions()
    .action((args: string[], _flags: unknown, command: Command) => {
      const dir = (command.parent?.opts() as { dir: string }).dir;
      setExit(runOnLocalStack(localProject(dir), tool, args, io));
    });
}

export function addLocalCommand(program: Command, io: Io, setExit: (code: number) => void): void {
  const local = program
    .command("local")
    .description(
      "apply the definitions of this repository to a local Keycloak and database (provided and started on first " +
        "use), stack `local`; --down stops them",
    )
    .option("--dir <dir>", "the definitions repository (a Pulumi project)", ".")
    .option("--down", "stop the local services (their state is kept in .local/)")
    .enablePositionalOptions()
    .action(async (flags: { dir: string; down?: boolean }) => {
      const root = localProject(flags.dir);
      setExit(flags.down ? localDown(root, io) : await localUp(root, io).catch(engineFailure));
    });
  addPassThrough(
    local,
    "pulumi",
    "run the Pulumi engine on the local stack (its backend, passphrase, services)",
    io,
    setExit,
  );
  addPassThrough(local, "token", "mcp-access token on the local stack (e.g. `local token agent-example`)", io, setExit);
}

export function addEngineCommand(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command("engine")
    .description(
      "provide the Pulumi engine and the Keycloak plugin this package tests and measures (built from source where " +
        "needed, cached); print the folder to put on PATH",
    )
    .option("--stamp", "print the build stamp instead (a cache key: it changes when the build would)")
    .action((flags: { stamp?: boolean }) => {
      io.out(script(stateDir("."), "build-engine.sh", ...(flags.stamp ? ["--stamp"] : [])));
      setExit(0);
    });
}
