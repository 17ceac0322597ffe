/**
 * The registry's own constants and rules, kept in one place so validation, rendering and authorisation all agree
 * with the registry. Each one cites the upstream function it mirrors (agentic-community/mcp-gateway-registry, at
 * the revision named by UPSTREAM_REVISION).
 */

/**
 * The upstream state these rules follow, and how each part is known. Read in code:
 * agentic-community/mcp-gateway-registry `main` at 8c5b834be29da0218226623c610b03ed5763c337 (2026-08-21, merges up to
 * PR #1641; vendored, and the auth server the conformance tests run) and auth_server/server.py @ 046eec7 (≈ end of
 * August: the generic proxy's verb hop, #1628). Known only from release notes and PR text (no source of those releases
 * is reachable): release 1.30.0's generic proxy as released (client URLs `/{prefix}/{type}/{name}/`, the CSRF gate;
 * behind `gatewayGenericProxy`) and #1732 (registry-admins' `http:*` rule, same switch); release 1.31.0's skill reads
 * behind `list_skills` (#1759), virtual-server tool lists filtered per caller (#1762), per-tool blocks and the Keycloak
 * bootstrap of #1763. Group names still match exactly: #1713 (normalisation) is in no release, nor is #1315
 * (`is_admin`).
 */
export const UPSTREAM_REVISION =
  "agentic-community/mcp-gateway-registry main @ 8c5b834be29da0218226623c610b03ed5763c337 (2026-08-21, merges up to " +
  "#1641; vendored, read in code) + " +
  "auth_server/server.py @ 046eec7 (generic-proxy verb hop #1628; read in code) + releases 1.30.0-1.31.0 from " +
  "release notes and PRs, not code: generic proxy client URLs and CSRF gate (1.30.0, gatewayGenericProxy on), " +
  "admin seed http:* (#1732, same), skill reads need list_skills (#1759) and virtual-server tool lists filtered " +
  "(#1762), per-tool blocks and the Keycloak bootstrap (#1763) (1.31.0); group names still exact (#1713 in no release)";

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

/** What an `access_level` of the `servers` shorthand grants: execute the standard methods, read all but tools/call. */
export function accessLevelMethods(level: "read" | "execute"): string[] {
  return level === "execute" ? [...STANDARD_METHODS] : [...READ_METHODS];
}

export function isWildcard(value: string): boolean {
  return value === "all" || value === "*";
}

/**
 * A stored methods or tools value as the auth server reads it: a list, or — in documents the registry's Helm chart
 * seeded before 1.31.0 (#1757), `"tools": "*"` — a string. Missing is `server_config.get("tools", [])`: empty.
 */
export type StoredList = readonly string[] | string | undefined;

/**
 * Python's `value in container`, as auth_server/server.py `validate_server_tool_access` (8c5b834b) applies it to a
 * rule's `methods` and `tools`: membership in a list, but a SUBSTRING test on a string — `"read" in "read_all"` is
 * True. Exact on purpose: a stored string decides as the auth server decides it, not as it was meant.
 */
export function pyIn(container: StoredList, value: string): boolean {
  if (container === undefined) return false;
  return typeof container === "string" ? container.includes(value) : container.includes(value);
}

/**
 * `"all" in list or "*" in list` (validate_server_tool_access's `has_wildcard_methods` / `has_wildcard_tools`,
 * 8c5b834b): any wildcard item of a list; on a string, either as a substring — so the Helm seeds' `"tools": "*"`
 * is a tools wildcard, and so is any string containing `all` (`"install"`).
 */
export function grantsEverything(list: StoredList): boolean {
  return pyIn(list, "all") || pyIn(list, "*");
}

/**
 * auth_server/server.py `_server_names_match`: both names `strip("/")`, then exact (case-sensitive) equality;
 * only a rule server that strips to `*` matches every server (`all` is not a wildcard here).
 */
export function serverNamesMatch(ruleServer: string | undefined, server: string): boolean {
  if (ruleServer === undefined) return false;
  return matchesEveryServer(ruleServer) || stripSlashes(ruleServer) === stripSlashes(server);
}

