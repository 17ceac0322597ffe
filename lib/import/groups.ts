/**
 * Groups: one `groups/<scope>.yaml` per scope document of `mcp_scopes_<ns>`, but the registry's own (the bootstrap's
 * admin scope and the seeds its init script upserts). Defaults are left out; what the definitions cannot say is
 * reported with what the first `pulumi up` does about it.
 */
import { ServerAccessEntry } from "../schema";
import { BOOTSTRAP_ADMIN_GROUP, scopesCollectionName } from "../registry/rules";
import { BOOTSTRAP_SEEDS, REGISTRY_SEED_IDS } from "../registry/seeds";
import { sortedByCodeUnit, fileNameFor, isStringList, sameList, yamlFile } from "./files";
import type { ImportSnapshot, SnapshotGroup } from "./snapshot";
import { helmSeedFinding, stringToolsProblem } from "./helm-seeds";
import type { Doc, ImportFile, ImportFinding, ImportLedger, KindImport } from "./types";

/** The `_id`s of the registry's seed scope documents (registry-seeds.ts). */
const SEED_IDS: readonly string[] = REGISTRY_SEED_IDS;

/** Fields `import_group` writes; the store adds `_id` and timestamps. */
const SCOPE_FIELDS = [
  "_id",
  "scope_type",
  "description",
  "server_access",
  "group_mappings",
  "ui_permissions",
  "agent_access",
  "is_idp_managed",
  "created_at",
  "updated_at",
];

type GroupsPart = Pick<ImportSnapshot, "scopes" | "groups" | "idp" | "namespace">;

export function importGroups(s: GroupsPart, ledger: ImportLedger): KindImport {
  const files: ImportFile[] = [];
  const findings: ImportFinding[] = [];
  const idpGroups = new Map(s.groups.map((g) => [g.name, g]));
  for (const doc of sortedByCodeUnit(s.scopes, (d) => String(d._id))) {
    const name = String(doc._id);
    // The registry's own scopes map groups too: members of those are the registry's (Entra) and need no file.
    if (isStringList(doc.group_mappings)) for (const m of doc.group_mappings) ledger.mapped.add(m);
    const own = registryOwnScope(name);
    if (own) {
      const helm = helmSeedFinding(doc, `scope document "${name}"`);
      findings.push(own, ...(helm ? [helm] : []));
      continue;
    }
    const scope = convertScope(doc, s, idpGroups.get(name));
    findings.push(...scope.findings);
    files.push(scope.file);
    ledger.scoped.add(name);
    if (doc.is_idp_managed === false) ledger.unmanaged.add(name);
  }
  return { files, findings };
}

/** Why a scope is the registry's and not written as a group, or null when it is a group's. */
function registryOwnScope(name: string): ImportFinding | null {
  if (name === BOOTSTRAP_ADMIN_GROUP) {
    return {
      object: `scope document "${name}"`,
      problem: "is the registry bootstrap's admin scope",
      action:
        "not written as a group: leave it to the registry, or let the stack manage it with " +
        "bootstrap: true; members keep joining it (it is listed in existingGroups)",
    };
  }
  // scripts/init-mongodb-ce.py `_load_default_scopes` upserts these on every run: the registry's, not a group's.
  if (!SEED_IDS.includes(name)) return null;
  const owned = (BOOTSTRAP_SEEDS as readonly string[]).includes(name);
  return {
    object: `scope document "${name}"`,
    problem: "is a seed the registry upserts on every init run (scripts/init-mongodb-ce.py)",
    action:
      "not written as a group: the registry keeps it" +
      (owned ? ", or the stack owns it with bootstrap: true" : "") +
      "; decisions include it either way, and members of the groups it maps keep joining them (existingGroups)",
  };
}

/** One scope document → its group file, and what it holds that the file cannot say. */
function convertScope(
  doc: Doc,
  s: Pick<ImportSnapshot, "idp" | "namespace">,
  idpGroup: SnapshotGroup | undefined,
): { file: ImportFile; findings: ImportFinding[] } {
  const name = String(doc._id);
  const object = `scope document "${name}" (${scopesCollectionName(s.namespace)})`;
  const findings = storedShapeFindings(doc, name, object);
  const def: Record<string, unknown> = { scope_name: name };
  if (typeof doc.description === "string" && doc.description !== "") def.description = doc.description;
  const rules = serverAccess(doc, name, object, findings);
  if (rules) def.server_access = rules;
  Object.assign(def, grantLists(doc, name, object, findings));
  const managed = doc.is_idp_managed !== false;
  def.create_in_idp = managed;
  findings.push(...idpGroupFindings(name, object, managed, String(def.description ?? ""), s.idp, idpGroup));
  return { file: yamlFile("groups", name, def), findings };
}

