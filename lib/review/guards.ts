/**
 * Safety guards (peribolos-style, but access-aware), enforced by `validate` and before `pulumi up`: no mass
 * removal from a group at once, keep enough human registry admins, and (optionally) an owner for every group.
 */
import type { Diagnostic } from "../errors/diagnostics";
import { authScopes, type AuthScope } from "./effective-access";
import type { AccessModel } from "../model/access-model";
import { PRIVILEGED_SCOPE_NAMES } from "../registry/rules";
import type { GuardOrigin, GuardSettings } from "../settings/guards";
import { byCodeUnit } from "../errors/order";

/** registry/services/admin_safety.py `_normalize`: names compare stripped and case-folded. */
const fold = (name: string) => name.trim().toLowerCase();

/**
 * registry/services/admin_safety.py `resolve_admin_group_names`: a scope confers admin for the last-admin guard
 * when scope_service.py `_import_touches_privileged_scope` holds — its name or any of its group_mappings is a
 * privileged scope name, or any ui_permissions grants `"all"` (any action: broader than `_user_is_admin`). The
 * scope's name and its mappings, case-folded, are then admin group names.
 */
export function adminSafetyGroupNames(docs: readonly AuthScope[]): Set<string> {
  const privileged: readonly string[] = PRIVILEGED_SCOPE_NAMES;
  const out = new Set<string>();
  for (const d of docs) {
    const touches =
      privileged.includes(d._id) ||
      d.group_mappings.some((m) => privileged.includes(m)) ||
      Object.values(d.ui_permissions ?? {}).some((grant) => grant.includes("all"));
    if (!touches) continue;
    out.add(fold(d._id));
    for (const m of d.group_mappings) out.add(fold(m));
  }
  return out;
}

/**
 * The enabled human users the registry's last-admin guard counts as admins (admin_safety.py
 * `list_admin_identities` → `groups_confer_admin`: any of the user's groups, case-folded, is an admin group name).
 * Upstream counts M2M accounts and disabled users too; a lock-out guard counts only people who can log in.
 */
export function adminSafetyAdmins(model: AccessModel, docs: readonly AuthScope[] = authScopes(model)): string[] {
  const names = adminSafetyGroupNames(docs);
  return model.users
    .filter((u) => u.enabled && u.groups.some((g) => names.has(fold(g))))
    .map((u) => u.username)
    .sort();
}

function members(model: AccessModel): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (g: string, who: string) => (out.get(g) ?? out.set(g, new Set()).get(g)!).add(who);
  for (const u of model.users) for (const g of u.groups) add(g, `user ${u.username}`);
  for (const a of model.m2m) for (const g of a.groups) add(g, `m2m ${a.name}`);
  return out;
}

export function checkGuards(
  head: AccessModel,
  base: AccessModel | null,
  guards: GuardSettings,
  origin: GuardOrigin,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const at = (path: string, message: string): Diagnostic => ({
    severity: "error",
    file: origin.file,
    line: origin.line,
    column: origin.column,
    path,
    message,
  });

  if (guards.requireOwners) {
    for (const g of head.groups.filter((x) => x.owners.length === 0)) {
      out.push({
        severity: "error",
        file: g.file,
        line: 1,
        column: 1,
        path: "owners",
        message:
          `group "${g.name}" lists no owners, which this repository requires ` +
          `(guards.requireOwners): add owners: [<who approves changes>]`,
      });
    }
  }

  if (guards.minAdmins !== undefined && guards.minAdmins > 0) {
    // Admin as the registry's own admin-safety code counts it (adminSafetyAdmins), not a group name of ours.
    const admins = adminSafetyAdmins(head);
    if (admins.length < guards.minAdmins) {
      const how =
        'counted as the registry\'s admin-safety code does: a privileged scope name or mapping, or any "all" grant';
      const who = `${admins.join(", ") || "none"}; ${how}`;
      const message =
        `${admins.length} enabled human user(s) would be registry admins (${who}); ` +
        `at least ${guards.minAdmins} must remain so nobody is locked out of the registry`;
      out.push(at("guards.minAdmins", message));
    }
  }

  if (base && guards.maxRemovalShare !== undefined) {
    const before = members(base);
    const after = members(head);
    const minBase = guards.minRemovalBase ?? 4;
    for (const [group, was] of [...before].sort(([a], [b]) => byCodeUnit(a, b))) {
      if (was.size < minBase) continue;
      const now = after.get(group) ?? new Set<string>();
      const removed = [...was].filter((m) => !now.has(m)).sort();
      const share = removed.length / was.size;
      if (share > guards.maxRemovalShare) {
        const file = head.groups.find((g) => g.name === group)?.file ?? base.groups.find((g) => g.name === group)?.file;
        out.push({
          ...(file ? { severity: "error", file, line: 1, column: 1, path: "" } : at("guards.maxRemovalShare", "")),
          message:
            `this change removes ${removed.length} of ${was.size} members of "${group}" ` +
            `(${Math.round(share * 100)}%, over the ${Math.round(guards.maxRemovalShare * 100)}% ` +
            `allowed at once: guards.maxRemovalShare): ${removed.join(", ")}; split it into smaller ` +
            `changes or raise the limit deliberately`,
        });
      }
    }
  }
  return out;
}
