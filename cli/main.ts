/**
 * `mcp-access`: validate, render and describe access definitions. Thin over the core in lib/.
 */
import { Command, CommanderError, Option } from "commander";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  checkRepository,
  DEFINITION_KINDS,
  IDENTITY_PROVIDERS,
  jsonSchemaFor,
  renderRegistryDocuments,
  safeText,
  SCHEMA_NAMES,
  errorCode,
  errorReason,
  type CheckOptions,
  type IdentityProvider,
  type SchemaName,
  UPSTREAM_REVISION,
} from "../lib";
import { renderIdentityProviders } from "../lib";
import { repoOptions, resolveSettings, validModel, type RepoFlags } from "./repo";
import { githubLine, jsonDiagnostic, plural, REPORT_FORMATS, textLine, type ReportFormat } from "./report";
import { addTokenCommand } from "./token";
import { addImportCommand } from "./import";
import { addInitCommand } from "./init/command";
import { addExplainCommand } from "./explain";
import { addWhoCommand } from "./who";
import { addReportCommand } from "./access-report";
import { addDiffCommand, modelAt } from "./diff";
import { addTestCommand } from "./access-test";
import { addEngineCommand, addLocalCommand } from "./local/command";
import { repoPrefix } from "./git";
import { packageVersion } from "./version";
import { FileError, isMcpAccessError, StackSettingsError, UsageError } from "../lib";

import type { Io } from "./io";
export { packageVersion, UsageError, type Io };

function runValidate(flags: RepoFlags & { format: ReportFormat; base?: string }, io: Io): number {
  const { root, settings } = resolveSettings(flags);
  // With --base, the mass-removal guard compares with that revision.
  const base = flags.base ? modelAt(root, flags.base, settings, io, true) : undefined;
  const result = checkRepository(root, { ...settings, ...(base ? { base } : {}) } as CheckOptions);
  const all = [...result.errors, ...result.warnings];
  if (flags.format === "json") {
    io.out(
      JSON.stringify(
        { ok: result.ok, errors: result.errors.map(jsonDiagnostic), warnings: result.warnings.map(jsonDiagnostic) },
        null,
        2,
      ),
    );
  } else if (flags.format === "github") {
    const prefix = repoPrefix(root);
    for (const d of all) io.out(githubLine(d, prefix));
  } else {
    for (const d of all) io.out(textLine(d));
    const m = result.model;
    if (result.ok) {
      io.out(
        `ok: ${plural(m.groups.length, "group")}, ${plural(m.users.length, "user")}, ` +
          `${plural(m.m2m.length, "M2M account")}` +
          (m.identityProviders?.length ? `, ${plural(m.identityProviders.length, "brokered identity provider")}` : "") +
          (result.accessTests?.results
            ? `, ${plural(result.accessTests.results.length, "access-test expectation")} held`
            : "") +
          (result.warnings.length ? `, ${plural(result.warnings.length, "warning")}` : ""),
      );
    } else {
      io.out(`invalid: ${plural(result.errors.length, "error")}, ${plural(result.warnings.length, "warning")}`);
    }
  }
  return result.ok ? 0 : 1;
}

/** `--version`: the version (first line, for scripts) and the registry revision whose rules it follows. */
function versionText(): string {
  return `${packageVersion()}\nregistry rules: ${UPSTREAM_REVISION}`;
}

/** A missing or unreadable file or folder named on the command line: what it is, not a raw ENOENT. */
function fileSystemMessage(e: unknown): string | null {
  const err = e as { code?: unknown; path?: unknown };
  if (typeof err?.code !== "string" || typeof err.path !== "string") return null;
  const what: Record<string, string> = {
    ENOENT: "no such file or folder",
    EISDIR: "is a folder, not a file",
    ENOTDIR: "a part of this path is a file, not a folder",
    EACCES: "permission denied",
    EPERM: "permission denied",
    EEXIST: "exists already",
    ELOOP: "a symbolic link, which is not followed",
    EROFS: "the file system is read-only",
    ENOSPC: "no space left on the device",
    ENAMETOOLONG: "the name is too long",
    EMFILE: "too many open files (raise ulimit -n)",
  };
  const reason = what[err.code];
  return reason ? `${safeText(err.path)}: ${reason}` : null;
}