/**
 * The one rule for "this rule matches every server": auth_server/server.py `_server_names_match` returns True when
 * the rule's server, `strip("/")`-ed, is `"*"` (so `/*` too). `all` is not a wildcard there: a rule server `all`
 * names a server called `all` (and the registry's import refuses it: `isReservedServerName`).
 */
export function matchesEveryServer(ruleServer: string): boolean {
  return stripSlashes(ruleServer) === "*";
}

/**
 * A rule or request path in the registry API (`/api/...`): auth_server/server.py `validate_request` runs no scope
 * check on it (ui_permissions and admin status gate it in the registry).
 */
export function isRegistryApiPath(server: string): boolean {
  return stripSlashes(server).split("/")[0] === "api";
}

/** auth_server/server.py `MCP_TRANSPORT_ENDPOINTS`: the transport segment a client appends to a server path. */
export const MCP_TRANSPORT_ENDPOINTS: ReadonlySet<string> = new Set(["mcp", "sse", "messages"]);

/**
 * auth_server/server.py `_registered_server_from_proxy_path`: the scope key of a proxied server path — surrounding
 * `/` stripped, a trailing transport segment removed when the path has at least two segments; the rest kept, so a
 * federated key stays `peer/server`.
 */
export function serverKey(path: string): string {
  // The same few paths are asked millions of times by a report: each is worked out once (a bounded cache).
  let key = SERVER_KEYS.get(path);
  if (key === undefined) {
    key = serverKeyOf(path);
    if (SERVER_KEYS.size < SERVER_KEYS_MAX) SERVER_KEYS.set(path, key);
  }
  return key;
}

const SERVER_KEYS = new Map<string, string>();
const SERVER_KEYS_MAX = 10_000;

function serverKeyOf(path: string): string {
  const parts = path.split("/").filter((p) => p !== "");
  if (parts.length === 0) return stripSlashes(path);
  if (parts.length >= 2 && MCP_TRANSPORT_ENDPOINTS.has(parts[parts.length - 1]!)) return parts.slice(0, -1).join("/");
  return parts.join("/");
}

/**
 * A request URL as `validate_request` reads its path: query and fragment dropped, scheme and host dropped,
 * `strip("/")`, then the registry's root path removed.
 */
