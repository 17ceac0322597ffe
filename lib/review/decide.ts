/**
 * The one place a request of any kind is decided: `explain` and the access tests both call `decide`, so what
 * a test asserts is what `explain` shows. Each kind goes to the function in lib/registry/evaluate.ts that mirrors the
 * auth
 * server's own (`validate_server_tool_access`, its generic-proxy hop, `validate_a2a_agent_access`,
 * `validate_request`'s key derivation and body reading), under the registry's feature switches (RegistryFlags).
 */
import {
  authorize,
  authorizeAgent,
  authorizeUrl,
  readBody,
  type Decision,
  type RequestBody,
  type ScopeForAuth,
} from "../registry/evaluate";
import { proxyPrefixOf, REGISTRY_DEFAULTS, type RegistryFlags, type SwitchDependency } from "../registry/switches";
import { requestTarget, stripSlashes } from "../registry/rules";
import {
  A2A_PROXY_KEY_NOTE,
  authorizeProxy,
  BACKEND_CREDENTIAL_NOTE,
  proxyRoute,
  type ProxyRoute,
} from "../registry/generic-proxy";
import { apiRead, authorizeSkillRead, authorizeVirtualServerTool, type ApiRead } from "../registry/api-reads";
import type { HttpRequest, McpRequest } from "../schema";

/**
 * What can be decided: the access tests' requests (`AccessRequest` is one of these), plus what `explain` may
 * leave open — a URL without a method (the auth server then takes the transport segment, else `initialize`), a
 * URL with a body as sent, and any agent action.
 */
export type DecisionRequest = McpRequest | HttpRequest | UrlDecisionRequest | { agent: string; action: string };

/**
 * A request to a URL. On a generic-proxy client URL `method` is the HTTP verb (default GET) and `cookie` says the
 * caller signs in with the session cookie; on `/api/virtual-servers/<path>/tools`, `backend`, `tool` and
 * `requiredScopes` name the one tool asked about.
 */
export interface UrlDecisionRequest {
  url: string;
  method?: string;
  tool?: string;
  body?: RequestBody;
  cookie?: boolean;
  backend?: string;
  requiredScopes?: string[];
}

/** What the quarantine says of one request; every decision of `decideFor` carries it
 * (lib/review/rate-limit-quarantine.ts). */
export interface QuarantineFacts {
  /** The caller's membership in `quarantine-callers` (`user:mallory`, `client:bot`), or null when it has none. */
  caller: string | null;
  /** The target's membership in `quarantine-targets` (`server:x`, `agent:/y`), or null when it has none. */
  target: string | null;
  /** The limiter runs on this request (MCP and A2A requests; not the registry API). */
  limited: boolean;
  /** The quarantine is what refuses the request: the scopes allow it and the limiter runs on it. */
  refuses: boolean;
}

/** A decision, with the server key or agent path a URL request resolved to, and the switches it depends on. */
export type AccessDecision = Decision & {
  target?: string | null;
  /** The registry's feature switches this answer depends on, with the value it was decided with. */
  dependsOn?: SwitchDependency[];
  /** What else the answer assumes of the request (headers), in words. */
  notes?: string[];
  /** The caller's and the target's quarantine (set by `decideFor`, lib/review/rate-limit-quarantine.ts). */
  quarantine?: QuarantineFacts;
};

/** A disabled identity gets no token, so every request is refused before any scope is read. */
export const DISABLED_DECISION: AccessDecision = {
  allowed: false,
  scope: null,
  rule: null,
  scopes: [],
  branch: "disabled",
  decidedBy: "Keycloak/Entra: a disabled account gets no token",
  reason: "the identity is disabled: it gets no token",
};

/**
 * auth_server/server.py `validate_request` (A2A trust model): on `/agent/...` paths the caller's gateway token
 * travels in `X-Authorization`; `Authorization` is forwarded to the agent. No `X-Authorization` → 401; the same
 * token in both headers → 401.
 */
