/**
 * `mcp-access import`: a running registry's realm and documents → definition files, and a report of what the
 * definitions cannot express. The stack adopts the objects on its first `pulumi up` (see the README).
 */
import type { Command } from "commander";
import { closeSync, constants, lstatSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import {
  checkFiles,
  convertSnapshot,
  DEFAULT_DATABASE,
  definitionKind,
  DEFAULT_NAMESPACE,
  parseStackConfig,
  scopesCollectionName,
  settingsCommands,
  bootstrapCommands,
  sizedFile,
  textLine,
  type BootstrapImport,
  type ImportResult,
  type ImportSnapshot,
  type RawFile,
} from "../lib";
import {
  keycloakSettingsFromEnv,
  readEntraTenant,
  readKeycloakRealm,
  readRegistryDatabase,
  type IdentitySnapshot,
} from "./import-read";
import { FileError, UsageError } from "../lib";
import type { Io } from "./io";
import { plural } from "./report";

export interface ImportFlags {
  keycloakUrl?: string;
  realm?: string;
  tenant?: string;
  mongodb?: string;
  database: string;
  namespace: string;
  out?: string;
  dryRun?: boolean;
}

/** Where the identity side comes from; replaced in tests. */
export interface ImportReaders {
  keycloak: (url: string, realm: string) => Promise<IdentitySnapshot>;
  entra: (tenant: string) => Promise<IdentitySnapshot>;
  database: (
    uri: string,
    database: string,
    namespace: string,
  ) => Promise<Pick<ImportSnapshot, "scopes" | "m2mRecords" | "rateLimits" | "rateLimitMemberships">>;
}

export const defaultReaders: ImportReaders = {
  keycloak: (url, realm) => readKeycloakRealm(keycloakSettingsFromEnv(url, process.env), realm),
  entra: (tenant) => readEntraTenant(tenant, process.env),
  database: readRegistryDatabase,
};

function asRawFile(path: string, text: string): RawFile {
  const bytes = Buffer.from(text, "utf8");
  return sizedFile(path, bytes.length, () => bytes);
}

/** The environment variable that holds the database connection string (as the stack's `mongodbUri` falls back to). */
export const DATABASE_URI_ENV = "MONGODB_CONNECTION_STRING";
/** The password for a `--mongodb` URI given without one (as the stack's `mongodbPassword` falls back to). */
export const DATABASE_PASSWORD_ENV = "DOCUMENTDB_PASSWORD";

/**
 * The database connection string: `--mongodb` without a password (the process list and the shell history keep the
 * command line), its password from DOCUMENTDB_PASSWORD; or the whole string from MONGODB_CONNECTION_STRING.
 */
export function databaseUri(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (flag === undefined || flag === "") {
    const fromEnv = env[DATABASE_URI_ENV];
    if (fromEnv) return fromEnv;
    throw new UsageError(
      `--mongodb <uri> is required (without its password; or set ${DATABASE_URI_ENV}): the registry ` +
        `database holding the scope documents`,
    );
  }
  const m = /^(mongodb(?:\+srv)?:\/\/)([^@/?#]*)@/.exec(flag);
  if (!/^mongodb(\+srv)?:\/\//.test(flag))
    throw new UsageError("--mongodb must be a connection string starting with mongodb:// or mongodb+srv://");
  if (m && m[2]!.includes(":")) {
    throw new UsageError(
      `--mongodb holds a password, which the process list and the shell history would keep: set ` +
        `${DATABASE_URI_ENV} to the connection string instead, or give --mongodb without the ` +
        `password (mongodb://user@host/...) and set ${DATABASE_PASSWORD_ENV}`,
    );
  }
  const password = env[DATABASE_PASSWORD_ENV];
  if (m && m[2] && password) return `${m[1]}${m[2]}:${encodeURIComponent(password)}@${flag.slice(m[0].length)}`;
  return flag;
}

/** File names that two written files would share (compared ignoring case, as macOS and Windows do). */
function sharedFileNames(files: ImportResult["files"]): string[] {
  const byPath = new Map<string, string[]>();
  for (const f of files) {
    const key = f.path.toLowerCase();
    byPath.set(key, [...(byPath.get(key) ?? []), `${definitionKind(f.kind).noun} ${JSON.stringify(f.name)}`]);
  }
  return [...byPath]
    .filter(([, names]) => names.length > 1)
    .map(([path, names]) => `${names.join(" and ")} would both be written to ${path}`);
}

function lstatOrNull(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

/** Makes the folders from `out` down to `dir`, refusing any that is a symbolic link (never written through). */
function makeFolders(out: string, dir: string): void {
  let at = out;
  for (const part of ["", ...relative(out, dir).split(sep).filter(Boolean)]) {
    at = part ? join(at, part) : at;
    const st = lstatOrNull(at);
    if (st?.isSymbolicLink())
      throw new FileError(`${at} is a symbolic link; import never writes through one: name a real folder with --out`);
    if (st && !st.isDirectory()) throw new FileError(`${at} is a file, not a folder`);
    if (!st) mkdirSync(at, { recursive: part === "" });
  }
}

/** Writes a file that must not exist yet, never through a symbolic link (a dangling one included). */
function writeNewFile(path: string, text: string): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

export async function runImport(
  flags: ImportFlags,
  io: Io,
  readers: ImportReaders = defaultReaders,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const { keycloak, mongodb, out } = checkFlags(flags, env);
  const snapshot = await readSnapshot(flags, keycloak, mongodb, readers);
  const result = convertSnapshot(snapshot);

  // What is written must validate with the settings it needs (paths relative to --out, as validate shows them).
  const checked = checkFiles(
    result.files.map((f) => asRawFile(f.path, f.text)),
    { identityProvider: snapshot.idp, existingGroups: result.settings.existingGroups },
  );
  refuseOverlaps(result.files, out, flags.dryRun === true);

  const count = (kind: string) => result.files.filter((f) => f.kind === kind).length;
  const summary =
    `${plural(count("groups"), "group")}, ${plural(count("users"), "user")}, ` +
    `${plural(count("m2m"), "M2M account")} from ${snapshot.source} and ` +
    `${flags.database}.${scopesCollectionName(flags.namespace)}`;
  if (flags.dryRun) {
    io.out(`would write ${summary}:`);
    for (const f of result.files) io.out(`--- ${join(out, f.path)}\n${f.text}`);
  } else {
    writeFiles(result.files, out);
    io.out(`wrote ${summary} into ${out}`);
  }
  printReport(result, flags, io);
  return printChecks(checked, io);
}

/** The flags' own rules (one identity provider, the database, --out), before anything is read. */
function checkFlags(flags: ImportFlags, env: NodeJS.ProcessEnv): { keycloak: boolean; mongodb: string; out: string } {
  const keycloak = flags.keycloakUrl !== undefined || flags.realm !== undefined;
  if (keycloak === (flags.tenant !== undefined)) {
    throw new UsageError("name one identity provider: --keycloak-url and --realm (Keycloak), or --tenant (Entra ID)");
  }
  if (keycloak && (!flags.keycloakUrl || !flags.realm))
    throw new UsageError("Keycloak needs both --keycloak-url and --realm");
  const mongodb = databaseUri(flags.mongodb, env);
  if (!flags.out && !flags.dryRun)
    throw new UsageError("--out <dir> is required (or --dry-run to print what would be written)");
  const out = resolve(flags.out ?? ".");
  // The namespace is checked as the stack checks it.
  parseStackConfig((k) => (k === "namespace" ? flags.namespace : undefined), "--namespace");
  return { keycloak, mongodb, out };
}

async function readSnapshot(
  flags: ImportFlags,
  keycloak: boolean,
  mongodb: string,
  readers: ImportReaders,
): Promise<ImportSnapshot> {
  const identity = keycloak
    ? await readers.keycloak(flags.keycloakUrl!, flags.realm!)
    : await readers.entra(flags.tenant!);
  const documents = await readers.database(mongodb, flags.database, flags.namespace);
  return {
    idp: keycloak ? "keycloak" : "entra",
    source: keycloak ? `realm ${flags.realm} at ${flags.keycloakUrl}` : `tenant ${flags.tenant}`,
    namespace: flags.namespace,
    ...identity,
    ...documents,
  };
}

/** Nothing is written when two files would share a name, or (writing) when a file exists already. */
function refuseOverlaps(files: ImportResult["files"], out: string, dryRun: boolean): void {
  const shared = sharedFileNames(files);
  if (shared.length) {
    throw new FileError(
      `nothing written: file names are made from names (characters a file name cannot hold become ` +
        `_), and ${shared.join("; ")}; rename one of them in the registry, then import again`,
    );
  }
  // lstat, not exists: a dangling symbolic link is a file that exists (and would be written through).
  const clashes = dryRun ? [] : files.map((f) => join(out, f.path)).filter((p) => lstatOrNull(p) !== null);
  if (clashes.length) {
    throw new FileError(
      `nothing written: these files exist already (import into an empty folder, or move them ` +
        `away):\n  ${clashes.join("\n  ")}`,
    );
  }
}

function writeFiles(files: ImportResult["files"], out: string): void {
  for (const f of files) {
    const path = join(out, f.path);
    makeFolders(out, dirname(path));
    try {
      writeNewFile(path, f.text);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EEXIST" || code === "ELOOP")
        throw new FileError(
          `${path} appeared while import was writing (or is a symbolic link); it is left alone: ` +
            `import into an empty folder`,
        );
      throw e;
    }
  }
}

/** How the first `pulumi up` adopts the files, the settings they need, and what the definitions cannot express. */
function printReport(result: ImportResult, flags: ImportFlags, io: Io): void {
  io.out(
    "the first pulumi up adopts them: Keycloak objects are imported (Pulumi import), registry " +
      "documents are taken over as they are (created_at kept); M2M client secrets and user passwords stay",
  );
  const commands = settingsCommands(result.settings, flags);
  if (commands.length) {
    io.out("stack settings these definitions need:");
    for (const c of commands) io.out(`  ${c}`);
  }
  if (result.findings.length) {
    io.out(`not expressible in the definitions (${result.findings.length}):`);
    for (const f of result.findings) io.out(`- ${f.object} ${f.problem}\n    → ${f.action}`);
  }
  if (result.bootstrap) printBootstrap(result.bootstrap, io);
}

/** The bootstrap's settings, and what the first `pulumi up` with them changes in objects the registry uses. */
function printBootstrap(bootstrap: BootstrapImport, io: Io): void {
  io.out(
    "the realm holds the registry's Keycloak bootstrap; without bootstrap the stack leaves it (its realm " +
      "settings, clients, registry-admins and admin) alone. To let the stack manage it, also set:",
  );
  for (const c of bootstrapCommands(bootstrap)) io.out(`  ${c}`);
  if (!bootstrap.changes.length) {
    io.out("with these, the first pulumi up changes nothing the bootstrap holds");
    return;
  }
  io.out(`with bootstrap: true, the first pulumi up still changes (${bootstrap.changes.length}):`);
  for (const c of bootstrap.changes) io.out(`- ${c.object} ${c.problem}\n    → ${c.action}`);
}

/** The written files' warnings and errors; 1 when they have errors. */
function printChecks(checked: ReturnType<typeof checkFiles>, io: Io): number {
  for (const d of checked.warnings) io.err(`warning: ${textLine(d)}`);
  if (checked.ok) return 0;
  for (const d of checked.errors) io.err(textLine(d));
  io.err(
    `the written definitions have ${plural(checked.errors.length, "error")}: fix them before ` +
      `pulumi up (mcp-access validate shows them)`,
  );
  return 1;
}

export function addImportCommand(
  program: Command,
  io: Io,
  setExit: (code: number) => void,
  readers?: ImportReaders,
): void {
  program
    .command("import")
    .description(
      "write groups/, users/ and m2m/ definitions from a running registry (Keycloak realm or Entra " +
        "tenant, and its database)",
    )
    .option(
      "--keycloak-url <url>",
      "Keycloak base URL (credentials from KEYCLOAK_USER/KEYCLOAK_PASSWORD or " +
        "KEYCLOAK_CLIENT_ID/KEYCLOAK_CLIENT_SECRET)",
    )
    .option("--realm <realm>", "the registry's Keycloak realm")
    .option("--tenant <id>", "Entra ID tenant (credentials from AZURE_CLIENT_ID/AZURE_CLIENT_SECRET)")
    .option(
      "--mongodb <uri>",
      `the registry database's connection string, without its password (${DATABASE_PASSWORD_ENV}); ` +
        `or set ${DATABASE_URI_ENV}`,
    )
    .option("--database <name>", "the registry database", DEFAULT_DATABASE)
    .option("--namespace <ns>", "namespace of the scope collection (mcp_scopes_<ns>)", DEFAULT_NAMESPACE)
    .option("--out <dir>", "where to write groups/, users/ and m2m/")
    .option("--dry-run", "print what would be written and adopted; write nothing")
    .action(async (flags: ImportFlags) => setExit(await runImport(flags, io, readers)));
}
