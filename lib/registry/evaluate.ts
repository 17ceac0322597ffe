/**
 * Authorisation exactly as the registry's auth server decides it. Each branch cites the upstream function it
 * mirrors (agentic-community/mcp-gateway-registry, see UPSTREAM_REVISION); the decision names the scope, the rule
 * and the branch that decided, so `explain`, `diff`, warnings and guards all speak the same language. Unless a rule
 * says otherwise it follows main @ 8c5b834b, read in code (the vendored auth server, which the conformance tests run);
 * the verb hop follows #1628, read in auth_server/server.py @ 046eec7 and released in 1.30.0.
 */
import type { AgentRule, ServerAccessEntry, ServerRule } from "./documents";
import {
  ADMIN_GROUP_MARKERS,
  claimGroups,
  grantsEverything,
  HTTP_VERB_WILDCARD,
  isWildcard,
  pyIn,
  requestTarget as requestTargetOf,
  serverKey,
  serverNamesMatch,
  stripSlashes,
} from "./rules";

/** The fields of a scope document authorisation reads. */
export interface ScopeForAuth {
  _id: string;
  group_mappings: string[];
  server_access: ServerAccessEntry[];
  ui_permissions?: Record<string, string[]>;
}

/** A `{server, methods, tools}` rule, as the definitions' schema types it. */
export type ServerRuleForAuth = ServerRule;

/** Which branch of the upstream function decided. */
export type DecisionBranch =
  /** validate_server_tool_access: `method in methods`, not tools/call. */
  | "method-listed"
  /** validate_server_tool_access: `all`/`*` in methods, not tools/call. */
  | "methods-wildcard"
  /** validate_server_tool_access: tools/call with a tool name listed in tools. */
  | "tool-listed"
  /** validate_server_tool_access: tools/call with a tool name, `all`/`*` in tools. */
  | "tools-wildcard"
  /**
   * validate_server_tool_access backward-compatible branch: the method (or tools/call without a tool) listed in tools.
   */
  | "compat-method-in-tools"
  /** validate_server_tool_access backward-compatible branch: `all`/`*` in tools opens every method. */
  | "compat-tools-wildcard"
  /** generic-proxy hop: the verb listed in methods (case-insensitive). */
  | "http-verb-listed"
  /** generic-proxy hop: `http:*` in methods. */
  | "http-verb-wildcard"
  /** validate_a2a_agent_access: a scope or group of the caller is an admin marker (#1434). */
  | "admin-group-bypass"
  /** validate_a2a_agent_access: an `{agent, actions}` rule matched. */
  | "agent-rule"
  /** no scope: none of the groups is in any scope's group_mappings. */
  | "no-scope"
  /** the scopes were checked and none granted. */
  | "default-deny"
  /** the identity is disabled: no token. */
  | "disabled"
  /** the path is not scope-checked (`/api/*`). */
  | "not-scope-checked"
  /** validate_request refused the body before any scope was read (400 not JSON, 413 spilled). */
  | "body-refused"
  /** server.py `_enforce_rate_limit`, after authorisation: the caller or the target is quarantined (403). */
  | "quarantined"
  /** registry 1.31.0 (#1719): tools/call of a blocked tool, refused before any scope rule (tool-blocks.ts). */
  | "tool-blocked"
  /** generic proxy (1.30.0): no gateway location serves the client URL, so no auth server decides it. */
  | "not-routed"
  /** generic proxy (1.30.0): a state-changing verb under session-cookie auth, refused (403) before any scope. */
  | "csrf-refused"
  /** the registry API: the caller is a registry admin (`_user_is_admin`), which its check lets through. */
  | "registry-admin"
  /** the registry API: a `ui_permissions` grant (`user_has_asset_permission`) decided. */
  | "ui-permission"
  /** the registry API (#1762): a virtual server's tool list, filtered per caller. */
  | "virtual-server-tool";

/** The upstream function each kind of decision mirrors. */
export const DECIDED_BY = {
  mcp: "auth_server/server.py validate_server_tool_access",
  http: "auth_server/server.py validate_server_tool_access (is_http_verb=True, generic-proxy hop)",
  agent: "auth_server/server.py validate_a2a_agent_access",
  url: "auth_server/server.py validate_request",
  proxy:
    "auth_server/server.py /validate, generic-proxy request (release 1.30.0: client URL, CSRF gate, then " +
    "validate_server_tool_access with is_http_verb=True)",
  skill: "registry/auth/asset_permissions.py user_has_asset_permission(skill, list, name) (release 1.31.0, #1759)",
  virtualServerTool:
    "GET /api/virtual-servers/{path}/tools (release 1.31.0, #1762): backend access, filter_tools_for_user, " +
    "required_scopes",
} as const;

