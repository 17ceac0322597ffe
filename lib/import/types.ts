/** What `import` writes and reports, and the shape every kind's importer shares. */
import type { KindName } from "../load/kinds";

export interface ImportFile {
  /** The kind whose folder the file is written into (lib/load/kinds.ts). */
  kind: KindName;
  /** Relative to the output directory, e.g. `groups/team-a.yaml`. */
  path: string;
  /** The object the file holds (scope name, username, client id). */
  name: string;
  text: string;
}

/** Something the definitions cannot express: what it is and what the user may do. */
export interface ImportFinding {
  object: string;
  problem: string;
  action: string;
}

/** A stored document as read. */
export type Doc = Record<string, unknown>;

/** Stack settings the definitions need (e.g. `existingGroups`), as `key → value`. */
export interface ImportSettings {
  existingGroups: string[];
  keycloakM2MAudienceMapper?: false;
}

/**
 * The registry's Keycloak bootstrap as found (lib/import/bootstrap.ts): the stack settings, `key → value` in the
 * order printed, that let `bootstrap: true` reproduce it, and what the first `pulumi up` with them would still change.
 */
export interface BootstrapImport {
  settings: [string, string][];
  changes: ImportFinding[];
}

/** What one kind's importer hands back: the files it writes and what it reports, in the order reported. */
export interface KindImport {
  files: ImportFile[];
  findings: ImportFinding[];
  /** Files of earlier kinds this kind rewrites (rate limits add `rate_limit_groups` to users/ and m2m/ files). */
  amended?: ReadonlyMap<ImportFile, ImportFile>;
  /** The stack settings, from the one importer that decides them. */
  settings?: ImportSettings;
  /** The bootstrap's settings and changes, from its importer. */
  bootstrap?: BootstrapImport;
}

/**
 * What the kinds imported so far learned that later kinds need. Each importer reads it and adds what it learns
 * (sets and counts); the composer alone replaces `files`.
 */
export interface ImportLedger {
  /** The files written so far, in the order written. */
  files: readonly ImportFile[];
  /** Scope names written as group files. */
  readonly scoped: Set<string>;
  /** Of those, the scopes whose group the registry does not manage (is_idp_managed false): joined as existing. */
  readonly unmanaged: Set<string>;
  /** Every name (or Entra Object ID) a scope document's group_mappings lists, the registry's seeds included. */
  readonly mapped: Set<string>;
  /** Groups the written users and M2M accounts join that the stack does not create (existingGroups). */
  readonly existing: Set<string>;
  /** Entra principals in no group of the registry: not written. */
  readonly skipped: { users: number; clients: number };
  /** Keycloak M2M clients without an audience mapper of their own. */
  audienceMissing: number;
  /** The bootstrap's admin (lib/import/bootstrap.ts): never written as a user file. */
  bootstrapAdmin?: string;
}

export function newLedger(): ImportLedger {
  return {
    files: [],
    scoped: new Set(),
    unmanaged: new Set(),
    mapped: new Set(),
    existing: new Set(),
    skipped: { users: 0, clients: 0 },
    audienceMissing: 0,
  };
}
