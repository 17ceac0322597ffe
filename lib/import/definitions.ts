/**
 * `mcp-access import`: what a running registry holds (identity-provider groups, users, service-account clients,
 * scope documents and M2M records), turned into definition files, plus a report of everything the definitions
 * cannot express. Pure: the CLI reads Keycloak/Entra and the database into an `ImportSnapshot`, this module
 * decides what to write and what to report. Secrets are never part of a snapshot.
 */
import { stringify } from "yaml";
import { ServerAccessEntry, UserDefinition, M2MDefinition } from "../schema";
import type { IdentityProvider } from "../registry/rules";
import {
  AUDIENCE_MAPPER,
  BOOTSTRAP_ADMIN_GROUP,
  BOOTSTRAP_M2M_CLIENT,
  BOOTSTRAP_WEB_CLIENT,
  GROUPS_MAPPER,
  scopesCollectionName,
} from "../registry/rules";
import { BOOTSTRAP_SEEDS, registrySeeds } from "../registry/seeds";
import { REGISTRY_DEFAULTS } from "../registry/switches";

/** The `_id`s of the registry's seed scope documents (registry-seeds.ts). */
const SEED_IDS: readonly string[] = registrySeeds(REGISTRY_DEFAULTS).map((d) => d._id);
import type { Kind } from "../schema";
import type { ImportFile, ImportFinding } from "./types";
import { KEYCLOAK_OWN_CLIENTS } from "../schema/names";
import { importRateLimits, type RateLimitSnapshot } from "./rate-limits";
import { importIdentityProviders, type IdentityProviderSnapshot } from "./identity-providers";
import { byCodeUnit } from "../errors/order";

/** An identity-provider group (top level). */
export interface SnapshotGroup {
  name: string;
  /** Keycloak group id or Entra Object ID. */
  id: string;
  /** Keycloak: the `description` attribute (`undefined` when the group has none). */
  description?: string;
  /** Names of its subgroups (the definitions have none). */
  subGroups: string[];
}

export interface SnapshotUser {
  username: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  enabled: boolean;
  /** Names of the top-level groups it is a direct member of. */
  groups: string[];
  /** Group paths below the top level (`/a/b`): not expressible. */
  subGroupPaths: string[];
  /** Keycloak attribute names (not expressible). */
  attributes: string[];
  emailVerified?: boolean;
}

/** A client (Keycloak) or application (Entra). */
export interface SnapshotClient {
  clientId: string;
  /** Keycloak `name`; Entra display name. */
  name?: string;
  description?: string;
  enabled: boolean;
  /** Confidential, service account on, no browser or password flows: what `user-create-m2m` creates. */
  serviceAccountOnly: boolean;
  /** Groups of its service account (Keycloak) or service principal (Entra). */
  groups: string[];
  /** Protocol mapper names (Keycloak). */
  mappers: string[];
}

export type Doc = Record<string, unknown>;

export interface ImportSnapshot extends RateLimitSnapshot, IdentityProviderSnapshot {
  idp: IdentityProvider;
  /** Where it was read from, for the report (`realm mcp-gateway at https://...`). */
  source: string;
  namespace: string;
  groups: SnapshotGroup[];
  users: SnapshotUser[];
  clients: SnapshotClient[];
  /** `mcp_scopes_<namespace>` documents as stored. */
  scopes: Doc[];
  /** `idp_m2m_clients` records as stored. */
  m2mRecords: Doc[];
}

export type { ImportFile, ImportFinding };

export interface ImportResult {
  files: ImportFile[];
  findings: ImportFinding[];
  /** Stack settings the definitions need (e.g. `existingGroups`), as `key → value`. */
  settings: { existingGroups: string[]; keycloakM2MAudienceMapper?: false };
}

/** The registry bootstrap's clients: never M2M accounts of the registry (nor are Keycloak's own). */
export const BOOTSTRAP_CLIENTS = [BOOTSTRAP_WEB_CLIENT, BOOTSTRAP_M2M_CLIENT];

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

const HEADER = (kind: Kind) => `# yaml-language-server: $schema=../schemas/${kind}.schema.json\n`;