export interface Decision {
  allowed: boolean;
  /** The scope whose rule decided, or null. */
  scope: string | null;
  /** The rule that decided, or null. */
  rule: ServerRuleForAuth | AgentRule | null;
  /** Every scope the groups map to. */
  scopes: string[];
  branch: DecisionBranch;
  /** The upstream function the decision follows. */
  decidedBy: string;
  /** Why, in words. */
  reason: string;
  /** The auth server's answer when it is not simply 200 (allowed) or 403 (denied): 400, 401, 413. */
  status?: number;
}

/**
 * auth_server/server.py `map_groups_to_scopes` → scope_repository.py `get_group_mappings_bulk`: the claim's strings,
 * empty ones dropped, matched exactly against `group_mappings` (`$in`); case and slashes kept, so a mapping
 * `/team` does not match a `team` claim. Documents in their given order.
 */
export function scopesForGroups<T extends ScopeForAuth>(docs: readonly T[], groups: readonly string[]): T[] {
  // One identity: a scan (an index pays off only across identities, scopeIndex).
  const claim = claimGroups(groups);
  return docs.filter((d) => d.group_mappings.some((g) => claim.has(g)));
}

/**
 * The same lookup, indexed once for many identities: each mapping is looked up by group, not every document
 * scanned per identity (thousands of identities × thousands of scopes).
 */
export function scopeIndex<T extends ScopeForAuth>(docs: readonly T[]): (groups: readonly string[]) => T[] {
  const byGroup = new Map<string, number[]>();
  docs.forEach((d, i) => {
    for (const g of d.group_mappings) {
      const at = byGroup.get(g) ?? byGroup.set(g, []).get(g)!;
      if (at[at.length - 1] !== i) at.push(i);
    }
  });
  return (groups) => {
    const held = new Set<number>();
    for (const g of claimGroups(groups)) for (const i of byGroup.get(g) ?? []) held.add(i);
    return [...held].sort((a, b) => a - b).map((i) => docs[i]!);
  };
}

/**
 * scope_repository.py `_flatten_server_access`: direct server and agent rules, and the rules inside
 * `{scope_name, access_rules}` spliced in as they are; anything else (the nested `agents` block) skipped.
 */
export function flattenServerAccess(doc: {
  server_access: readonly ServerAccessEntry[];
}): Array<ServerRule | AgentRule> {
  const out: Array<ServerRule | AgentRule> = [];
  for (const e of doc.server_access) {
    if ("access_rules" in e) out.push(...e.access_rules);
    else if ("server" in e || "agent" in e) out.push(e);
  }
  return out;
}

/** The `{server, methods, tools}` rules of the flattened list (what validate_server_tool_access matches). */
export function serverRules(doc: { server_access: readonly ServerAccessEntry[] }): readonly ServerRuleForAuth[] {
  return rulesOf(doc).server;
}

/** The `{agent, actions}` rules of the flattened list (what validate_a2a_agent_access matches). */
export function agentRules(doc: { server_access: readonly ServerAccessEntry[] }): readonly AgentRule[] {
  return rulesOf(doc).agent;
}

/**
 * A document's rules, split once per `server_access` list (every decision reads them; a report makes millions).
 * Documents are built, then read: a list is never changed in place once decided on.
 */
const RULES = new WeakMap<readonly ServerAccessEntry[], { server: ServerRule[]; agent: AgentRule[] }>();

function rulesOf(doc: { server_access: readonly ServerAccessEntry[] }): { server: ServerRule[]; agent: AgentRule[] } {
  let rules = RULES.get(doc.server_access);
  if (!rules) {
    const all = flattenServerAccess(doc);
    rules = {
      server: all.filter((r): r is ServerRule => "server" in r),
      agent: all.filter((r): r is AgentRule => "agent" in r),
    };
    RULES.set(doc.server_access, rules);
  }
  return rules;
}

export interface AuthorizeOptions {
  /** The generic-proxy hop: `method` is an HTTP verb (`is_http_verb=True`). */
  httpVerb?: boolean;
}

