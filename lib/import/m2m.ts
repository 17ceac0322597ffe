/**
 * M2M accounts: one `m2m/<client>.yaml` per service-account-only client of the registry, with its `idp_m2m_clients`
 * record compared to the client (the definition takes the identity provider's side).
 */
import { M2MDefinition } from "../schema";
import {
  AUDIENCE_MAPPER,
  BOOTSTRAP_M2M_CLIENT,
  BOOTSTRAP_WEB_CLIENT,
  GROUPS_MAPPER,
  M2M_CLIENTS_COLLECTION,
} from "../registry/rules";
import { KEYCLOAK_OWN_CLIENTS } from "../schema/names";
import { sortedByCodeUnit, fileNameFor, isStringList, sameList, yamlFile } from "./files";
import { joinGroups, ofRegistry } from "./memberships";
import type { ImportSnapshot, SnapshotClient } from "./snapshot";
import type { Doc, ImportFile, ImportFinding, ImportLedger, KindImport } from "./types";

/** The registry bootstrap's clients: never M2M accounts of the registry (nor are Keycloak's own). */
export const BOOTSTRAP_CLIENTS = [BOOTSTRAP_WEB_CLIENT, BOOTSTRAP_M2M_CLIENT];

const M2M_FIELDS = [
  "_id",
  "client_id",
  "name",
  "description",
  "groups",
  "enabled",
  "provider",
  "idp_app_id",
  "created_at",
  "updated_at",
];

type M2MPart = Pick<ImportSnapshot, "clients" | "m2mRecords" | "idp" | "groups">;

/** The client an `idp_m2m_clients` record describes. */
export const recordClient = (r: Doc): string => String(r.name ?? r.client_id);

export function importM2MAccounts(s: M2MPart, ledger: ImportLedger): KindImport {
  const files: ImportFile[] = [];
  const findings: ImportFinding[] = [];
  const records = new Map(s.m2mRecords.map((r) => [recordClient(r), r]));
  const isRegistrys = ofRegistry(s, ledger);
  for (const c of sortedByCodeUnit(s.clients, (x) => x.clientId)) {
    const who = `client "${c.clientId}"`;
    if (KEYCLOAK_OWN_CLIENTS.includes(c.clientId)) continue; // Keycloak's own: reported once, with what is left alone
    if (BOOTSTRAP_CLIENTS.includes(c.clientId)) {
      findings.push({
        object: who,
        problem: "is the registry bootstrap's client",
        action: "not written: leave it to the registry's setup, or let the stack manage it with bootstrap: true",
      });
      continue;
    }
    if (!isRegistrys(c.groups) && !records.has(c.clientId)) {
      ledger.skipped.clients++;
      continue;
    }
    if (!c.serviceAccountOnly) {
      findings.push({
        object: who,
        problem: "is not an M2M account (it uses browser or password flows, or has no service account)",
        action: "not written; the stack leaves it alone",
      });
      continue;
    }
    const record = records.get(c.clientId);
    const def = accountDefinition(c, record);
    const parsed = M2MDefinition.safeParse(def);
    if (!parsed.success) {
      const why = parsed.error.issues.map((x) => `${x.path.join(".")}: ${x.message}`).join("; ");
      findings.push({
        object: who,
        problem: `cannot be written as a definition (${why})`,
        action: "not written, and the stack leaves it alone; add its service account to a group and import again",
      });
      continue;
    }
    findings.push(...keycloakClientFindings(c, who, s.idp));
    if (s.idp === "keycloak" && !c.mappers.includes(AUDIENCE_MAPPER)) ledger.audienceMissing++;
    findings.push(...recordFindings(c, who, record, def, s.idp));
    if (s.idp === "entra") findings.push(entraSecretFinding(who));
    findings.push(...joinGroups(who, c.groups, ledger));
    files.push(yamlFile("m2m", c.clientId, def));
  }
  return { files, findings };
}

