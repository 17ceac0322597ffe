/**
 * The documents the registry stores: scope documents as `import_group` writes them (mcp_scopes_<ns>), and
 * M2M records as the IAM API writes them (idp_m2m_clients). Timestamps and IdP-assigned ids are added by
 * the scope store at apply time, not here.
 */
import type { AccessModel, M2MAccount, ScopeGroup } from "../model/access-model";
import type { ServerAccessEntry } from "../schema";
import { BOOTSTRAP_ADMIN_GROUP } from "../registry/rules";
import { BOOTSTRAP_SEEDS, registrySeeds, type SeedDocument } from "../registry/seeds";
import { REGISTRY_DEFAULTS, type RegistryFlags } from "../registry/switches";
import { renderRateLimitDocuments, type RateLimitDocument, type RateLimitMembershipDocument } from "./rate-limits";

import { type IdentityProvider } from "../registry/rules";
import { byCodeUnit } from "../errors/order";
export { IDENTITY_PROVIDERS, type IdentityProvider } from "../registry/rules";

/** Key order follows `import_group`'s document, so stored documents compare byte for byte. */
export interface ScopeDocument {
  _id: string;
  scope_type: "group";
  description: string;
  server_access: ServerAccessEntry[];
  group_mappings: string[];
  ui_permissions: Record<string, string[]>;
  agent_access: string[];
  is_idp_managed: boolean;
}

/** A seed scope the bootstrap owns, as the registry's init script upserts it (`$set` of these fields only). */
export type BootstrapScopeDocument = SeedDocument;

export interface M2MClientRecord {
  /** Keycloak: the client id (= name). Entra: the application's appId, known only after apply. */
  client_id?: string;
  name: string;
  description: string | null;
  groups: string[];
  enabled: boolean;
  provider: IdentityProvider;
  /** Keycloak: the client id. Entra: the appId. */
  idp_app_id?: string;
}

export interface RegistryDocuments {
  scopes: Array<ScopeDocument | BootstrapScopeDocument>;
  m2m_clients: M2MClientRecord[];
  /** mcp_rate_limits_<ns> and rate_limit_memberships_<ns>: present when the definitions declare any. */
  rate_limits?: RateLimitDocument[];
  rate_limit_memberships?: RateLimitMembershipDocument[];
}

/** IdP-assigned identifiers known at apply time (Entra group Object IDs, application client ids). */
export interface AssignedIds {
  /** group name → Entra group Object ID. */
  groupObjectIds?: Readonly<Record<string, string>>;
  /** M2M name → client id (Entra appId). */
  clientIds?: Readonly<Record<string, string>>;
}

function canonicalRule(rule: ServerAccessEntry): ServerAccessEntry {
  if ("server" in rule) {
    const out: ServerAccessEntry = { server: rule.server, methods: [...rule.methods] };
    if (rule.tools !== undefined) out.tools = Array.isArray(rule.tools) ? [...rule.tools] : rule.tools;
    return out;
  }
  if ("agent" in rule) return { agent: rule.agent, actions: [...rule.actions] };
  if ("access_rules" in rule)
    return { scope_name: rule.scope_name, access_rules: rule.access_rules.map((r) => canonicalRule(r) as typeof r) };
  return structuredClone(rule);
}

/** Entra tokens carry Object IDs: each mapped group's ID joins its name (the registry's import loses it). */
export function withObjectIds(
  mappings: readonly string[],
  ids: Readonly<Record<string, string>> | undefined,
): string[] {
  const out = [...mappings];
  if (!ids) return out;
  for (const m of mappings) {
    // Own ids only: a mapping named "constructor" or "toString" is a name, not the object's property.
    const id = Object.hasOwn(ids, m) ? ids[m] : undefined;
    if (typeof id === "string" && id && !out.includes(id)) out.push(id);
  }
  return out;
}

export function renderScopeDocument(group: ScopeGroup, ids: AssignedIds = {}): ScopeDocument {
  return {
    _id: group.name,
    scope_type: "group",
    description: group.description,
    server_access: group.serverAccess.map(canonicalRule),
    group_mappings: withObjectIds(group.groupMappings, ids.groupObjectIds),
    ui_permissions: Object.fromEntries(Object.entries(group.uiPermissions).map(([k, v]) => [k, [...v]])),
    agent_access: [...group.agentAccess],
    is_idp_managed: group.createInIdp,
  };
}

/**
 * registry-admins as the registry seeds it (scripts/registry-admins.json at main@8c5b834b, see registry-seeds.ts),
 * with the Entra admin group's Object ID joining its group_mappings as init-mongodb-ce.py adds
 * `ENTRA_GROUP_ADMIN_ID`; with the generic proxy on, PR #1732's `http:*` rule too.
 */
export function renderBootstrapAdminScope(
  ids: AssignedIds = {},
  flags: RegistryFlags = REGISTRY_DEFAULTS,
): BootstrapScopeDocument {
  return renderBootstrapScopes(ids, flags).find((d) => d._id === BOOTSTRAP_ADMIN_GROUP)!;
}

/**
 * The seeds the bootstrap owns (registry-seeds.ts `BOOTSTRAP_SEEDS`), exactly as their files: only registry-admins
 * gets the Entra Object ID (init-mongodb-ce.py adds it there alone).
 */
export function renderBootstrapScopes(
  ids: AssignedIds = {},
  flags: RegistryFlags = REGISTRY_DEFAULTS,
): BootstrapScopeDocument[] {
  const owned: readonly string[] = BOOTSTRAP_SEEDS;
  return registrySeeds(flags)
    .filter((d) => owned.includes(d._id))
    .map((d) => {
      if (d._id !== BOOTSTRAP_ADMIN_GROUP) return d;
      return { ...d, group_mappings: withObjectIds(d.group_mappings, ids.groupObjectIds) };
    });
}

export function renderM2MRecord(account: M2MAccount, idp: IdentityProvider, ids: AssignedIds = {}): M2MClientRecord {
  const clientId = idp === "keycloak" ? account.name : ids.clientIds?.[account.name];
  const record: M2MClientRecord = {
    name: account.name,
    description: account.description,
    groups: [...account.groups],
    enabled: account.enabled,
    provider: idp,
  };
  if (clientId === undefined) return record;
  // Key order as the IAM API inserts it: client_id first, idp_app_id last.
  const { name, description, groups, enabled, provider } = record;
  return { client_id: clientId, name, description, groups, enabled, provider, idp_app_id: clientId };
}

export interface RenderOptions extends AssignedIds {
  idp?: IdentityProvider;
}

export function renderRegistryDocuments(model: AccessModel, options: RenderOptions = {}): RegistryDocuments {
  const idp = options.idp ?? "keycloak";
  const scopes: Array<ScopeDocument | BootstrapScopeDocument> = model.groups.map((g) =>
    renderScopeDocument(g, options),
  );
  if (model.bootstrap) scopes.push(...renderBootstrapScopes(options, model.registry ?? REGISTRY_DEFAULTS));
  scopes.sort((a, b) => byCodeUnit(a._id, b._id));
  const out: RegistryDocuments = { scopes, m2m_clients: model.m2m.map((a) => renderM2MRecord(a, idp, options)) };
  const rated = renderRateLimitDocuments(model.rateLimits);
  if (rated.rate_limits.length || rated.rate_limit_memberships.length) Object.assign(out, rated);
  return out;
}
