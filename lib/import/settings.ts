/**
 * The stack settings the written definitions need: `existingGroups` for groups members join that the stack does not
 * create, `keycloakM2MAudienceMapper false` when the M2M clients get their audience from the realm's `basic` client
 * scope (as `user-create-m2m`'s do), and the commands `import` prints for them.
 */
import { AUDIENCE_MAPPER, DEFAULT_DATABASE, DEFAULT_NAMESPACE } from "../registry/rules";
import type { ImportFinding, ImportLedger, ImportSettings, KindImport } from "./types";

export function importSettings(_s: unknown, ledger: ImportLedger): KindImport {
  const findings: ImportFinding[] = [];
  const settings: ImportSettings = { existingGroups: [...ledger.existing].sort() };
  if (ledger.audienceMissing) {
    findings.push({
      object: `${ledger.audienceMissing} M2M client(s)`,
      problem:
        `have no "${AUDIENCE_MAPPER}" protocol mapper of their own (clients made by upstream's ` +
        `init-keycloak.sh and user-create-m2m get the mcp-gateway audience from the realm's basic client scope)`,
      action:
        "keep it that way with pulumi config set mcp-gateway-access:keycloakM2MAudienceMapper " +
        "false; otherwise the first pulumi up adds one to each",
    });
    settings.keycloakM2MAudienceMapper = false;
  }
  return { files: [], findings, settings };
}

/** Where the import read from, as the stack's settings name it. */
export interface ImportTarget {
  realm?: string;
  tenant?: string;
  database: string;
  namespace: string;
}

/** The stack settings the written definitions need, as commands. */
export function settingsCommands(settings: ImportSettings, target: ImportTarget): string[] {
  const lines: string[] = [];
  if (target.realm) lines.push(`pulumi config set mcp-gateway-access:keycloakRealm ${target.realm}`);
  if (target.tenant) lines.push("pulumi config set mcp-gateway-access:identityProvider entra");
  if (target.database !== DEFAULT_DATABASE)
    lines.push(`pulumi config set mcp-gateway-access:database ${target.database}`);
  if (target.namespace !== DEFAULT_NAMESPACE)
    lines.push(`pulumi config set mcp-gateway-access:namespace ${target.namespace}`);
  if (settings.existingGroups.length)
    lines.push(`pulumi config set mcp-gateway-access:existingGroups '${JSON.stringify(settings.existingGroups)}'`);
  if (settings.keycloakM2MAudienceMapper === false)
    lines.push("pulumi config set mcp-gateway-access:keycloakM2MAudienceMapper false");
  return lines;
}
