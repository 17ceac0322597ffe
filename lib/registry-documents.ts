/**
 * The documents the registry stores: scope documents as `import_group` writes them (mcp_scopes_<ns>), and
 * M2M records as the IAM API writes them (idp_m2m_clients). Timestamps and IdP-assigned ids are added by
 * the scope store at apply time, not here.
 */
import type { AccessModel, M2MAccount, ScopeGroup } from "./model";
import type { ServerAccessEntry } from "./schema";
import { BOOTSTRAP_ADMIN_GROUP, HTTP_VERB_WILDCARD } from "./registry-rules";
import { renderRateLimitDocuments, type RateLimitDocument, type RateLimitMembershipDocument } from "./rate-limits/render";

import { type IdentityProvider } from "./registry-rules";
export { IDENTITY_PROVIDERS, type IdentityProvider } from "./registry-rules";

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

/** The bootstrap admin scope, as the registry's init scripts upsert it (`$set` of these fields only). */
export interface BootstrapScopeDocument {
  _id: string;
  group_mappings: string[];
  server_access: ServerAccessEntry[];
  ui_permissions: Record<string, string[]>;
}

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
  if ("access_rules" in rule) return { scope_name: rule.scope_name, access_rules: rule.access_rules.map((r) => canonicalRule(r) as typeof r) };
  return structuredClone(rule);
}

/** Entra tokens carry Object IDs: each mapped group's ID joins its name (the registry's import loses it). */
export function withObjectIds(mappings: readonly string[], ids: Readonly<Record<string, string>> | undefined): string[] {
  const out = [...mappings];
  if (!ids) return out;
  for (const m of mappings) {
    const id = ids[m];
    if (id && !out.includes(id)) out.push(id);
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
 * registry-admins as the registry seeds it (scripts/registry-admins.json on upstream main): every server, the
 * generic-proxy verbs (`http:*`, required by tests/auth_server/unit/test_admin_seed_http_verbs.py since `all` never
 * grants a verb), the nested `agents` block the seed still ships (ignored by `_flatten_server_access`; admins pass the
 * A2A check through ADMIN_GROUP_MARKERS) and the admin UI actions.
 */
export function renderBootstrapAdminScope(ids: AssignedIds = {}): BootstrapScopeDocument {
  const all = ["all"];
  const agentActions = ["list_agents", "get_agent", "publish_agent", "modify_agent", "delete_agent"];
  return {
    _id: BOOTSTRAP_ADMIN_GROUP,
    group_mappings: withObjectIds([BOOTSTRAP_ADMIN_GROUP], ids.groupObjectIds),
    server_access: [
      { server: "*", methods: ["all"], tools: ["all"] },
      { server: "*", methods: [HTTP_VERB_WILDCARD], tools: [] },
      { agents: { actions: agentActions.map((action) => ({ action, resources: all })) } },
    ],
    ui_permissions: Object.fromEntries(BOOTSTRAP_ADMIN_UI_ACTIONS.map((a) => [a, all])),
  };
}

/** The UI actions the seed grants `["all"]`, in its order. */
export const BOOTSTRAP_ADMIN_UI_ACTIONS = [
  "list_agents",
  "get_agent",
  "publish_agent",
  "modify_agent",
  "delete_agent",
  "list_service",
  "register_service",
  "health_check_service",
  "toggle_service",
  "modify_service",
  "change_lifecycle_status",
  "delete_service",
  "list_virtual_server",
  "create_virtual_server",
  "modify_virtual_server",
  "delete_virtual_server",
] as const;

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
  const scopes: Array<ScopeDocument | BootstrapScopeDocument> = model.groups.map((g) => renderScopeDocument(g, options));
  if (model.bootstrap) scopes.push(renderBootstrapAdminScope(options));
  scopes.sort((a, b) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0));
  const out: RegistryDocuments = { scopes, m2m_clients: model.m2m.map((a) => renderM2MRecord(a, idp, options)) };
  const rated = renderRateLimitDocuments(model.rateLimits);
  if (rated.rate_limits.length || rated.rate_limit_memberships.length) Object.assign(out, rated);
  return out;
}