/** The m2m/ file's content: the `Service account for <name>` description is the default when the record has none. */
function accountDefinition(c: SnapshotClient, record: Doc | undefined): Record<string, unknown> {
  const recordDescription =
    record && (record.description === null || typeof record.description === "string")
      ? (record.description as string | null)
      : null;
  const def: Record<string, unknown> = { name: c.clientId };
  const defaultDescription = `Service account for ${c.clientId}`;
  if (c.description && !(c.description === defaultDescription && recordDescription === null))
    def.description = c.description;
  def.groups = c.groups;
  if (!c.enabled) def.enabled = false;
  return def;
}

/** A Keycloak client's display name and groups mapper, which the first `pulumi up` sets. */
function keycloakClientFindings(c: SnapshotClient, who: string, idp: ImportSnapshot["idp"]): ImportFinding[] {
  if (idp !== "keycloak") return [];
  const findings: ImportFinding[] = [];
  if (c.name !== undefined && c.name !== c.clientId) {
    findings.push({
      object: who,
      problem: `its display name ${JSON.stringify(c.name)} differs from its client id`,
      action: "the first pulumi up imports it and sets the name to the client id",
    });
  }
  if (!c.mappers.includes(GROUPS_MAPPER)) {
    findings.push({
      object: who,
      problem: `has no "${GROUPS_MAPPER}" protocol mapper`,
      action: "the first pulumi up adds it (tokens then carry the groups claim)",
    });
  }
  return findings;
}

/** The client's `idp_m2m_clients` record: missing, or holding what the definition does not. */
function recordFindings(
  c: SnapshotClient,
  who: string,
  record: Doc | undefined,
  def: Record<string, unknown>,
  idp: ImportSnapshot["idp"],
): ImportFinding[] {
  if (!record) {
    return [
      {
        object: who,
        problem: `has no ${M2M_CLIENTS_COLLECTION} record`,
        action: "the first pulumi up writes one (the registry lists the account and enriches its tokens from it)",
      },
    ];
  }
  const findings: ImportFinding[] = [];
  const object = `M2M record "${c.clientId}"`;
  const guard = "the first pulumi up stops on the conflict guard for the record until you choose merge or overwrite";
  const unknown = Object.keys(record).filter((k) => !M2M_FIELDS.includes(k));
  if (unknown.length) {
    findings.push({
      object,
      problem: `has field(s) the definitions cannot express: ${unknown.join(", ")}`,
      action:
        `the first pulumi up stops on the conflict guard for it; choose merge (keep) or ` +
        `overwrite (drop) with onScopeConflict (M2M records follow the stack's policy, not a group's)`,
    });
  }
  if (isStringList(record.groups) && !sameList([...record.groups].sort(), [...c.groups].sort())) {
    findings.push({
      object,
      problem:
        `lists groups ${JSON.stringify(record.groups)} but the service account is in ` +
        `${JSON.stringify(c.groups)}; the definition takes the identity provider's`,
      action: `correct groups in m2m/${fileNameFor(c.clientId)}.yaml if the record was right; ${guard}`,
    });
  }
  if (typeof record.description === "string" && record.description !== (def.description ?? null)) {
    findings.push({
      object,
      problem: `its description ${JSON.stringify(record.description)} differs from the client's`,
      action: `the definition takes the client's; ${guard}`,
    });
  }
  if (record.provider !== undefined && record.provider !== idp) {
    findings.push({
      object,
      problem: `has provider ${JSON.stringify(record.provider)}`,
      action:
        `the stack writes provider "${idp}"; the first pulumi up stops on the conflict ` +
        `guard for it until you choose merge or overwrite`,
    });
  }
  return findings;
}

function entraSecretFinding(who: string): ImportFinding {
  return {
    object: who,
    problem: "has client secrets whose values Entra never returns",
    action:
      "the first pulumi up adds one new client secret and outputs it (m2m stack output); the " +
      "existing secrets keep working until they expire, so agents keep working and move to the " +
      "new one when you choose",
  };
}
