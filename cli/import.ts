/**
 * `mcp-access import`: a running registry's realm and documents → definition files, and a report of what the
 * definitions cannot express. The stack adopts the objects on its first `pulumi up` (see the README).
 */
import type { Command } from "commander";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { checkFiles, convertSnapshot, DEFAULT_DATABASE, DEFAULT_NAMESPACE, parseStackConfig, sizedFile, textLine, type ImportResult, type ImportSnapshot, type RawFile } from "../lib";
import { keycloakSettingsFromEnv, readEntraTenant, readKeycloakRealm, readRegistryDatabase, type IdentitySnapshot } from "./import-read";
import { UsageError } from "./errors";
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
  database: (uri: string, database: string, namespace: string) => Promise<Pick<ImportSnapshot, "scopes" | "m2mRecords" | "rateLimits" | "rateLimitMemberships">>;
}

export const defaultReaders: ImportReaders = {
  keycloak: (url, realm) => readKeycloakRealm(keycloakSettingsFromEnv(url, realm, process.env)),
  entra: (tenant) => readEntraTenant(tenant, process.env),
  database: readRegistryDatabase,
};

function asRawFile(path: string, text: string): RawFile {
  const bytes = Buffer.from(text, "utf8");
  return sizedFile(path, bytes.length, () => bytes);
}

/** The stack settings the written definitions need, as commands. */
function settingsCommands(r: ImportResult, flags: ImportFlags): string[] {
  const lines: string[] = [];
  if (flags.realm) lines.push(`pulumi config set mcp-gateway-access:keycloakRealm ${flags.realm}`);
  if (flags.tenant) lines.push("pulumi config set mcp-gateway-access:identityProvider entra");
  if (flags.database !== DEFAULT_DATABASE) lines.push(`pulumi config set mcp-gateway-access:database ${flags.database}`);
  if (flags.namespace !== DEFAULT_NAMESPACE) lines.push(`pulumi config set mcp-gateway-access:namespace ${flags.namespace}`);
  if (r.settings.existingGroups.length) lines.push(`pulumi config set mcp-gateway-access:existingGroups '${JSON.stringify(r.settings.existingGroups)}'`);
  if (r.settings.keycloakM2MAudienceMapper === false) lines.push("pulumi config set mcp-gateway-access:keycloakM2MAudienceMapper false");
  return lines;
}

export async function runImport(flags: ImportFlags, io: Io, readers: ImportReaders = defaultReaders): Promise<number> {
  const keycloak = flags.keycloakUrl !== undefined || flags.realm !== undefined;
  if (keycloak === (flags.tenant !== undefined)) {
    throw new UsageError("name one identity provider: --keycloak-url and --realm (Keycloak), or --tenant (Entra ID)");
  }
  if (keycloak && (!flags.keycloakUrl || !flags.realm)) throw new UsageError("Keycloak needs both --keycloak-url and --realm");
  if (!flags.mongodb) throw new UsageError("--mongodb <uri> is required: the registry database holding the scope documents");
  if (!flags.out && !flags.dryRun) throw new UsageError("--out <dir> is required (or --dry-run to print what would be written)");
  const out = resolve(flags.out ?? ".");
  // The namespace is checked as the stack checks it.
  parseStackConfig((k) => (k === "namespace" ? flags.namespace : undefined), "--namespace");

  const identity = keycloak ? await readers.keycloak(flags.keycloakUrl!, flags.realm!) : await readers.entra(flags.tenant!);
  const documents = await readers.database(flags.mongodb, flags.database, flags.namespace);
  const snapshot: ImportSnapshot = {
    idp: keycloak ? "keycloak" : "entra",
    source: keycloak ? `realm ${flags.realm} at ${flags.keycloakUrl}` : `tenant ${flags.tenant}`,
    namespace: flags.namespace,
    ...identity,
    ...documents,
  };
  const result = convertSnapshot(snapshot);

  // What is written must validate with the settings it needs (paths relative to --out, as validate shows them).
  const checked = checkFiles(
    result.files.map((f) => asRawFile(f.path, f.text)),
    { identityProvider: snapshot.idp, existingGroups: result.settings.existingGroups },
  );
  const clashes = flags.dryRun ? [] : result.files.map((f) => join(out, f.path)).filter((p) => existsSync(p));
  if (clashes.length) {
    throw new UsageError(`nothing written: these files exist already (import into an empty folder, or move them away):\n  ${clashes.join("\n  ")}`, 1);
  }

  const count = (kind: string) => result.files.filter((f) => f.kind === kind).length;
  const summary = `${plural(count("groups"), "group")}, ${plural(count("users"), "user")}, ${plural(count("m2m"), "M2M account")} from ${snapshot.source} and ${flags.database}.mcp_scopes_${flags.namespace}`;
  if (flags.dryRun) {
    io.out(`would write ${summary}:`);
    for (const f of result.files) io.out(`--- ${join(out, f.path)}\n${f.text}`);
  } else {
    for (const f of result.files) {
      const path = join(out, f.path);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, f.text);
    }
    io.out(`wrote ${summary} into ${out}`);
  }
  io.out(
    "the first pulumi up adopts them: Keycloak objects are imported (Pulumi import), registry documents are taken over as they are (created_at kept); M2M client secrets and user passwords stay",
  );
  const commands = settingsCommands(result, flags);
  if (commands.length) {
    io.out("stack settings these definitions need:");
    for (const c of commands) io.out(`  ${c}`);
  }
  if (result.findings.length) {
    io.out(`not expressible in the definitions (${result.findings.length}):`);
    for (const f of result.findings) io.out(`- ${f.object} ${f.problem}\n    → ${f.action}`);
  }
  for (const d of checked.warnings) io.err(`warning: ${textLine(d)}`);
  if (!checked.ok) {
    for (const d of checked.errors) io.err(textLine(d));
    io.err(`the written definitions have ${plural(checked.errors.length, "error")}: fix them before pulumi up (mcp-access validate shows them)`);
    return 1;
  }
  return 0;
}

export function addImportCommand(program: Command, io: Io, setExit: (code: number) => void, readers?: ImportReaders): void {
  program
    .command("import")
    .description("write groups/, users/ and m2m/ definitions from a running registry (Keycloak realm or Entra tenant, and its database)")
    .option("--keycloak-url <url>", "Keycloak base URL (credentials from KEYCLOAK_USER/KEYCLOAK_PASSWORD or KEYCLOAK_CLIENT_ID/KEYCLOAK_CLIENT_SECRET)")
    .option("--realm <realm>", "the registry's Keycloak realm")
    .option("--tenant <id>", "Entra ID tenant (credentials from AZURE_CLIENT_ID/AZURE_CLIENT_SECRET)")
    .option("--mongodb <uri>", "the registry database's connection string")
    .option("--database <name>", "the registry database", DEFAULT_DATABASE)
    .option("--namespace <ns>", "namespace of the scope collection (mcp_scopes_<ns>)", DEFAULT_NAMESPACE)
    .option("--out <dir>", "where to write groups/, users/ and m2m/")
    .option("--dry-run", "print what would be written and adopted; write nothing")
    .action(async (flags: ImportFlags) => setExit(await runImport(flags, io, readers)));
}