/** What a network or system error means, instead of its errno (`connect ECONNREFUSED 127.0.0.1:27017`). */
function systemMessage(e: unknown): string | null {
  const err = e as { code?: unknown; address?: unknown; port?: unknown; hostname?: unknown; syscall?: unknown };
  // `fetch` fails with TypeError "fetch failed", the errno on its cause.
  if (e instanceof TypeError && errorCode(e))
    return `${e.message === "fetch failed" ? "a request failed" : e.message}: ${errorReason(e)}`;
  if (typeof err?.code !== "string" || !/^E[A-Z]+$/.test(err.code)) return null;
  const where =
    typeof err.hostname === "string"
      ? err.hostname
      : typeof err.address === "string"
        ? `${err.address}${err.port ? `:${String(err.port)}` : ""}`
        : "";
  const what: Record<string, string> = {
    ECONNREFUSED:
      `cannot connect${where ? ` to ${where}` : ""}: nothing listens there (is the ` +
      `service running, and the URL right?)`,
    ENOTFOUND: `host ${where || "(unknown)"} not found: check the URL`,
    ETIMEDOUT: `no answer${where ? ` from ${where}` : ""} in time: check the URL and the network`,
    ECONNRESET: `the connection${where ? ` to ${where}` : ""} was closed by the other side; try again`,
    EACCES: "permission denied",
    EPERM: "permission denied",
  };
  return (
    what[err.code] ??
    `system error ` +
      `${err.code}${typeof err.syscall === "string" ? ` in ${err.syscall}` : ""}${where ? ` (${where})` : ""}`
  );
}

/** An error that is no user's mistake: a bug, said as one (never a bare "x is not a function"). */
function internalMessage(e: unknown): string | null {
  if (!(
    e instanceof TypeError ||
    e instanceof RangeError ||
    e instanceof ReferenceError ||
    e instanceof SyntaxError ||
    e instanceof EvalError
  ))
    return null;
  return (
    `internal error (${e.name}: ${e.message}); nothing was applied. This is a bug in ` +
    `mcp-access: please report it with the command you ran`
  );
}

type RenderFlags = RepoFlags & { idp?: IdentityProvider; identityProviders?: boolean };

function runRender(flags: RenderFlags, io: Io): number {
  const { root, settings } = resolveSettings(flags);
  const result = checkRepository(root, settings);
  const model = validModel(
    result,
    io,
    `nothing rendered: ${plural(result.errors.length, "error")}; run mcp-access validate for details`,
  );
  if (flags.identityProviders) {
    // The Keycloak side of identity-providers/, as the admin REST API takes it (lib/render/identity-providers.ts).
    io.out(JSON.stringify(renderIdentityProviders(model.identityProviders ?? []), null, 2));
    return 0;
  }
  const idp = flags.idp ?? settings.identityProvider;
  for (const g of model.groups) {
    if (g.fromShorthand) {
      io.err(
        `note: ${g.file}: "servers" shorthand converted to server_access (read = standard MCP ` +
          `methods without tools/call; execute = with tools/call)`,
      );
    }
  }
  if (idp === "entra") {
    io.err(
      "note: on Entra, each group's Object ID is added to its group_mappings, and M2M client ids " +
        "are filled in, when the stack is applied",
    );
  }
  if (model.bootstrap) {
    // lib/registry/seeds.ts: PR #1732's rule follows the generic proxy switch.
    const proxy = model.registry?.gatewayGenericProxy ?? false;
    const state = proxy ? "on, so registry-admins includes" : "off, so registry-admins leaves out";
    io.err(
      `note: the bootstrap's seeds are upstream's files at main@8c5b834b; gatewayGenericProxy is ${state} ` +
        `#1732's {server: "*", methods: ["http:*"], tools: []}`,
    );
  }
  io.out(JSON.stringify(renderRegistryDocuments(model, { idp }), null, 2));
  return 0;
}

function runSchema(kind: string | undefined, flags: { out?: string }, io: Io): number {
  const kinds: SchemaName[] = kind ? [parseKind(kind)] : [...SCHEMA_NAMES];
  if (flags.out) {
    mkdirSync(flags.out, { recursive: true });
    for (const k of kinds) {
      const file = join(flags.out, `${k}.schema.json`);
      writeFileSync(file, JSON.stringify(jsonSchemaFor(k), null, 2) + "\n");
      io.err(`wrote ${file}`);
    }
    return 0;
  }
  const value = kind ? jsonSchemaFor(kinds[0]!) : Object.fromEntries(kinds.map((k) => [k, jsonSchemaFor(k)]));
  io.out(JSON.stringify(value, null, 2));
  return 0;
}