export function deny(scopes: string[], decidedBy: string, what: string): Decision {
  if (scopes.length === 0) {
    return {
      allowed: false,
      scope: null,
      rule: null,
      scopes,
      branch: "no-scope",
      decidedBy,
      reason: "no scope: none of the groups is in any scope's group_mappings (403)",
    };
  }
  return {
    allowed: false,
    scope: null,
    rule: null,
    scopes,
    branch: "default-deny",
    decidedBy,
    reason: `no rule of ${scopes.join(", ")} grants ${what} (default deny)`,
  };
}

/** What one matching rule grants a request: the branch that decides and why, or null. */
type RuleGrant = { branch: DecisionBranch; reason: string } | null;

/**
 * Generic-proxy hop (PR #1628, read in auth_server/server.py @ 046eec7; released in 1.30.0;
 * validate_server_tool_access with is_http_verb=True): `http:*` exactly (the test is
 * `_HTTP_VERB_WILDCARD in allowed_methods`, case-sensitive) or the verb, compared upper-cased; `all`/`*` never grant
 * a verb, and there is no fallback to tools.
 */
function httpVerbGrant(rule: ServerRule, method: string, at: string): RuleGrant {
  const verb = method.toUpperCase();
  if (rule.methods.includes(HTTP_VERB_WILDCARD)) {
    return {
      branch: "http-verb-wildcard",
      reason: `${verb}: "${HTTP_VERB_WILDCARD}" in methods of ${at} grants every HTTP verb`,
    };
  }
  if (rule.methods.some((m) => m.toUpperCase() === verb)) {
    return {
      branch: "http-verb-listed",
      reason: `${verb}: the verb is listed in methods of ${at} (verbs compare upper-cased)`,
    };
  }
  return null;
}

/**
 * How `value in tools` held, in words: membership of a list, or — `tools` stored as a string, as the Helm chart
 * seeded it before 1.31.0 (#1757) — Python's substring test (auth_server/server.py validate_server_tool_access).
 */
function inTools(rule: ServerRule, value: string, at: string): string {
  return typeof rule.tools === "string"
    ? `"${value}" is a substring of tools "${rule.tools}" of ${at} (a string: Python's \`in\` tests substrings)`
    : `the tool is listed in tools of ${at}`;
}

/** The wildcard of a string `tools`, said as the substring test it is. */
function toolsWildcard(rule: ServerRule, at: string): string {
  return typeof rule.tools === "string"
    ? `tools "${rule.tools}" of ${at} contains "all" or "*" (a string: \`"*" in tools\` tests substrings)`
    : `tools wildcard of ${at}`;
}

/** An MCP request against one rule: methods (never for tools/call), then tools. */
function mcpGrant(rule: ServerRule, method: string, tool: string | undefined, at: string): RuleGrant {
  // `(method in allowed_methods or has_wildcard_methods) and method != "tools/call"`: case-sensitive.
  if (method !== "tools/call") {
    if (pyIn(rule.methods, method))
      return { branch: "method-listed", reason: `method "${method}" is listed in methods of ${at}` };
    if (grantsEverything(rule.methods))
      return {
        branch: "methods-wildcard",
        reason: `method "${method}": methods wildcard of ${at} (every method but tools/call)`,
      };
  }
  if (method === "tools/call" && tool) {
    // tools/call with a tool name checks tools only, never methods.
    if (pyIn(rule.tools, tool))
      return {
        branch: "tool-listed",
        reason: `tools/call "${tool}": ${inTools(rule, tool, at)} (tools/call checks tools only, not methods)`,
      };
    if (grantsEverything(rule.tools))
      return { branch: "tools-wildcard", reason: `tools/call "${tool}": ${toolsWildcard(rule, at)} (every tool)` };
    return null;
  }
  // Backward-compatible branch: any other method, and tools/call without a tool name, checked against tools.
  if (pyIn(rule.tools, method))
    return {
      branch: "compat-method-in-tools",
      reason:
        typeof rule.tools === "string"
          ? `method "${method}": ${inTools(rule, method, at)} (backward-compatible branch)`
          : `method "${method}" is listed in tools of ${at} (backward-compatible branch)`,
    };
  if (grantsEverything(rule.tools))
    return {
      branch: "compat-tools-wildcard",
      reason: `method "${method}": the ${toolsWildcard(rule, at)} opens every method (backward-compatible branch)`,
    };
  return null;
}

/**
 * One decision: may these groups send `method` (and `tool`, for tools/call) to `server`? `server` is a scope key or
 * a server path (auth_server/server.py `_registered_server_from_proxy_path` derives the key).
 */
