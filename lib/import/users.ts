/** Users: one `users/<username>.yaml` per user of the registry, with what the definitions cannot say reported. */
import { UserDefinition } from "../schema";
import { sortedByCodeUnit, yamlFile } from "./files";
import { joinGroups, ofRegistry } from "./memberships";
import type { ImportSnapshot, SnapshotUser } from "./snapshot";
import type { ImportFile, ImportFinding, ImportLedger, KindImport } from "./types";

export function importUsers(s: Pick<ImportSnapshot, "users" | "idp" | "groups">, ledger: ImportLedger): KindImport {
  const files: ImportFile[] = [];
  const findings: ImportFinding[] = [];
  const isRegistrys = ofRegistry(s, ledger);
  for (const u of sortedByCodeUnit(s.users, (x) => x.username)) {
    const who = `user "${u.username}"`;
    if (u.username === ledger.bootstrapAdmin) continue; // reported with the bootstrap (lib/import/bootstrap.ts)
    if (!isRegistrys(u.groups)) {
      ledger.skipped.users++;
      continue;
    }
    findings.push(...userFindings(u, who));
    const def = {
      username: u.username,
      email: u.email,
      first_name: u.firstName,
      last_name: u.lastName,
      groups: u.groups,
      ...(u.enabled ? {} : { enabled: false }),
      // Only true is written: unset keeps Keycloak's value, and a user's false is what a new user gets.
      ...(u.emailVerified ? { email_verified: true } : {}),
    };
    const parsed = UserDefinition.safeParse(def);
    if (!parsed.success) {
      const why = parsed.error.issues.map((x) => `${x.path.join(".")}: ${x.message}`).join("; ");
      findings.push({
        object: who,
        problem: `cannot be written as a definition (${why})`,
        action:
          "not written, and the stack leaves this user alone; fill in the missing fields in the " +
          "identity provider and import again, or write the file by hand",
      });
      continue;
    }
    findings.push(...joinGroups(who, u.groups, ledger));
    files.push(yamlFile("users", u.username, def));
  }
  return { files, findings };
}

/** Subgroups and attributes: what a user file cannot say. */
function userFindings(u: SnapshotUser, who: string): ImportFinding[] {
  const findings: ImportFinding[] = [];
  if (u.subGroupPaths.length) {
    findings.push({
      object: who,
      problem: `is in subgroups ${u.subGroupPaths.join(", ")}, which the definitions cannot express`,
      action:
        "those memberships are removed by the first pulumi up that changes this user's groups; " +
        "move the user to top-level groups first",
    });
  }
  if (u.attributes.length) {
    findings.push({
      object: who,
      problem: `has attributes (${u.attributes.join(", ")}) the definitions cannot express`,
      action: "they are left as they are",
    });
  }
  return findings;
}
