/**
 * The table of definition kinds: every folder of a definitions repository, what one file of it holds, its schema
 * for editors, and how a file of it is checked. The loader (repository.ts), `mcp-access schema`, `import`'s writer,
 * the CLI's help, the README, `init`'s folders and the workflow's triggers all come from this table or are held to it
 * by test/unit/lib/load/kinds.test.ts and test/unit/cli/init/, so a new kind is added here once and cannot be
 * forgotten anywhere.
 */
import type { Diagnostic } from "../errors/diagnostics";
import {
  AccessTestFile,
  editorSchema,
  FILE_SCHEMAS,
  type AccessTest,
  type GroupDefinition,
  type M2MDefinition,
  type UserDefinition,
} from "../schema";
import { IdentityProviderDefinition } from "../schema/identity-provider";
import { RateLimitFile, type RateLimitPolicy } from "../schema/rate-limits";
import { ToolBlockFile, type ToolBlock } from "../schema/tool-blocks";
import { REPO_CONFIG_FILE } from "../settings/repository";
import type { SourceFile } from "../source/file";
import { checkAccessTestFile } from "./access-tests";
import { checkSource, type Located, type LoadOptions } from "./definitions";
import { checkIdentityProviderFile } from "./identity-providers";
import { checkRateLimitFile } from "./rate-limits";
import { checkToolBlockFile } from "./tool-blocks";
import type { z } from "zod";

/** What one definition of each kind is, once checked. */
export interface KindItems {
  groups: GroupDefinition;
  users: UserDefinition;
  m2m: M2MDefinition;
  "rate-limits": RateLimitPolicy;
  "identity-providers": IdentityProviderDefinition;
  "tool-blocks": ToolBlock;
  "access-tests": AccessTest;
}
export type KindName = keyof KindItems;

export interface DefinitionKind<K extends KindName = KindName> {
  /** The folder at the repository's root (subfolders included), and the kind's name everywhere. */
  readonly name: K;
  /** What one definition of the kind is called in messages (`import` names clashing files by it). */
  readonly noun: string;
  /** What one file holds, in the words of the docs and the CLI's help. */
  readonly perFile: string;
  /** What the kind is for, in one line. */
  readonly summary: string;
  /** A file's schema, for editors (`mcp-access schema`) and "did you mean" on unknown fields. */
  readonly fileSchema: z.ZodType;
  readonly schemaTitle: string;
  /** Checks one parsed file; its problems go to `out`, its well-formed definitions are returned. */
  check(source: SourceFile, out: Diagnostic[], options: LoadOptions): Located<KindItems[K]>[];
  /**
   * A file with errors may still name its object (a group's scope_name): references to it elsewhere are then not
   * reported a second time.
   */
  invalidName?(source: SourceFile): string | undefined;
}

/** An identity kind's check: its problems are appended to `out`. */
function identityCheck<K extends "groups" | "users" | "m2m">(kind: K): DefinitionKind<K>["check"] {
  return (source, out, options) => {
    const { items, diagnostics } = checkSource(kind, source, options);
    out.push(...diagnostics);
    return items as Located<KindItems[K]>[];
  };
}

const kind = <K extends KindName>(k: DefinitionKind<K>) => k;

/** The kinds in the order they are read and listed (`mcp-access schema` lists them so). */
export const DEFINITION_KINDS = [
  kind({
    name: "groups",
    noun: "scope",
    perFile: "one group",
    summary: "one registry scope each: server access, UI permissions, group mappings",
    fileSchema: FILE_SCHEMAS.groups,
    schemaTitle: "mcp-gateway-access groups definition",
    check: identityCheck("groups"),
    invalidName: (source) => {
      const name = (source.value as { scope_name?: unknown } | null)?.scope_name;
      return typeof name === "string" ? name : undefined;
    },
  }),
  kind({
    name: "users",
    noun: "user",
    perFile: "one user, or a list",
    summary: "human users and the groups they are in",
    fileSchema: FILE_SCHEMAS.users,
    schemaTitle: "mcp-gateway-access users definition",
    check: identityCheck("users"),
  }),
  kind({
    name: "m2m",
    noun: "M2M account",
    perFile: "one M2M account, or a list",
    summary: "machine-to-machine accounts (agents) and their groups",
    fileSchema: FILE_SCHEMAS.m2m,
    schemaTitle: "mcp-gateway-access m2m definition",
    check: identityCheck("m2m"),
  }),
  kind({
    name: "access-tests",
    noun: "access test file",
    perFile: "a list of access tests",
    summary: "who may and may not do what, checked by validate and before every up",
    fileSchema: AccessTestFile,
    schemaTitle: "mcp-gateway-access access tests",
    check: (source, out) => checkAccessTestFile(source, out),
  }),
  kind({
    name: "rate-limits",
    noun: "rate-limit file",
    perFile: "one rate limit or quarantine, or a list",
    summary: "the registry's rate limits and quarantine",
    fileSchema: RateLimitFile,
    schemaTitle: "mcp-gateway-access rate limits and quarantine",
    check: (source, out) => checkRateLimitFile(source, out),
  }),
  kind({
    name: "identity-providers",
    noun: "identity provider",
    perFile: "one brokered identity provider",
    summary: "corporate identity providers brokered through Keycloak, with their group mappers",
    fileSchema: IdentityProviderDefinition,
    schemaTitle: "mcp-gateway-access brokered identity provider",
    check: (source, out) => {
      const one = checkIdentityProviderFile(source, out);
      return one ? [one] : [];
    },
  }),
  kind({
    name: "tool-blocks",
    noun: "tool block file",
    perFile: "one tool block, or a list",
    summary: "tools nobody may call (admins included): the reviewed record of the registry's per-tool blocks",
    fileSchema: ToolBlockFile,
    schemaTitle: "mcp-gateway-access tool blocks",
    check: (source, out) => checkToolBlockFile(source, out),
  }),
] as const satisfies readonly DefinitionKind[];

export const KIND_NAMES: readonly KindName[] = DEFINITION_KINDS.map((k) => k.name);

/** The kinds whose folders define who exists: a repository holding none of them would remove everyone. */
export const KINDS = ["groups", "users", "m2m"] as const satisfies readonly KindName[];

export function definitionKind(name: KindName): DefinitionKind {
  return DEFINITION_KINDS.find((k) => k.name === name)! as DefinitionKind;
}

/** The kind a repository-relative path (`users/team-a/x.yaml`, or a linked folder itself) is under, or null. */
export function kindOfPath(file: string): KindName | null {
  const top = file.split("/")[0]!;
  return (KIND_NAMES as readonly string[]).includes(top) ? (top as KindName) : null;
}

/** Every file format with a JSON Schema for editors: the kinds, by name. */
export const SCHEMA_NAMES = KIND_NAMES;
export type SchemaName = KindName;

export function jsonSchemaFor(name: SchemaName): Record<string, unknown> {
  const k = definitionKind(name);
  return { ...editorSchema(k.fileSchema), title: k.schemaTitle };
}

/**
 * What a change to the access is made of, as paths the workflow triggers on: every kind's folder, the stack files
 * and the repository's settings file.
 */
export function accessPaths(): string[] {
  return [...KIND_NAMES.map((k) => `${k}/**`), "stacks/**", REPO_CONFIG_FILE];
}