export function authorize(
  docs: readonly ScopeForAuth[],
  groups: readonly string[],
  server: string,
  method: string,
  tool?: string,
  options: AuthorizeOptions = {},
): Decision {
  const httpVerb = options.httpVerb ?? false;
  // MCP: `_registered_server_from_proxy_path`; generic proxy: the `{kind}/{registered_path}` key as it is.
  const key = httpVerb ? stripSlashes(server) : serverKey(server);
  const held = scopesForGroups(docs, groups);
  const scopes = held.map((d) => d._id);
  const decidedBy = httpVerb ? DECIDED_BY.http : DECIDED_BY.mcp;
  // auth_server/server.py validate_server_tool_access: every scope in order, every flattened rule in order, first grant
  // wins.
  for (const doc of held) {
    for (const rule of serverRules(doc)) {
      if (!serverNamesMatch(rule.server, key)) continue;
      const at = `server "${rule.server}"`;
      const hit = httpVerb ? httpVerbGrant(rule, method, at) : mcpGrant(rule, method, tool, at);
      if (hit)
        return { allowed: true, scope: doc._id, rule, scopes, branch: hit.branch, decidedBy, reason: hit.reason };
    }
  }
  const what = httpVerb
    ? `${method.toUpperCase()} on "${key}" (generic proxy: only listed verbs or ${HTTP_VERB_WILDCARD})`
    : method === "tools/call" && !tool
      ? `tools/call without a tool name on "${key}"`
      : `${method}${tool ? ` ${tool}` : ""} on "${key}"`;
  return deny(scopes, decidedBy, what);
}

/** The agent path of an A2A request: `_get_a2a_agent_path` always yields it with a leading `/`. */
export function agentRequestPath(agent: string): string {
  return agent.startsWith("/") ? agent : `/${agent}`;
}

/**
 * auth_server/server.py `validate_a2a_agent_access` (A2A requests to `/agent/<path>`): since #1434 the admin
 * bypass reads `markers = set(user_scopes) | set(user_groups)`; any marker in `ADMIN_GROUP_MARKERS`, compared raw,
 * allows (an Entra admin whose token carries only the group's Object ID passes through its mapped scope).
 * Otherwise an `{agent, actions}` rule of the flattened rules whose `agent` is `*`/`all` or equals the path exactly
 * (rules are compared as stored: no leading `/` is added to them) and whose actions hold the action, `all` or `*`.
 */
export function authorizeAgent(
  docs: readonly ScopeForAuth[],
  groups: readonly string[],
  agentPath: string,
  action = "invoke_agent",
): Decision {
  const path = agentRequestPath(agentPath);
  const held = scopesForGroups(docs, groups);
  const scopes = held.map((d) => d._id);
  const decidedBy = DECIDED_BY.agent;
  const markerScope = scopes.find((s) => ADMIN_GROUP_MARKERS.includes(s));
  const markerGroup = groups.find((g) => ADMIN_GROUP_MARKERS.includes(g));
  if (markerScope !== undefined || markerGroup !== undefined) {
    const what = markerScope !== undefined ? `scope "${markerScope}"` : `group "${markerGroup}"`;
    const reason =
      `${what} is an admin marker (ADMIN_GROUP_MARKERS, matched against scopes and groups since #1434): ` +
      "the agent check is bypassed";
    const scope = markerScope ?? null;
    return { allowed: true, scope, rule: null, scopes, branch: "admin-group-bypass", decidedBy, reason };
  }
  for (const doc of held) {
    for (const rule of agentRules(doc)) {
      const agentMatches = rule.agent === path || isWildcard(rule.agent);
      if (!agentMatches) continue;
      const actions: readonly string[] = rule.actions;
      const wildcard = actions.some(isWildcard) ? "actions wildcard" : null;
      const hit = actions.includes(action) ? `action "${action}" is listed` : wildcard;
      if (hit)
        return {
          allowed: true,
          scope: doc._id,
          rule,
          scopes,
          branch: "agent-rule",
          decidedBy,
          reason: `${hit} in the rule for agent "${rule.agent}"`,
        };
    }
  }
  return deny(scopes, decidedBy, `${action} on agent "${path}"`);
}

/**
 * What the auth server reads of a request's body (`X-Body`, set by the gateway's capture_body.lua): none, the
 * body's text as sent, or `X-Body-Uninspectable: 1` (a body that spilled to a temp file and was not captured).
 */