export const A2A_TOKEN_NOTE =
  "agents send their gateway token in X-Authorization on /agent/... paths (Authorization is forwarded to the agent); " +
  "without X-Authorization, or with the same token in both headers, the auth server answers 401";

/** What an A2A answer means with the registry's A2A reverse proxy off (upstream's default). */
export const A2A_OFF_NOTE =
  "with a2aReverseProxy off the gateway has no /agent/<path>/ route, so this check never runs: callers reach the " +
  "agent directly and only the agent's own auth applies";

/** A JSON-RPC body naming `method` (and `params.name` = `tool`), as an MCP client sends it. */
function rpcBody(method: string, tool: string | undefined): RequestBody {
  const params = tool !== undefined ? { params: { name: tool } } : {};
  return { kind: "text", text: JSON.stringify({ jsonrpc: "2.0", id: 1, method, ...params }) };
}

/** May an identity holding `groups` make `request`, as the registry configured by `flags` decides it? */
export function decide(
  docs: readonly ScopeForAuth[],
  groups: readonly string[],
  request: DecisionRequest,
  flags: RegistryFlags = REGISTRY_DEFAULTS,
): AccessDecision {
  const proxy: SwitchDependency = { name: "gatewayGenericProxy", value: flags.gatewayGenericProxy };
  // registry/core/nginx_service.py: the /agent/<path>/ locations (whose auth subrequest runs the A2A check) exist
  // only with A2A_REVERSE_PROXY_ENABLED; the decision is the auth server's either way, the switch says if it runs.
  const a2a: SwitchDependency = { name: "a2aReverseProxy", value: flags.a2aReverseProxy };
  const agentNotes = flags.a2aReverseProxy ? [A2A_TOKEN_NOTE] : [A2A_TOKEN_NOTE, A2A_OFF_NOTE];
  if ("url" in request) {
    const route = proxyRoute(request.url, proxyPrefixOf(flags));
    if (route) return proxyDecision(docs, groups, request, route, flags);
    const read = apiRead(request.url);
    if (read) return apiReadDecision(docs, groups, request, read);
    const none: RequestBody = { kind: "none" };
    const body = request.body ?? (request.method !== undefined ? rpcBody(request.method, request.tool) : none);
    const d: AccessDecision = authorizeUrl(docs, groups, request.url, body);
    if (requestTarget(request.url).kind === "agent") return { ...d, dependsOn: [a2a], notes: agentNotes };
    // A body-less request to a server path: `initialize` at main@8c5b834b and with the generic proxy off; with it
    // on, a path that is a proxied entity is decided by its verb instead (explain --http VERB --server kind/path).
    return body.kind === "none" && d.branch !== "not-scope-checked" ? { ...d, dependsOn: [proxy] } : d;
  }
  if ("agent" in request) {
    const d = authorizeAgent(docs, groups, request.agent, request.action);
    if (request.action !== "invoke_agent") return { ...d, notes: [A2A_TOKEN_NOTE] };
    return { ...d, dependsOn: [a2a], notes: agentNotes };
  }
  if ("http" in request) {
    // PR #1628: the generic-proxy hop exists only with gateway_generic_proxy_enabled (default off).
    if (flags.gatewayGenericProxy) {
      const hop = authorize(docs, groups, request.server, request.http, undefined, { httpVerb: true });
      return { ...hop, dependsOn: [proxy] };
    }
    // Off, and at main@8c5b834b always: validate_request sees a body-less request to `/<server>`, whatever its verb.
    const url = `/${stripSlashes(request.server)}`;
    const d = authorizeUrl(docs, groups, url);
    const verb = request.http.toUpperCase();
    const why =
      `the generic gateway proxy is off, so a body-less ${verb} to ${url} is decided by validate_request ` +
      "like any body-less request";
    return { ...d, reason: `${why}: ${d.reason}`, dependsOn: [proxy] };
  }
  return authorize(docs, groups, request.server, request.method, request.tool);
}

