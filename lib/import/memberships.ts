/** Which principals are the registry's, and what their group memberships need: shared by users and M2M accounts. */
import { BOOTSTRAP_ADMIN_GROUP } from "../registry/rules";
import type { ImportSnapshot } from "./snapshot";
import type { ImportFinding, ImportLedger } from "./types";

/** On Entra the tenant is not the registry's alone: only principals in a group some scope has or maps are its. */
export function ofRegistry(
  s: Pick<ImportSnapshot, "idp" | "groups">,
  ledger: ImportLedger,
): (groups: readonly string[]) => boolean {
  const ids = new Map(s.groups.map((g) => [g.name, g.id]));
  const { scoped, mapped } = ledger;
  return (groups) =>
    s.idp !== "entra" ||
    groups.some((g) => scoped.has(g) || mapped.has(g) || mapped.has(ids.get(g) ?? "") || g === BOOTSTRAP_ADMIN_GROUP);
}

/**
 * A written principal's groups: those the stack does not create join `existingGroups`, and a membership no scope
 * maps is reported (it grants nothing in the registry).
 */
export function joinGroups(who: string, groups: readonly string[], ledger: ImportLedger): ImportFinding[] {
  const findings: ImportFinding[] = [];
  for (const g of groups) {
    if (ledger.scoped.has(g)) {
      if (ledger.unmanaged.has(g)) ledger.existing.add(g);
      continue;
    }
    ledger.existing.add(g);
    if (!ledger.mapped.has(g)) {
      findings.push({
        object: who,
        problem:
          `is in group "${g}", which no scope document maps (no group_mappings lists it): ` +
          `the membership grants nothing in the registry`,
        action:
          `the membership is kept (the group is listed in existingGroups); remove "${g}" ` +
          `from the file to take ${who} out of it, or add a group file for it`,
      });
    }
  }
  return findings;
}