export type RequestBody = { kind: "none" } | { kind: "text"; text: string } | { kind: "spilled" };

/** Python's truthiness of a parsed JSON value (`if request_payload:`): null, false, 0, "", [] and {} are false. */
function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v).length > 0;
  return true;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const firstTruthy = (...vs: unknown[]): unknown => vs.find(truthy);

/** The body as validate_request reads it: refused (400, 413), or the JSON-RPC method and tool it names. */
export type ReadBody =
  | { refused: 400 | 413; reason: string }
  | { refused: null; method: string | null; tool: string | null; batch: boolean };

/**
 * auth_server/server.py `validate_request`, body part: `json.loads(X-Body)`; a body that is not JSON fails closed
 * (400), a spilled body too (413). A truthy dict gives the method from `method`, else `tool`/`name`, else
 * `params.name`/`params.tool`/`params.method`; anything else — a JSON-RPC batch (a list) included — gives none, so
 * the method becomes the URL's transport segment or `initialize`. For `tools/call` the tool is `params.name`.
 */
export function readBody(body: RequestBody): ReadBody {
  if (body.kind === "spilled") {
    const reason =
      "the body spilled to a temp file and was not captured (X-Body-Uninspectable): the auth server " +
      "fails closed with 413";
    return { refused: 413, reason };
  }
  if (body.kind === "none" || body.text === "") return { refused: null, method: null, tool: null, batch: false };
  let payload: unknown;
  try {
    payload = JSON.parse(body.text);
  } catch {
    const reason = "the body is not JSON, so its method cannot be read: the auth server fails closed with 400";
    return { refused: 400, reason };
  }
  if (!truthy(payload) || !isRecord(payload)) {
    return { refused: null, method: null, tool: null, batch: Array.isArray(payload) && truthy(payload) };
  }
  const params = payload.params;
  const nested = isRecord(params) ? [params.name, params.tool, params.method] : [];
  const found = firstTruthy(payload.method, payload.tool, payload.name, ...nested);
  const method = typeof found === "string" ? found : found === undefined ? null : JSON.stringify(found);
  const name = method === "tools/call" && isRecord(params) ? params.name : undefined;
  return { refused: null, method, tool: typeof name === "string" && name !== "" ? name : null, batch: false };
}

/** The decision a refused body gets: the auth server answers before any scope is read. */
function refusedDecision(
  docs: readonly ScopeForAuth[],
  groups: readonly string[],
  status: 400 | 413,
  reason: string,
): Decision {
  const scopes = scopesForGroups(docs, groups).map((d) => d._id);
  const decidedBy = DECIDED_BY.url;
  return { allowed: false, scope: null, rule: null, scopes, branch: "body-refused", decidedBy, reason, status };
}

/**
 * A decision for a request path (`X-Original-URL`), as auth_server/server.py `validate_request` makes it: the key
 * derived from the path; `/api/...` not scope-checked; `/agent/<path>` decided by `validate_a2a_agent_access`; on a
 * server key a spilled (413) or non-JSON (400) body refused, then the method of the body, else the transport segment
 * of the URL, else `initialize`.
 */
export function authorizeUrl(
  docs: readonly ScopeForAuth[],
  groups: readonly string[],
  url: string,
  body: RequestBody = { kind: "none" },
  rootPath = "",
): Decision & { target: string | null } {
  const target = requestTargetOf(url, rootPath);
  if (target.kind === "unchecked") {
    const scopes = scopesForGroups(docs, groups).map((d) => d._id);
    const decidedBy = DECIDED_BY.url;
    const reason = target.reason;
    const branch = "not-scope-checked";
    return { allowed: true, scope: null, rule: null, scopes, branch, decidedBy, reason, target: null };
  }
  if (target.kind === "agent") return { ...authorizeAgent(docs, groups, target.path), target: target.path };
  const read = readBody(body);
  if (read.refused !== null) return { ...refusedDecision(docs, groups, read.refused, read.reason), target: target.key };
  const method = read.method ?? target.endpoint ?? "initialize";
  const d = authorize(docs, groups, target.key, method, read.tool ?? undefined);
  const fallback = target.endpoint ? `the transport segment "${target.endpoint}"` : `"initialize"`;
  const from =
    read.method !== null
      ? null
      : read.batch
        ? `a JSON-RPC batch (a list) names no method, so the method is ${fallback}`
        : `no body method, so the method is ${fallback}`;
  return { ...d, reason: from ? `${from}; ${d.reason}` : d.reason, target: target.key };
}
