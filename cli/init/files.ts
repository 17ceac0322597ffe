/** The project files `init` writes around the definitions: npm, Pulumi, TypeScript, git and the settings file. */
import { GuardSettings, REGISTRY_DEFAULTS, RegistrySettings, REPO_CONFIG_FILE, type IdentityProvider } from "../../lib";

export const PACKAGE_NAME = "mcp-gateway-access";

export function packageJson(project: string, version: string, idp: IdentityProvider = "keycloak"): string {
  // The local stack is a Keycloak's: a repository for Entra ID has none (no tenant runs on a machine).
  const local = { local: "mcp-access local", pulumi: "mcp-access local pulumi", token: "mcp-access local token" };
  const pkg = {
    name: project,
    private: true,
    description: "Who may use our MCP Gateway Registry, as code applied by mcp-gateway-access",
    scripts: { validate: "mcp-access validate", ...(idp === "keycloak" ? local : {}) },
    dependencies: { [PACKAGE_NAME]: version },
    engines: { node: ">=22" },
    // The one install script among the dependencies (protobufjs, through @pulumi/pulumi) is not needed: npm says so
    // instead of warning about it on every install.
    allowScripts: { protobufjs: false },
  };
  return JSON.stringify(pkg, null, 2) + "\n";
}

export function npmrc(): string {
  return [
    "# npm refuses a Node older than package.json's engines instead of warning and going on.",
    "engine-strict=true",
    "",
  ].join("\n");
}

export function pulumiYaml(project: string, idp: IdentityProvider): string {
  const keycloak = [
    "config:",
    "  # The Keycloak provider's own default is 5 s: a realm POST on a busy Keycloak outlives it, Keycloak creates the",
    "  # realm anyway, and the run fails. Every stack gets 60 s unless it sets its own.",
    "  keycloak:clientTimeout:",
    "    value: 60",
  ];
  return [
    `name: ${project}`,
    "description: Access to an MCP Gateway Registry declared as YAML, applied by mcp-gateway-access",
    "runtime:",
    "  name: nodejs",
    "  options:",
    "    typescript: true",
    "main: index.ts",
    "stackConfigDir: stacks",
    ...(idp === "keycloak" ? keycloak : []),
    "options:",
    "  # Every preview and up first reads what the identity provider and the database hold now, so a change made by",
    "  # hand (a membership added, a user disabled, a client deleted) shows in the preview and is undone by the next",
    "  # up. The workflow's pull-request preview and merge skip it (--refresh=false); its hourly drift job refreshes.",
    "  refresh: always",
    "",
  ].join("\n");
}

export function indexTs(): string {
  return [
    "// The Pulumi program: the definitions of this repository, applied by mcp-gateway-access.",
    `import { accessStack } from "${PACKAGE_NAME}/pulumi";`,
    "export = accessStack();",
    "",
  ].join("\n");
}

/**
 * The TypeScript settings Pulumi compiles index.ts with (one place, to change later). `es2020`: a repository with
 * one dependency has no TypeScript of its own, and the one Pulumi ships (3.8) refuses later targets.
 */
export function tsconfigJson(): string {
  const config = { compilerOptions: { strict: true, module: "commonjs", target: "es2020", skipLibCheck: true } };
  return JSON.stringify(config, null, 2) + "\n";
}

export function gitignore(): string {
  return ["node_modules/", ".local/", ".oauth-tokens/", "*.env", "Pulumi.*.state*", "dist/", ""].join("\n");
}

/** Each guard as written by init: set (its default) or commented out (off by default, with a usual value). */
const GUARDS: Readonly<Record<keyof GuardSettings, { value: string; set: boolean }>> = {
  maxRemovalShare: { value: "0.25", set: false },
  minRemovalBase: { value: "4", set: false },
  minAdmins: { value: "1", set: false },
  requireOwners: { value: "false", set: true },
};

/** A long description as comment lines of at most 120 columns. */
function commentLines(text: string, prefix: string): string[] {
  const lines: string[] = [];
  let line = prefix;
  for (const word of text.split(/\s+/)) {
    if (line.length + word.length + 1 > 118 && line !== prefix) {
      lines.push(line);
      line = prefix;
    }
    line += ` ${word}`;
  }
  return [...lines, line];
}

const described = (schema: { description?: string } | undefined) => schema?.description ?? "";

/** `mcp-access.yaml`: every guard and every registry switch of their schemas, with their meaning. */
export function repoSettingsFile(): string {
  const guards = (Object.keys(GuardSettings.shape) as Array<keyof GuardSettings>).flatMap((k) => [
    ...commentLines(described(GuardSettings.shape[k]), "  #"),
    `  ${GUARDS[k].set ? "" : "# "}${k}: ${GUARDS[k].value}`,
  ]);
  const registry = (Object.keys(RegistrySettings.shape) as Array<keyof RegistrySettings>).flatMap((k) => [
    ...commentLines(described(RegistrySettings.shape[k]), "  #"),
    `  ${k}: ${String(REGISTRY_DEFAULTS[k])}`,
  ]);
  return [
    `# ${REPO_CONFIG_FILE}: the repository's settings. mcp-access validate enforces the guards, and pulumi up too,`,
    "# except the removal guard, which needs the base revision (the workflow's validate runs with --base).",
    "guards:",
    ...guards,
    "# The registry's feature switches that change decisions, as the registry runs (these are upstream's defaults);",
    "# a stack whose registry differs sets mcp-gateway-access:registry.",
    "registry:",
    ...registry,
    "",
  ].join("\n");
}