/** A file name for an object name: `/` (registry scope names) and other unsafe characters become `_`. */
export function fileNameFor(name: string): string {
  return name.replace(/[^A-Za-z0-9._@-]/g, "_");
}

function byName<T>(items: readonly T[], key: (t: T) => string): T[] {
  return [...items].sort((a, b) => byCodeUnit(key(a), key(b)));
}

const sameList = (a: readonly unknown[], b: readonly unknown[]) =>
  a.length === b.length && a.every((x, i) => JSON.stringify(x) === JSON.stringify(b[i]));
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");

function yamlFile(kind: Kind, name: string, value: Record<string, unknown>, comments: string[] = []): ImportFile {
  const text = HEADER(kind) + comments.map((c) => `# ${c}\n`).join("") + stringify(value, { lineWidth: 0 });
  const dir = kind;
  return { kind, name, path: `${dir}/${fileNameFor(name)}.yaml`, text };
}

/** One scope document → a group definition (or nothing, when it is the bootstrap's). */
function convertScope(
  doc: Doc,
  s: ImportSnapshot,
  idpGroups: ReadonlyMap<string, SnapshotGroup>,
  findings: ImportFinding[],
): ImportFile | null {
  const name = String(doc._id);
  const object = `scope document "${name}" (${scopesCollectionName(s.namespace)})`;
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
  const def: Record<string, unknown> = { scope_name: name };
  if (typeof doc.description === "string" && doc.description !== "") def.description = doc.description;

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
      const why = parsed.error.issues.map((x) => `${x.path.join(".") || "(rule)"}: ${x.message}`).join("; ");
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
  if (rules.length || doc.server_access !== undefined) def.server_access = rules;
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
      action: "the first pulumi up stops on the conflict guard for this group; choose merge or overwrite for it",
    });
  }
  if (isStringList(doc.agent_access)) {
    if (doc.agent_access.length) def.agent_access = doc.agent_access;
  } else {
    findings.push({
      object,
      problem: "has no agent_access list; the definitions always store one (default [])",
      action: "the first pulumi up stops on the conflict guard for this group; choose merge or overwrite for it",
    });
  }
  const managed = doc.is_idp_managed !== false;
  def.create_in_idp = managed;
  const idpGroup = idpGroups.get(name);
  if (managed && !idpGroup) {
    findings.push({
      object,
      problem: `is_idp_managed is true but ${s.idp === "keycloak" ? "Keycloak" : "Entra"} has no group "${name}"`,
      action:
        `the first pulumi up creates the group; set create_in_idp: false in ` +
        `groups/${fileNameFor(name)}.yaml if it should not exist (is_idp_managed then changes to false)`,
    });
  }
  if (managed && idpGroup && s.idp === "keycloak" && (idpGroup.description ?? "") !== (def.description ?? "")) {
    findings.push({
      object: `Keycloak group "${name}"`,
      problem:
        `its description attribute (${JSON.stringify(idpGroup.description ?? "")}) differs ` +
        `from the scope document's (${JSON.stringify(def.description ?? "")})`,
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
  return yamlFile("groups", name, def);
}

export function convertSnapshot(s: ImportSnapshot): ImportResult {
  const findings: ImportFinding[] = [];
  const files: ImportFile[] = [];
  const idpGroups = new Map(s.groups.map((g) => [g.name, g]));

  // Groups: one per scope document.
  const scoped = new Set<string>();
  /** Scopes whose IdP group the registry does not manage (is_idp_managed false): joined as existing groups. */
  const unmanaged = new Set<string>();
  const mapped = new Set<string>();
  for (const doc of byName(s.scopes, (d) => String(d._id))) {
    const name = String(doc._id);
    if (isStringList(doc.group_mappings)) for (const m of doc.group_mappings) mapped.add(m);
    if (name === BOOTSTRAP_ADMIN_GROUP) {
      findings.push({
        object: `scope document "${name}"`,
        problem: "is the registry bootstrap's admin scope",
        action:
          "not written as a group: leave it to the registry, or let the stack manage it with " +
          "bootstrap: true; members keep joining it (it is listed in existingGroups)",
      });
      continue;
    }
    // scripts/init-mongodb-ce.py `_load_default_scopes` upserts these on every run: the registry's, not a group's.
    if (SEED_IDS.includes(name)) {
      const owned = (BOOTSTRAP_SEEDS as readonly string[]).includes(name);
      findings.push({
        object: `scope document "${name}"`,
        problem: "is a seed the registry upserts on every init run (scripts/init-mongodb-ce.py)",
        action:
          "not written as a group: the registry keeps it" +
          (owned ? ", or the stack owns it with bootstrap: true" : "") +
          "; decisions include it either way, and members of the groups it maps keep joining them (existingGroups)",
      });
      continue;
    }
    const file = convertScope(doc, s, idpGroups, findings);
    if (file) {
      files.push(file);
      scoped.add(name);
      if (doc.is_idp_managed === false) unmanaged.add(name);
    }
  }

  const existing = new Set<string>();
  const memberships = (who: string, groups: readonly string[]): string[] => {
    for (const g of groups) {
      if (scoped.has(g)) {
        if (unmanaged.has(g)) existing.add(g);
        continue;
      }
      existing.add(g);
      if (!mapped.has(g)) {
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
    return [...groups];
  };

  // On Entra the tenant is not the registry's alone: only principals in a group some scope has or maps are its.
  const ofRegistry = (groups: readonly string[]) =>
    s.idp !== "entra" ||
    groups.some(
      (g) => scoped.has(g) || mapped.has(g) || mapped.has(idpGroups.get(g)?.id ?? "") || g === BOOTSTRAP_ADMIN_GROUP,
    );
  const skipped = { users: 0, clients: 0 };

  // Users.
  for (const u of byName(s.users, (x) => x.username)) {
    const who = `user "${u.username}"`;
    if (!ofRegistry(u.groups)) {
      skipped.users++;
      continue;
    }
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
    if (u.emailVerified) {
      findings.push({
        object: who,
        problem: "has a verified e-mail; the definitions declare users with emailVerified false",
        action:
          "the first pulumi up imports the user and sets emailVerified to false (the definitions cannot say true)",
      });
    }
    const def = {
      username: u.username,
      email: u.email,
      first_name: u.firstName,
      last_name: u.lastName,
      groups: u.groups,
      ...(u.enabled ? {} : { enabled: false }),
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
    memberships(who, u.groups);
    files.push(yamlFile("users", u.username, def));
  }

  // M2M accounts: service-account-only clients, with their registry records.
  const records = new Map<string, Doc>();
  for (const r of s.m2mRecords) records.set(String(r.name ?? r.client_id), r);
  const clientIds = new Set(s.clients.map((c) => c.clientId));
  let audienceMissing = 0;
  for (const c of byName(s.clients, (x) => x.clientId)) {
    const who = `client "${c.clientId}"`;
    if (KEYCLOAK_OWN_CLIENTS.includes(c.clientId)) continue; // Keycloak's own: reported once below
    if (BOOTSTRAP_CLIENTS.includes(c.clientId)) {
      findings.push({
        object: who,
        problem: "is the registry bootstrap's client",
        action: "not written: leave it to the registry's setup, or let the stack manage it with bootstrap: true",
      });
      continue;
    }
    if (!ofRegistry(c.groups) && !records.has(c.clientId)) {
      skipped.clients++;
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
    if (s.idp === "keycloak" && c.name !== undefined && c.name !== c.clientId) {
      findings.push({
        object: who,
        problem: `its display name ${JSON.stringify(c.name)} differs from its client id`,
        action: "the first pulumi up imports it and sets the name to the client id",
      });
    }
    if (s.idp === "keycloak" && !c.mappers.includes(GROUPS_MAPPER)) {
      findings.push({
        object: who,
        problem: `has no "${GROUPS_MAPPER}" protocol mapper`,
        action: "the first pulumi up adds it (tokens then carry the groups claim)",
      });
    }
    if (s.idp === "keycloak" && !c.mappers.includes(AUDIENCE_MAPPER)) audienceMissing++;
    if (!record) {
      findings.push({
        object: who,
        problem: "has no idp_m2m_clients record",
        action: "the first pulumi up writes one (the registry lists the account and enriches its tokens from it)",
      });
    } else {
      const unknown = Object.keys(record).filter((k) => !M2M_FIELDS.includes(k));
      if (unknown.length) {
        findings.push({
          object: `M2M record "${c.clientId}"`,
          problem: `has field(s) the definitions cannot express: ${unknown.join(", ")}`,
          action:
            `the first pulumi up stops on the conflict guard for it; choose merge (keep) or ` +
            `overwrite (drop) with onScopeConflictByGroup["${c.clientId}"]`,
        });
      }
      if (isStringList(record.groups) && !sameList([...record.groups].sort(), [...c.groups].sort())) {
        findings.push({
          object: `M2M record "${c.clientId}"`,
          problem:
            `lists groups ${JSON.stringify(record.groups)} but the service account is in ` +
            `${JSON.stringify(c.groups)}; the definition takes the identity provider's`,
          action:
            `correct groups in m2m/${fileNameFor(c.clientId)}.yaml if the record was right; ` +
            `the first pulumi up stops on the conflict guard for the record until you choose merge or overwrite`,
        });
      }
      if (typeof record.description === "string" && record.description !== (def.description ?? null)) {
        findings.push({
          object: `M2M record "${c.clientId}"`,
          problem: `its description ${JSON.stringify(record.description)} differs from the client's`,
          action:
            "the definition takes the client's; the first pulumi up stops on the conflict guard for " +
            "the record until you choose merge or overwrite",
        });
      }
      if (record.provider !== undefined && record.provider !== s.idp) {
        findings.push({
          object: `M2M record "${c.clientId}"`,
          problem: `has provider ${JSON.stringify(record.provider)}`,
          action:
            `the stack writes provider "${s.idp}"; the first pulumi up stops on the conflict ` +
            `guard for it until you choose merge or overwrite`,
        });
      }
    }
    if (s.idp === "entra") {
      findings.push({
        object: who,
        problem: "has client secrets whose values Entra never returns",
        action:
          "the first pulumi up adds one new client secret and outputs it (m2m stack output); the " +
          "existing secrets keep working until they expire, so agents keep working and move to the " +
          "new one when you choose",
      });
    }
    memberships(who, c.groups);
    files.push(yamlFile("m2m", c.clientId, def));
  }
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
  for (const r of byName(s.m2mRecords, (x) => String(x.name ?? x.client_id))) {
    const name = String(r.name ?? r.client_id);
    if (clientIds.has(name)) continue;
    findings.push({
      object: `M2M record "${name}" (idp_m2m_clients)`,
      problem:
        r.provider === "manual"
          ? "describes a client created outside the registry (provider manual) that this identity " +
            "provider does not hold"
          : "has no client in the identity provider",
      action: "not written; the stack leaves the record alone (delete it in the registry if the account is gone)",
    });
  }
  for (const g of byName(s.groups, (x) => x.name)) {
    if (scoped.has(g.name) || existing.has(g.name) || g.name === BOOTSTRAP_ADMIN_GROUP) continue;
    findings.push({
      object: `group "${g.name}"`,
      problem: "has no scope document and no member this import wrote",
      action: "not written; the stack leaves it alone",
    });
  }
  if (audienceMissing) {
    findings.push({
      object: `${audienceMissing} M2M client(s)`,
      problem:
        `have no "${AUDIENCE_MAPPER}" protocol mapper of their own (clients made by ` +
        `user-create-m2m get the mcp-gateway audience from the realm's basic client scope)`,
      action:
        "keep it that way with pulumi config set mcp-gateway-access:keycloakM2MAudienceMapper " +
        "false; otherwise the first pulumi up adds one to each",
    });
  }
  importRateLimits(s, files, findings);
  importIdentityProviders(s, files, findings, (def, path, text) => ({
    kind: "identity-providers",
    name: def.alias,
    path,
    text,
  }));
  files.sort((a, b) => byCodeUnit(a.path, b.path));
  const settings: ImportResult["settings"] = { existingGroups: [...existing].sort() };
  if (audienceMissing) settings.keycloakM2MAudienceMapper = false;
  return { files, findings, settings };
}
