/**
 * What `mcp-access init` writes into a new definitions repository, as data: a pure function of the options, so the
 * files can be checked (test/unit/cli/init/) before anything touches a disk.
 */
import { basename, resolve } from "node:path";
import { DEFINITION_KINDS, REPO_CONFIG_FILE, stackFileName, type IdentityProvider } from "../../lib";
import { exampleOf } from "./examples";
import {
  gitignore,
  indexTs,
  npmrc,
  PACKAGE_NAME,
  packageJson,
  pulumiYaml,
  repoSettingsFile,
  tsconfigJson,
} from "./files";
import { readme } from "./readme";
import { LOCAL_STACK, localStackFile, stackFile } from "./stack";
import { accessWorkflow } from "./workflow";

export interface ScaffoldOptions {
  /** The project's name: package.json's and Pulumi.yaml's. */
  project: string;
  idp: IdentityProvider;
  stack: string;
  examples: boolean;
  /** The exact version of mcp-gateway-access the repository depends on. */
  version: string;
}

export interface ScaffoldFile {
  /** Relative to the repository's root, with `/`. */
  path: string;
  text: string;
}

/** The project's name from its folder: lower case, anything but letters, digits, `-`, `_` and `.` made `-`. */
export function projectName(dir: string): string {
  const name = basename(resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9\-_.]/g, "-")
    .replace(/^[._]+/, "");
  return name || "access-definitions";
}

/** The editor schema header of a kind's YAML files, from the installed package's schemas. */
export function schemaHeader(kind: string): string {
  return `# yaml-language-server: $schema=../node_modules/${PACKAGE_NAME}/schemas/${kind}.schema.json`;
}

/** Each kind's folder: its example with --examples, else (or when the stack takes none) a `.gitkeep`. */
function kindFiles(opts: ScaffoldOptions): ScaffoldFile[] {
  return DEFINITION_KINDS.map((k) => {
    const example = opts.examples ? exampleOf(k.name, opts.idp) : null;
    if (!example) return { path: `${k.name}/.gitkeep`, text: "" };
    return { path: `${k.name}/${example.name}`, text: [schemaHeader(k.name), ...example.body, ""].join("\n") };
  });
}

function stackFiles(opts: ScaffoldOptions): ScaffoldFile[] {
  const files = [{ path: stackFileName(opts.stack), text: stackFile(opts.stack, opts.idp) }];
  if (opts.stack !== LOCAL_STACK && opts.idp === "keycloak")
    files.push({ path: stackFileName(LOCAL_STACK), text: localStackFile() });
  return files;
}

/** Every file of a new definitions repository, in the order they are written. */
export function scaffoldFiles(opts: ScaffoldOptions): ScaffoldFile[] {
  return [
    { path: "package.json", text: packageJson(opts.project, opts.version, opts.idp) },
    { path: ".npmrc", text: npmrc() },
    { path: "Pulumi.yaml", text: pulumiYaml(opts.project, opts.idp) },
    { path: "index.ts", text: indexTs() },
    { path: "tsconfig.json", text: tsconfigJson() },
    ...stackFiles(opts),
    ...kindFiles(opts),
    { path: REPO_CONFIG_FILE, text: repoSettingsFile() },
    { path: ".gitignore", text: gitignore() },
    { path: ".github/workflows/access.yml", text: accessWorkflow({ stack: opts.stack, idp: opts.idp }) },
    { path: "README.md", text: readme(opts.project, opts.stack, opts.idp) },
  ];
}
