/**
 * The one place a request of any kind is decided: `explain` and the access tests both call `decide`, so what
 * a test asserts is what `explain` shows. Each kind goes to the function in evaluate.ts that mirrors the auth
 * server's own (`validate_server_tool_access`, its generic-proxy hop, `validate_a2a_agent_access`,
 * `validate_request`'s key derivation).
 */
import { authorize, authorizeAgent, authorizeUrl, type Decision, type ScopeForAuth } from "./evaluate";
import { requestTarget } from "./registry-rules";
import type { HttpRequest, McpRequest } from "./schema";

/**
 * What can be decided: the access tests' requests (`AccessRequest` is one of these), plus what `explain` may
 * leave open — a URL without a method (the auth server then takes the transport segment, else `initialize`) and
 * any agent action.
 */
export type DecisionRequest = McpRequest | HttpRequest | { url: string; method?: string; tool?: string } | { agent: string; action: string };

/** A decision, with the server key or agent path a URL request resolved to. */
export type AccessDecision = Decision & { target?: string | null };

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

/** May an identity holding `groups` make `request`, as the registry decides it? */
export function decide(docs: readonly ScopeForAuth[], groups: readonly string[], request: DecisionRequest): AccessDecision {
  if ("url" in request) return authorizeUrl(docs, groups, request.url, request.method, request.tool);
  if ("agent" in request) return authorizeAgent(docs, groups, request.agent, request.action);
  if ("http" in request) return authorize(docs, groups, request.server, request.http, undefined, { httpVerb: true });
  return authorize(docs, groups, request.server, request.method, request.tool);
}

/** The server key a gateway URL names (as the auth server derives it); `api: true` when it names no MCP server. */
export function serverKeyOfUrl(url: string): { api: true } | { api: false; key: string } {
  const target = requestTarget(url);
  return target.kind === "server" ? { api: false, key: target.key } : { api: true };
}
