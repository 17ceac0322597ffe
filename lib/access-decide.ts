/**
 * The one place a request of any kind is decided: `explain` and the access tests both call `decide`, so what
 * a test asserts is what `explain` shows.
 *
 * JSON-RPC requests to a named server go to `authorize` (evaluate.ts). URL, agent and HTTP requests are decided
 * by the small stand-ins below, marked as such: issue 13 brings the registry's current upstream functions
 * (server keys from URL paths, `validate_a2a_agent_access`, the generic proxy's HTTP-verb branch), which replace
 * them here without touching the callers.
 */
import { authorize, scopesForGroups, serverMatches, serverRules, type ScopeForAuth } from "./evaluate";
import { confersAdmin, isWildcard, stripSlashes } from "./registry-rules";
import type { AccessRequest, AgentRequest, HttpRequest, McpRequest, ServerAccessEntry, UrlRequest } from "./schema";

export interface AccessDecision {
  allowed: boolean;
  /** The scope whose rule decided, or null (default deny, or a path the auth server does not check). */
  scope: string | null;
  /** The rule that decided, or null. */
  rule: ServerAccessEntry | null;
  /** Why, in words. */
  reason: string;
  /** Every scope the groups map to. */
  scopes: string[];
}

/** A disabled identity gets no token, so every request is refused before any scope is read. */
export const DISABLED_DECISION: AccessDecision = { allowed: false, scope: null, rule: null, scopes: [], reason: "the identity is disabled: it gets no token" };

/** May an identity holding `groups` make `request`, as the registry decides it? */
export function decide(docs: readonly ScopeForAuth[], groups: readonly string[], request: AccessRequest): AccessDecision {
  if ("url" in request) return decideUrl(docs, groups, request);
  if ("agent" in request) return decideAgent(docs, groups, request);
  if ("http" in request) return decideHttp(docs, groups, request);
  return decideMcp(docs, groups, request);
}

function decideMcp(docs: readonly ScopeForAuth[], groups: readonly string[], r: McpRequest): AccessDecision {
  return authorize(docs, groups, r.server, r.method, r.tool);
}

// ---- Stand-ins, replaced by issue 13's functions at merge: serverKeyOfUrl, decideUrl, decideAgent, decideHttp ----

/** Path segments the gateway appends to a server's path for its transports. */
const TRANSPORT_SEGMENTS = ["mcp", "sse", "messages"];

/**
 * The server key of a gateway URL: the path without surrounding slashes and without a trailing transport
 * segment (`/fininfo/mcp` → `fininfo`); `api` for the registry's own API (`/api/...`), which the MCP rules
 * do not check.
 */
export function serverKeyOfUrl(url: string): { api: true } | { api: false; key: string } {
  const path = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? new URL(url).pathname : url.replace(/[?#].*$/, "");
  const segments = stripSlashes(path).split("/").filter(Boolean);
  if (segments[0] === "api") return { api: true };
  if (segments.length > 1 && TRANSPORT_SEGMENTS.includes(segments[segments.length - 1]!)) segments.pop();
  return { api: false, key: segments.join("/") };
}

function decideUrl(docs: readonly ScopeForAuth[], groups: readonly string[], r: UrlRequest): AccessDecision {
  const target = serverKeyOfUrl(r.url);
  if (target.api) {
    return { allowed: true, scope: null, rule: null, scopes: scopesForGroups(docs, groups).map((d) => d._id), reason: "/api/ paths are the registry's own API: the auth server does not check them against MCP scopes" };
  }
  const d = authorize(docs, groups, target.key, r.method, r.tool);
  return { ...d, reason: `${r.url} is server "${target.key}": ${d.reason}` };
}

const agentPath = (a: string) => stripSlashes(a);

/** Agent rules `{agent, actions}` of the scopes held; `all`/`*` match every agent or action; admins may do anything. */
function decideAgent(docs: readonly ScopeForAuth[], groups: readonly string[], r: AgentRequest): AccessDecision {
  const held = scopesForGroups(docs, groups);
  const scopes = held.map((d) => d._id);
  for (const doc of held) {
    const adminBy = Object.entries(doc.ui_permissions ?? {}).find(([action, grants]) => confersAdmin(action, grants));
    if (adminBy) return { allowed: true, scope: doc._id, rule: null, scopes, reason: `registry admin (ui_permissions ${adminBy[0]}: all): every agent action` };
  }
  for (const doc of held) {
    for (const rule of doc.server_access) {
      if (!("agent" in rule)) continue;
      const agentHit = isWildcard(rule.agent) || agentPath(rule.agent) === agentPath(r.agent);
      const actions: readonly string[] = rule.actions;
      if (agentHit && (actions.includes(r.action) || actions.some(isWildcard))) {
        return { allowed: true, scope: doc._id, rule, scopes, reason: `agent rule grants ${r.action} on ${rule.agent}` };
      }
    }
  }
  return { allowed: false, scope: null, rule: null, scopes, reason: held.length ? `no agent rule of ${scopes.join(", ")} grants ${r.action} on ${r.agent} (default deny)` : "no scope: none of the groups is in any scope's group_mappings (403)" };
}

/** `http:<VERB>` methods (verbs in any case) or `http:*` on a rule of the server; `all`/`*` never grant a verb. */
function decideHttp(docs: readonly ScopeForAuth[], groups: readonly string[], r: HttpRequest): AccessDecision {
  const held = scopesForGroups(docs, groups);
  const scopes = held.map((d) => d._id);
  const verb = r.http.toUpperCase();
  for (const doc of held) {
    for (const rule of serverRules(doc)) {
      if (!serverMatches(rule.server, r.server)) continue;
      const hit = rule.methods.find((m) => m.toLowerCase() === "http:*" || (m.toLowerCase().startsWith("http:") && m.slice(5).toUpperCase() === verb));
      if (hit) return { allowed: true, scope: doc._id, rule, scopes, reason: `method "${hit}" grants HTTP ${verb}` };
    }
  }
  return { allowed: false, scope: null, rule: null, scopes, reason: held.length ? `no rule of ${scopes.join(", ")} lists http:${verb} or http:* for ${r.server} (all/* do not grant HTTP verbs; default deny)` : "no scope: none of the groups is in any scope's group_mappings (403)" };
}