/**
 * The server and JSON-RPC method (and tool) an MCP request names, as the gateway reads it (a URL's body as
 * validate_request reads it), or null for agent requests, the generic-proxy hop and the registry API: what a per-tool
 * block is matched against.
 */
export function mcpCallOf(request: DecisionRequest): { server: string; method: string; tool?: string } | null {
  if ("agent" in request || "http" in request) return null;
  if ("server" in request) return { server: request.server, method: request.method, tool: request.tool };
  const target = requestTarget(request.url);
  if (target.kind !== "server") return null;
  if (request.body) {
    const read = readBody(request.body);
    if (read.refused !== null || read.method === null) return null;
    return { server: target.key, method: read.method, ...(read.tool !== null ? { tool: read.tool } : {}) };
  }
  if (request.method === undefined) return null;
  return { server: target.key, method: request.method, ...(request.tool !== undefined ? { tool: request.tool } : {}) };
}

/** The server key a gateway URL names (as the auth server derives it); `api: true` when it names no MCP server. */
export function serverKeyOfUrl(url: string): { api: true } | { api: false; key: string } {
  const target = requestTarget(url);
  return target.kind === "server" ? { api: false, key: target.key } : { api: true };
}

/** A generic-proxy client URL (release 1.30.0): lib/registry/generic-proxy.ts decides it, under the switch. */
function proxyDecision(
  docs: readonly ScopeForAuth[],
  groups: readonly string[],
  request: UrlDecisionRequest,
  route: ProxyRoute,
  flags: RegistryFlags,
): AccessDecision {
  const call = { verb: request.method ?? "GET", cookie: request.cookie === true };
  const d = authorizeProxy(docs, groups, route, call, flags.gatewayGenericProxy);
  const notes = [
    ...(request.method === undefined ? ["no verb given: decided as GET"] : []),
    ...(route.keyFrom === "pattern" ? [A2A_PROXY_KEY_NOTE] : []),
    ...(request.body !== undefined ? ["the generic hop decides on the verb and key; the body is not read"] : []),
    BACKEND_CREDENTIAL_NOTE,
  ];
  return {
    ...d,
    target: route.key,
    dependsOn: [{ name: "gatewayGenericProxy", value: flags.gatewayGenericProxy }],
    notes,
  };
}

/** What answers of the registry API's own checks say besides the decision. */
export const API_READ_NOTE =
  "the registry API checks this read itself (the auth server runs no scope check on /api/*); the rule is release " +
  "1.31.0's, known from its pull request, not from code";

/** A registry API read the registry checks itself (release 1.31.0): a single skill, a virtual server's tools. */
function apiReadDecision(
  docs: readonly ScopeForAuth[],
  groups: readonly string[],
  request: UrlDecisionRequest,
  read: ApiRead,
): AccessDecision {
  if (read.kind === "skill") {
    const older = "before 1.31.0 a single skill was readable by its visibility alone (#1759)";
    return { ...authorizeSkillRead(docs, groups, read.name), notes: [API_READ_NOTE, older] };
  }
  if (request.backend === undefined || request.tool === undefined) {
    const d = authorizeUrl(docs, groups, request.url);
    const ask = "name one tool with its backend server (--backend S --tool T) to decide whether the caller sees it";
    return { ...d, notes: ["the list is filtered per caller, tool by tool (#1762)", ask] };
  }
  const requiredScopes = request.requiredScopes ?? [];
  const ask = { path: read.path, backend: request.backend, tool: request.tool, requiredScopes };
  const assumed =
    request.requiredScopes === undefined
      ? "the tool's required_scopes are the virtual server's data, not the definitions': assumed none " +
        "(give --required-scopes a,b)"
      : `the tool's required_scopes, as given: ${requiredScopes.join(", ") || "(none)"}`;
  return { ...authorizeVirtualServerTool(docs, groups, ask), notes: [API_READ_NOTE, assumed] };
}