/** The folders a definitions repository holds, from the table of kinds. */
function kindsHelp(): string {
  const width = Math.max(...DEFINITION_KINDS.map((k) => k.name.length)) + 2;
  const lines = DEFINITION_KINDS.map((k) => `  ${`${k.name}/`.padEnd(width)} ${k.summary}; ${k.perFile} per file`);
  return `\nDefinitions (one folder per kind, subfolders included; .yaml, .yml or .json):\n${lines.join("\n")}`;
}

function parseKind(kind: string): SchemaName {
  if ((SCHEMA_NAMES as readonly string[]).includes(kind)) return kind as SchemaName;
  throw new UsageError(`unknown kind "${kind}"; use one of: ${SCHEMA_NAMES.join(", ")}`);
}

export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command("mcp-access")
    .description("Access to an MCP Gateway Registry as code: check and render groups, users and M2M accounts")
    .version(versionText(), "-V, --version", "print the version of mcp-access and the registry revision it follows")
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, "")),
      writeErr: (s) => io.err(s.replace(/\n$/, "")),
      // Commander's own errors are said by run() as every failure is (ERR_USAGE), not printed here.
      outputError: () => undefined,
    })
    .addHelpText("after", kindsHelp());

  repoOptions(program.command("validate").description("check every definition; exit 1 when any error is found"))
    .addOption(new Option("--format <format>", "output format").choices(REPORT_FORMATS as string[]).default("text"))
    .option("--base <ref>", "git revision before this change, for the mass-removal guard")
    .action((flags: RepoFlags & { format: ReportFormat; base?: string }) => setExit(runValidate(flags, io)));

  repoOptions(program.command("render").description("print the registry documents the definitions produce (JSON)"))
    .addOption(new Option("--idp <idp>", "identity provider").choices(IDENTITY_PROVIDERS as string[]))
    .option("--identity-providers", "print the brokered identity providers and mappers as Keycloak represents them")
    .action((flags: RenderFlags) => setExit(runRender(flags, io)));

  program
    .command("schema")
    .description(
      "print the JSON Schemas of the definition files (groups, users, m2m, rate limits, identity " +
        "providers) and of access tests",
    )
    .argument("[kind]", `one of ${SCHEMA_NAMES.join(", ")}`)
    .option("--out <dir>", "write <kind>.schema.json files into this directory instead")
    .action((kind: string | undefined, flags: { out?: string }) => setExit(runSchema(kind, flags, io)));

  addExplainCommand(program, io, setExit);
  addWhoCommand(program, io, setExit);
  addDiffCommand(program, io, setExit);
  addReportCommand(program, io, setExit);
  addTestCommand(program, io, setExit);
  addTokenCommand(program, io, setExit);
  addImportCommand(program, io, setExit);
  addInitCommand(program, io, setExit);
  addLocalCommand(program, io, setExit);
  addEngineCommand(program, io, setExit);
  // An empty value (`--user ''`, `token ''`) names nothing: said before any command runs, never an internal error.
  program.hook("preAction", (_root, command) => {
    for (const option of command.options) {
      const key = option.attributeName();
      const value = command.getOptionValue(key) as unknown;
      const values = Array.isArray(value) ? value : [value];
      const given = command.getOptionValueSource(key) === "cli";
      if (
        values.some((v) => typeof v === "string" && v.trim() === "") ||
        (given && Array.isArray(value) && value.length === 0)
      ) {
        throw new UsageError(`${option.long ?? option.flags} needs a value, not an empty string`);
      }
    }
    if (command.args.some((a) => a.trim() === ""))
      throw new UsageError(`${command.name()}: an argument is an empty string; name something`);
  });
  return program;
}

/** How a command failed: a stable code (docs/errors.md), the message for people, and the exit code. */
export interface Failure {
  code: string;
  message: string;
  exitCode: number;
}

/**
 * The exit code of each code (docs/errors.md): 2 when the command line or the stack's settings must change before
 * anything can run, or for what is not the user's to fix (a system error, a bug); 1 when the command ran and found
 * a problem. Only the CLI has exit codes: the errors carry their code alone.
 */
