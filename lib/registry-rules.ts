/**
 * The registry's own constants and rules (see the registry contract, §1.2 and §5.4), kept in one place so
 * validation, rendering and authorisation all agree with the registry.
 */

/** `STANDARD_METHODS` in the registry's scope_service.py: what "execute" access means. */
export const STANDARD_METHODS = [
  "initialize",
  "notifications/initialized",
  "ping",
  "tools/list",
  "tools/call",
  "resources/list",
  "resources/templates/list",
] as const;

/** Every MCP method a rule may name: the standard ones and the rest of the protocol's requests and notifications. */
export const MCP_METHODS: ReadonlySet<string> = new Set<string>([
  ...STANDARD_METHODS,
  "prompts/list",
  "prompts/get",
  "resources/read",
  "resources/subscribe",
  "resources/unsubscribe",
  "completion/complete",
  "logging/setLevel",
  "notifications/cancelled",
]);

/** "read" access in the `servers` shorthand: the standard methods without `tools/call`. */
export const READ_METHODS = STANDARD_METHODS.filter((m) => m !== "tools/call");

export function isWildcard(value: string): boolean {
  return value === "all" || value === "*";
}

/** A methods or tools list that grants everything: the string "*", or any wildcard item in the list. */
export function grantsEverything(list: readonly string[] | "*" | undefined): boolean {
  return list === "*" || (Array.isArray(list) && list.some(isWildcard));
}

/** `_server_access_has_reserved_wildcard`: `strip("/").lower()` in {all, *}. */
export function isReservedServerName(server: string): boolean {
  const s = stripSlashes(server).toLowerCase();
  return s === "all" || s === "*";
}

/** Python's `str.strip("/")`, which the auth server applies to both sides of a server match. */
export function stripSlashes(s: string): string {
  return s.replace(/^\/+|\/+$/g, "");
}

export const AGENT_ACTIONS = [
  "list_agents",
  "get_agent",
  "publish_agent",
  "modify_agent",
  "delete_agent",
  "toggle_agent",
  "invoke_agent",
] as const;

export const UI_ACTIONS: readonly string[] = [
  // services
  "list_service",
  "register_service",
  "health_check_service",
  "toggle_service",
  "modify_service",
  "delete_service",
  "change_lifecycle_status",
  "get_service",
  "list_tools",
  "call_tool",
  // agents: every agent action but invoking one
  ...AGENT_ACTIONS.filter((a) => a !== "invoke_agent"),
  // skills
  "list_skills",
  "publish_skill",
  "modify_skill",
  "delete_skill",
  "toggle_skill",
  // virtual servers
  "list_virtual_server",
  "create_virtual_server",
  "modify_virtual_server",
  "delete_virtual_server",
];

/** Custom entity types: `list_/create_/modify_/delete_<type>_entity`. */
export const CUSTOM_ENTITY_ACTION = /^(list|create|modify|delete)_[a-z0-9][a-z0-9_-]*_entity$/;

export function isKnownUiAction(action: string): boolean {
  return UI_ACTIONS.includes(action) || CUSTOM_ENTITY_ACTION.test(action);
}

const MUTATING_PREFIXES = ["register_", "modify_", "toggle_", "delete_", "publish_", "create_"];
const SKILL_ACTIONS_EXCLUDED = ["publish_skill", "modify_skill", "delete_skill", "toggle_skill"];

/**
 * `_user_is_admin`: a mutating UI action granted the literal "all" makes its holder a registry admin.
 * Custom-entity and skill actions are excluded; "*" never confers admin.
 */
export function confersAdmin(action: string, grants: readonly string[]): boolean {
  if (!grants.includes("all")) return false;
  if (!MUTATING_PREFIXES.some((p) => action.startsWith(p))) return false;
  if (/_entity$/.test(action) && CUSTOM_ENTITY_ACTION.test(action)) return false;
  if (SKILL_ACTIONS_EXCLUDED.includes(action)) return false;
  return true;
}

/** `PRIVILEGED_SCOPE_NAMES` in registry/auth/privileged_constants.py. */
export const PRIVILEGED_SCOPE_NAMES = [
  "mcp-registry-admin",
  "mcp-registry-operator",
  "registry-admins",
  "mcp-servers-unrestricted/execute",
  "mcp-servers-unrestricted/read",
] as const;

/** The registry's bootstrap admin group and scope (scripts/registry-admins.json). */
export const BOOTSTRAP_ADMIN_GROUP = "registry-admins";

/** Default namespace suffix of registry collections (`DOCUMENTDB_NAMESPACE`). */
export const DEFAULT_NAMESPACE = "default";
export const DEFAULT_DATABASE = "mcp_registry";
export const M2M_CLIENTS_COLLECTION = "idp_m2m_clients";

/** The realm the registry's Keycloak setup creates (`KEYCLOAK_REALM`). */
export const DEFAULT_REALM = "mcp-gateway";

/** The audience the auth server accepts besides the gateway client ids (`"account"` is refused). */
export const GATEWAY_AUDIENCE = "mcp-gateway";

/** The Keycloak protocol mappers the registry's tokens need, by name: a `groups` claim and its audience. */
export const GROUPS_MAPPER = "groups";
export const AUDIENCE_MAPPER = "mcp-gateway-audience";
/** The protocol mappers a service-account client carries. */
export const SERVICE_ACCOUNT_MAPPERS = [GROUPS_MAPPER, AUDIENCE_MAPPER] as const;

/** `<keycloak>/realms/<realm>`: the token issuer, and the base of the realm's endpoints. */
export function keycloakRealmUrl(keycloakUrl: string, realm: string): string {
  return `${keycloakUrl.replace(/\/+$/, "")}/realms/${encodeURIComponent(realm)}`;
}

export function scopesCollectionName(namespace: string = DEFAULT_NAMESPACE): string {
  return `mcp_scopes_${namespace}`;
}

/** The identity providers the registry supports for groups and M2M accounts. */
export type IdentityProvider = "keycloak" | "entra";
export const IDENTITY_PROVIDERS: readonly IdentityProvider[] = ["keycloak", "entra"];