export function requestPath(url: string, rootPath = ""): string {
  let path = url.replace(/[?#].*$/, "").replace(/^[a-z]+:\/\/[^/]*/i, "");
  path = stripSlashes(path);
  const prefix = stripSlashes(rootPath);
  if (prefix && path.startsWith(prefix)) path = path.slice(prefix.length).replace(/^\/+/, "");
  return path;
}

/** What the auth server reads from a request path (`X-Original-URL`). */
export type RequestTarget =
  | { kind: "server"; key: string; endpoint: string | null }
  | { kind: "agent"; path: string }
  | { kind: "unchecked"; reason: string };

/**
 * auth_server/server.py `validate_request` (the `server_name_from_url` / `endpoint_from_url` block) and
 * `_get_a2a_agent_path`: `strip("/")`, the registry root path removed, then `<server…>/<mcp|sse|messages>` →
 * server key and endpoint; any other path → the whole path is the key, except a path whose first segment is `api`
 * (the registry API: gated by ui_permissions and admin status, never by scope rules). `/agent/<path>/…` is an A2A
 * request, decided by `validate_a2a_agent_access` on `/<path>`.
 */
export function requestTarget(url: string, rootPath = ""): RequestTarget {
  const path = requestPath(url, rootPath);
  const parts = path ? path.split("/") : [];
  if (parts[0] === "agent" && parts.length >= 2) {
    // `_get_a2a_agent_path`: only a trailing `.well-known/agent-card.json` (the agent card) is dropped.
    const rest = parts.slice(1);
    const card = rest.slice(-2).join("/") === ".well-known/agent-card.json";
    const segments = card ? rest.slice(0, -2) : rest;
    if (segments.length > 0 && segments.every((x) => x !== "")) {
      return { kind: "agent", path: `/${segments.join("/")}` };
    }
  }
  if (parts.length >= 2 && MCP_TRANSPORT_ENDPOINTS.has(parts[parts.length - 1]!)) {
    return { kind: "server", key: parts.slice(0, -1).join("/"), endpoint: parts[parts.length - 1]! };
  }
  if (parts.length >= 1) {
    if (isRegistryApiPath(path))
      return {
        kind: "unchecked",
        reason:
          "/api/* is the registry API: the auth server runs no scope check on it (ui_permissions " +
          "and admin status gate it in the registry)",
      };
    return { kind: "server", key: parts.join("/"), endpoint: null };
  }
  return { kind: "unchecked", reason: "an empty path names no server: the auth server skips the scope check" };
}

/**
 * registry/repositories/documentdb/scope_repository.py `get_group_mappings_bulk` (called by auth_server/server.py
 * `map_groups_to_scopes`): the claim's group strings as they are, empty ones dropped, then
 * `find({"group_mappings": {"$in": groups}})` — exact, case-sensitive; `/team` and `team` are different groups.
 * (Normalising names, #1689 / PR #1713, is an open proposal, not the registry's behaviour.)
 */
export function claimGroups(groups: readonly string[]): Set<string> {
  return new Set(groups.filter((g) => g !== ""));
}

/**
 * registry/auth/privileged_constants.py `ADMIN_GROUP_MARKERS`: the names that bypass the A2A agent check. Since
 * #1434 auth_server/server.py `validate_a2a_agent_access` compares them, raw, with the caller's scopes and groups.
 */
export const ADMIN_GROUP_MARKERS: readonly string[] = ["mcp-registry-admin", "registry-admins"];

/**
 * The generic-proxy token that grants every HTTP verb (auth_server/server.py `_HTTP_VERB_WILDCARD`, PR #1628):
 * tested as `_HTTP_VERB_WILDCARD in allowed_methods`, so it is case-sensitive — `HTTP:*` is not the wildcard.
 */
export const HTTP_VERB_WILDCARD = "http:*";

/** HTTP verbs a generic-proxy rule may list; the hop compares verbs upper-cased (PR #1628). */
export const HTTP_VERBS: ReadonlySet<string> = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** A methods item the generic-proxy hop reads: `http:*` exactly, or a verb in any case. */
export function isHttpMethodToken(m: string): boolean {
  return m === HTTP_VERB_WILDCARD || HTTP_VERBS.has(m.toUpperCase());
}

/**
 * registry/api/management_routes.py `_normalize_agent_entries`: `*` and `/*` become `all`, any other agent path
 * gets a leading `/`. Returns the stored form.
 */
export function normalizeAgentPath(agent: string): string {
  const a = agent.trim();
  if (a === "*" || a === "/*" || a === "all") return "all";
  return a.startsWith("/") ? a : `/${a}`;
}

/**
 * `_server_access_has_reserved_wildcard`: `strip("/").lower()` in {all, *}, the names the registry's import refuses
 * in a rule. Broader than `matchesEveryServer` on purpose: it is what import refuses, not what matching reads.
 */
export function isReservedServerName(server: string): boolean {
  const s = stripSlashes(server).toLowerCase();
  return s === "all" || s === "*";
}

/** Python's `str.strip("/")`, which the auth server applies to both sides of a server match. */
export function stripSlashes(s: string): string {
  // `s.replace(/^\/+|\/+$/g, "")`, without a regular expression: it runs for every rule of every decision.
  let start = 0;
  let end = s.length;
  while (start < end && s.charCodeAt(start) === SLASH) start++;
  while (end > start && s.charCodeAt(end - 1) === SLASH) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

const SLASH = 0x2f;

export const AGENT_ACTIONS = [
  "list_agents",
  "get_agent",
  "publish_agent",
  "modify_agent",
  "delete_agent",
  "toggle_agent",
  "invoke_agent",
] as const;

/** The UI actions the registry checks now (registry/auth/dependencies.py, the frontend's `health_check_agent`). */
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
  "health_check_agent",
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

/** registry/schemas/custom_entity_models.py `TYPE_NAME_PATTERN`: the name of a custom entity type. */
export const CUSTOM_TYPE_NAME = /^[a-z0-9_-]+$/;

/**
 * registry/services/custom_entity_scopes.py `entity_scope`: each custom type `<type>` has the UI scopes
 * `list_/create_/modify_/delete_<type>_entity`.
 */
export const CUSTOM_ENTITY_ACTION = /^(list|create|modify|delete)_([a-z0-9_-]+)_entity$/;

export type CustomEntityVerb = "list" | "create" | "modify" | "delete";

/** The verb and type of a custom-entity UI scope, or null. */
export function customEntityScope(action: string): { verb: CustomEntityVerb; type: string } | null {
  const m = CUSTOM_ENTITY_ACTION.exec(action);
  return m ? { verb: m[1] as CustomEntityVerb, type: m[2]! } : null;
}

const RECORD_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * What one item of a custom-entity grant opens, or null when it opens nothing. `list_<type>_entity`
 * (custom_entity_scopes.py `list_grant_allows_type`, `list_grant_record_paths`): `"all"` or the bare type → every
 * record of the type; `/<type>/<uuid>` → that record. The mutation scopes are type-level
 * (custom_entity_routes.py `_has_type_scope` → `user_has_asset_permission`): `"all"` or the bare type only.
 */
export function customEntityGrant(action: string, item: string): { every: boolean; text: string } | null {
  const scope = customEntityScope(action);
  if (!scope) return null;
  if (item === "all" || item === scope.type) return { every: true, text: `every ${scope.type} record` };
  const prefix = `/${scope.type}/`;
  if (scope.verb === "list" && item.startsWith(prefix) && RECORD_UUID.test(item.slice(prefix.length))) {
    return { every: false, text: `the ${scope.type} record ${item}` };
  }
  return null;
}

/** Why a custom-entity grant item opens nothing, for validate. */
export function customEntityGrantProblem(action: string, item: string): string | null {
  const scope = customEntityScope(action);
  if (!scope || customEntityGrant(action, item)) return null;
  const allowed =
    scope.verb === "list"
      ? `"all", "${scope.type}" or a record path "/${scope.type}/<uuid>"`
      : `"all" or "${scope.type}" (the ${scope.verb} scope is type-level: a record path grants nothing)`;
  return `${action}: "${item}" opens nothing; the registry reads ${allowed}`;
}

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
  // privileged_constants.py `_PER_TYPE_ENTITY_SCOPE_RE`: any create_/modify_/delete_…_entity is excluded.
  if (/^(create|modify|delete)_.+_entity$/.test(action)) return false;
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

/** The clients the registry's `init-keycloak.sh` creates: the web (sign-in) client and the gateway's M2M client. */
export const BOOTSTRAP_WEB_CLIENT = "mcp-gateway-web";
export const BOOTSTRAP_M2M_CLIENT = "mcp-gateway-m2m";

/**
 * Keycloak's realm default client scope that every client gets, DCR'd clients included. `init-keycloak.sh`
 * (setup_dcr_groups_mapper, setup_dcr_audience_mapper) puts the `groups` mapper and the `mcp-gateway` audience
 * mapper on it: that audience is what makes a user token from the web client acceptable to the auth server
 * (providers/keycloak.py accepts only the gateway's client ids and `mcp-gateway`).
 */
export const DEFAULT_CLIENT_SCOPE = "basic";

/**
 * A service's base URL as paths are joined to it, and as issuers compare: its trailing slashes dropped (a Keycloak,
 * Graph or login URL, an issuer, a registry URL written with or without one is the same).
 */
export function baseUrl(url: string): string {
  return url.replace(/\/+$/, "");
}

/** `<keycloak>/realms/<realm>`: the token issuer, and the base of the realm's endpoints. */
export function keycloakRealmUrl(keycloakUrl: string, realm: string): string {
  return `${baseUrl(keycloakUrl)}/realms/${encodeURIComponent(realm)}`;
}

export function scopesCollectionName(namespace: string = DEFAULT_NAMESPACE): string {
  return `mcp_scopes_${namespace}`;
}

/** The identity providers the registry supports for groups and M2M accounts. */
export type IdentityProvider = "keycloak" | "entra";
export const IDENTITY_PROVIDERS: readonly IdentityProvider[] = ["keycloak", "entra"];
