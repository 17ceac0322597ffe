/**
 * `mcp-access import`: what a running registry holds (identity-provider groups, users, service-account clients,
 * scope documents, M2M records, rate limits, brokered identity providers), turned into definition files, plus a
 * report of everything the definitions cannot express. Pure: the CLI reads Keycloak/Entra and the database into an
 * `ImportSnapshot`, the importers decide what to write and what to report. One importer per kind, run in order:
 * each later kind reads what the earlier ones wrote and learned (the ledger), and the report keeps that order.
 */
import { sortedByCodeUnit } from "./files";
import { importBootstrap } from "./bootstrap";
import { importGroups } from "./groups";
import { importIdentityProviders } from "./identity-providers";
import { importLeftAlone } from "./left-alone";
import { importM2MAccounts } from "./m2m";
import { importRateLimits } from "./rate-limits";
import { importSettings } from "./settings";
import type { ImportSnapshot } from "./snapshot";
import {
  newLedger,
  type ImportFile,
  type ImportFinding,
  type ImportLedger,
  type BootstrapImport,
  type ImportSettings,
  type KindImport,
} from "./types";
import { importUsers } from "./users";

export type { Doc, ImportSnapshot, SnapshotClient, SnapshotGroup, SnapshotUser } from "./snapshot";
export type { BootstrapImport, ImportFile, ImportFinding, ImportSettings, KindImport } from "./types";
export { fileNameFor } from "./files";
export { BOOTSTRAP_CLIENTS } from "./m2m";
export { settingsCommands, type ImportTarget } from "./settings";
export { bootstrapCommands } from "./bootstrap";

export interface ImportResult {
  files: ImportFile[];
  findings: ImportFinding[];
  /** Stack settings the definitions need (e.g. `existingGroups`), as `key → value`. */
  settings: ImportSettings;
  /** The registry's Keycloak bootstrap, when the realm holds it: the settings of `bootstrap: true` and its changes. */
  bootstrap?: BootstrapImport;
}

/** One kind's importer: its part of the snapshot and the ledger in, its files and findings out. */
export type KindImporter = (s: ImportSnapshot, ledger: ImportLedger) => KindImport;

/**
 * In the order they run: groups first (users and M2M accounts join them), the bootstrap (whose admin is no user
 * file), what is left alone once those are written, the settings they need, then rate limits (which add to the
 * users' and M2M accounts' files).
 */
const IMPORTERS: readonly KindImporter[] = [
  importGroups,
  importBootstrap,
  importUsers,
  importM2MAccounts,
  importLeftAlone,
  importSettings,
  importRateLimits,
  importIdentityProviders,
];

export function convertSnapshot(s: ImportSnapshot): ImportResult {
  const ledger = newLedger();
  const findings: ImportFinding[] = [];
  let settings: ImportSettings = { existingGroups: [] };
  let bootstrap: BootstrapImport | undefined;
  for (const importKind of IMPORTERS) {
    const out = importKind(s, ledger);
    ledger.files = [...ledger.files.map((f) => out.amended?.get(f) ?? f), ...out.files];
    findings.push(...out.findings);
    settings = out.settings ?? settings;
    bootstrap = out.bootstrap ?? bootstrap;
  }
  const files = sortedByCodeUnit(ledger.files, (f) => f.path);
  return { files, findings, settings, ...(bootstrap ? { bootstrap } : {}) };
}