const EXIT_CODES: Readonly<Record<string, number>> = {
  [UsageError.code]: 2,
  [StackSettingsError.code]: 2,
  ERR_SYSTEM: 2,
  ERR_INTERNAL: 2,
};

/** What the CLI ends with on a failure of this code: 1 unless EXIT_CODES says otherwise. */
export function exitCodeOf(code: string): number {
  return Object.hasOwn(EXIT_CODES, code) ? EXIT_CODES[code]! : 1;
}

/**
 * The one mapping from an error to what the CLI says and exits with: this tool's own errors carry their code; a
 * file or folder named on the command line that cannot be read is ERR_FILE; a network or system error is said in
 * words (ERR_SYSTEM); anything else is a bug (ERR_INTERNAL). The exit code follows from the code (exitCodeOf).
 */
export function failureOf(e: unknown): Failure {
  const failure = (code: string, message: string): Failure => ({ code, message, exitCode: exitCodeOf(code) });
  if (isMcpAccessError(e)) return failure(e.code, e.message);
  const fs = fileSystemMessage(e);
  if (fs) return failure(FileError.code, fs);
  const system = systemMessage(e);
  if (system) return failure("ERR_SYSTEM", system);
  return failure("ERR_INTERNAL", internalMessage(e) ?? (e instanceof Error ? e.message : String(e)));
}

/** `--format json` (or `--format=json`) on the command line: the failure is printed as JSON on stdout too. */
function wantsJson(argv: readonly string[]): boolean {
  return argv.some((a, i) => a === "--format=json" || (a === "--format" && argv[i + 1] === "json"));
}

/**
 * Commander's own errors (an unknown option or command, a missing value, a value not among the choices) as a
 * usage failure like any other: a code, one line, JSON with --format json, and where the help is, not the whole
 * help text. "done" when commander printed what was asked (--help, --version); null for other errors.
 */
function commanderFailure(e: unknown, argv: readonly string[], program: Command): Failure | "done" | null {
  if (!(e instanceof CommanderError)) return null;
  // `help validate` is asked for (exit code 0); `mcp-access` alone prints the help as an error (exit code 1).
  const asked = e.code === "commander.help" && e.exitCode === 0;
  if (asked || e.code === "commander.helpDisplayed" || e.code === "commander.version") return "done";
  // The program's own options take no value: the first word that is not an option names the command.
  const first = argv.find((a) => !a.startsWith("-"));
  const sub = program.commands.find((c) => c.name() === first);
  const help = `mcp-access${sub ? ` ${sub.name()}` : ""} --help`;
  const what =
    e.code === "commander.help"
      ? "name a command"
      : e.message
          .replace(/^error: /, "")
          .replace(/\s*\n\s*/g, " ")
          .replace(/\.$/, "");
  return {
    code: UsageError.code,
    message: `${what} (${help} lists what it takes)`,
    exitCode: exitCodeOf(UsageError.code),
  };
}

/**
 * Output with no raw control sequence: C0 (but tab and line feed), DEL, C1 and bidi overrides are escaped
 * (`\u001b`), whatever a definition, a token or a git revision held. Nothing the CLI prints needs them.
 */
export function terminalSafe(text: string): string {
  return text.replace(
    /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** Runs the CLI; resolves to the exit code. Exposed for tests, which run it in-process. */
export async function run(argv: readonly string[], rawIo: Io): Promise<number> {
  const io: Io = { out: (s) => rawIo.out(terminalSafe(s)), err: (s) => rawIo.err(terminalSafe(s)) };
  let code = 0;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (e) {
    const commander = commanderFailure(e, argv, program);
    if (commander === "done") return 0;
    const failure = commander ?? failureOf(e);
    if (wantsJson(argv)) io.out(JSON.stringify({ error: { code: failure.code, message: failure.message } }));
    io.err(`mcp-access: ${failure.code}: ${safeText(failure.message)}`);
    return failure.exitCode;
  }
}

/** `... | head -1`: the reader went away; stop quietly, as other command-line tools do. */
export function quietOnBrokenPipe(stream: NodeJS.WriteStream): void {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });
}

if (require.main === module) {
  quietOnBrokenPipe(process.stdout);
  quietOnBrokenPipe(process.stderr);
  run(process.argv.slice(2), {
    out: (s) => process.stdout.write(s + "\n"),
    err: (s) => process.stderr.write(s + "\n"),
  }).then((code) => {
    process.exitCode = code;
  });
}