/** Fields outside `import_group`'s, and a scope_type the registry does not write. */
function storedShapeFindings(doc: Doc, name: string, object: string): ImportFinding[] {
  const findings: ImportFinding[] = [];
  const unknown = Object.keys(doc).filter((k) => !SCOPE_FIELDS.includes(k));
  if (unknown.length) {
    findings.push({
      object,
      problem: `has field(s) the definitions cannot express: ${unknown.join(", ")}`,
      action:
        `the first pulumi up stops on the conflict guard for this group; keep them with ` +
        `pulumi config set --path 'mcp-gateway-access:onScopeConflictByGroup["${name}"]' merge, or ` +
        `drop them with ... overwrite`,
    });
  }
  if (doc.scope_type !== undefined && doc.scope_type !== "group") {
    findings.push({
      object,
      problem: `scope_type is ${JSON.stringify(doc.scope_type)}; the registry writes "group"`,
      action:
        "the first pulumi up stops on the conflict guard; set onScopeConflictByGroup for it to " +
        "overwrite to store scope_type: group",
    });
  }
  return findings;
}

/** The `server_access` rules the schema accepts (the others reported), or null when the file leaves it out. */
function serverAccess(doc: Doc, name: string, object: string, findings: ImportFinding[]): unknown[] | null {
  const rules: unknown[] = [];
  const raw = Array.isArray(doc.server_access) ? doc.server_access : [];
  if (doc.server_access !== undefined && !Array.isArray(doc.server_access)) {
    findings.push({
      object,
      problem: "server_access is not a list",
      action:
        "write server_access in the group file by hand; the first pulumi up stops on the conflict " +
        "guard until you choose merge or overwrite",
    });
  }
  raw.forEach((rule, i) => {
    const parsed = ServerAccessEntry.safeParse(rule);
    if (parsed.success) rules.push(rule);
    else {
      const why =
        stringToolsProblem(rule) ??
        parsed.error.issues.map((x) => `${x.path.join(".") || "(rule)"}: ${x.message}`).join("; ");
      findings.push({
        object,
        problem:
          `server_access[${i}] ${JSON.stringify(rule)} has a shape the schema refuses ` +
          `(${why}); left out of the group file`,
        action:
          `rewrite it as {server, methods, tools} or {agent, actions} in ` +
          `groups/${fileNameFor(name)}.yaml; until then the first pulumi up stops on the conflict ` +
          `guard for this group (overwrite removes it from the document)`,
      });
    }
  });
  return rules.length || doc.server_access !== undefined ? rules : null;
}

/** group_mappings, ui_permissions and agent_access, each left out when it is the definitions' default. */
function grantLists(doc: Doc, name: string, object: string, findings: ImportFinding[]): Record<string, unknown> {
  const def: Record<string, unknown> = {};
  const guard = "the first pulumi up stops on the conflict guard for this group; choose merge or overwrite for it";
  if (isStringList(doc.group_mappings)) {
    if (!sameList(doc.group_mappings, [name])) def.group_mappings = doc.group_mappings;
  } else if (doc.group_mappings !== undefined) {
    findings.push({
      object,
      problem: "group_mappings is not a list of names",
      action: "write group_mappings in the group file by hand",
    });
  }
  if (doc.ui_permissions && typeof doc.ui_permissions === "object" && !Array.isArray(doc.ui_permissions)) {
    const ui = doc.ui_permissions as Record<string, unknown>;
    const keys = Object.keys(ui);
    if (!(keys.length === 1 && Array.isArray(ui.list_service) && ui.list_service.length === 0)) def.ui_permissions = ui;
  } else if (doc.ui_permissions === undefined) {
    findings.push({
      object,
      problem: "has no ui_permissions; the definitions always store one (default {list_service: []})",
      action: guard,
    });
  }
  if (isStringList(doc.agent_access)) {
    if (doc.agent_access.length) def.agent_access = doc.agent_access;
  } else {
    findings.push({
      object,
      problem: "has no agent_access list; the definitions always store one (default [])",
      action: guard,
    });
  }
  return def;
}

/** The identity provider's group for the scope: missing, described differently, or with subgroups. */
function idpGroupFindings(
  name: string,
  object: string,
  managed: boolean,
  description: string,
  idp: ImportSnapshot["idp"],
  idpGroup: SnapshotGroup | undefined,
): ImportFinding[] {
  const findings: ImportFinding[] = [];
  if (managed && !idpGroup) {
    findings.push({
      object,
      problem: `is_idp_managed is true but ${idp === "keycloak" ? "Keycloak" : "Entra"} has no group "${name}"`,
      action:
        `the first pulumi up creates the group; set create_in_idp: false in ` +
        `groups/${fileNameFor(name)}.yaml if it should not exist (is_idp_managed then changes to false)`,
    });
  }
  if (managed && idpGroup && idp === "keycloak" && (idpGroup.description ?? "") !== description) {
    findings.push({
      object: `Keycloak group "${name}"`,
      problem:
        `its description attribute (${JSON.stringify(idpGroup.description ?? "")}) differs ` +
        `from the scope document's (${JSON.stringify(description)})`,
      action:
        "the first pulumi up imports the group as it is; the next one sets the attribute to the " +
        "definition's description",
    });
  }
  if (idpGroup?.subGroups.length) {
    findings.push({
      object: `group "${name}"`,
      problem: `has subgroups (${idpGroup.subGroups.join(", ")}) the definitions cannot express`,
      action: "they stay as they are; the stack neither manages nor removes them",
    });
  }
  return findings;
}
