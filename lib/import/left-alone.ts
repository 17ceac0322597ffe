/**
 * What the import read but does not write, reported once all the kinds are written: the tenant's principals that
 * are not the registry's, Keycloak's own clients, M2M records without a client, groups without a scope or a member.
 */
import { BOOTSTRAP_ADMIN_GROUP, M2M_CLIENTS_COLLECTION } from "../registry/rules";
import { KEYCLOAK_OWN_CLIENTS } from "../schema/names";
import { sortedByCodeUnit } from "./files";
import { recordClient } from "./m2m";
import type { ImportSnapshot } from "./snapshot";
import type { ImportFinding, ImportLedger, KindImport } from "./types";

type LeftAlonePart = Pick<ImportSnapshot, "clients" | "m2mRecords" | "groups">;

export function importLeftAlone(s: LeftAlonePart, ledger: ImportLedger): KindImport {
  const findings: ImportFinding[] = [];
  const { skipped } = ledger;
  if (skipped.users || skipped.clients) {
    findings.push({
      object: `${skipped.users} user(s) and ${skipped.clients} application(s) of the tenant`,
      problem: "are in no group a scope document has or maps",
      action: "not written: they are not the registry's; the stack leaves them alone",
    });
  }
  const own = s.clients.filter((c) => KEYCLOAK_OWN_CLIENTS.includes(c.clientId)).map((c) => c.clientId);
  if (own.length) {
    findings.push({
      object: `clients ${own.join(", ")}`,
      problem: "are Keycloak's own clients, not M2M accounts",
      action: "not written; the stack leaves them alone",
    });
  }
  const clientIds = new Set(s.clients.map((c) => c.clientId));
  for (const r of sortedByCodeUnit(s.m2mRecords, recordClient)) {
    const name = recordClient(r);
    if (clientIds.has(name)) continue;
    findings.push({
      object: `M2M record "${name}" (${M2M_CLIENTS_COLLECTION})`,
      problem:
        r.provider === "manual"
          ? "describes a client created outside the registry (provider manual) that this identity " +
            "provider does not hold"
          : "has no client in the identity provider",
      action: "not written; the stack leaves the record alone (delete it in the registry if the account is gone)",
    });
  }
  for (const g of sortedByCodeUnit(s.groups, (x) => x.name)) {
    if (ledger.scoped.has(g.name) || ledger.existing.has(g.name) || g.name === BOOTSTRAP_ADMIN_GROUP) continue;
    findings.push({
      object: `group "${g.name}"`,
      problem: "has no scope document and no member this import wrote",
      action: "not written; the stack leaves it alone",
    });
  }
  return { files: [], findings };
}
