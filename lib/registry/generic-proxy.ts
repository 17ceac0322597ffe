/**
 * The generic gateway proxy as released in 1.30.0 ("Gateway for Any Resource", #1565: #1628, #1691, #1701): a client
 * URL `/{GATEWAY_PROXY_PREFIX}/{type}/{name}/...` is authorised on the key `{entity_type}/{registered_path}`, by its
 * HTTP verb. The verb hop itself (`validate_server_tool_access` with is_http_verb=True) was read in
 * auth_server/server.py @ 046eec7 and is `authorize(..., { httpVerb: true })`; the client URL, the CSRF gate and the
 * backend-credential headers are known only from the release's documents (docs/gateway-proxy-operational-guide.md @
 * 093ef9d1, docs/design/gateway-generic-proxy.md @ 75f2ec15), not from code: the auth server of that release is not
 * reachable. The vendored auth server (8c5b834b) predates all of it.
 */
import { authorize, DECIDED_BY, scopesForGroups, type Decision, type ScopeForAuth } from "./evaluate";
import { CUSTOM_TYPE_NAME, HTTP_VERBS, requestPath } from "./rules";

/** A client URL of the generic proxy, and the authorisation key the auth server checks for it. */
export interface ProxyRoute {
  /** The URL's type segment (singular: `skill`, `a2a_agent`, a custom type). */
  entityType: string;
  /** The entity's name (a custom record's uuid). */
  name: string;
  /** `{entity_type}/{registered_path}`, e.g. `skill/skills/pdf`. */
  key: string;
  /** `documented`: upstream's documents give this key; `pattern`: it follows their pattern, not verified. */
  keyFrom: "documented" | "pattern";
}

/**
 * The key of a client URL. docs/gateway-proxy-operational-guide.md @ 093ef9d1 ("Registering a route", "Authorizing
 * callers"): skill `pdf` → registry path `/skills/pdf`, client URL `/gateway/skill/pdf/`, key `skill/skills/pdf`; a
 * custom record → `/rest-endpoint/<uuid>`, `/gateway/rest-endpoint/<uuid>/`, key `rest-endpoint/rest-endpoint/<uuid>`;
 * an A2A agent → `/agents/<name>`, `/gateway/a2a_agent/<name>/` — its key `a2a_agent/agents/<name>` only follows that
 * pattern (the documents never state it; not verified in code). A type segment that is no custom type's name
 * (registry/schemas/custom_entity_models.py TYPE_NAME_PATTERN) names no route. Whatever follows the name travels to
 * the backend and does not change the key.
 */
export function proxyRoute(url: string, prefix: string, rootPath = ""): ProxyRoute | null {
  const parts = requestPath(url, rootPath).split("/");
  if (parts.length < 3 || parts[0] !== prefix) return null;
  const [, entityType, name] = parts as [string, string, string];
  if (name === "") return null;
  if (entityType === "skill") return { entityType, name, key: `skill/skills/${name}`, keyFrom: "documented" };
  if (entityType === "a2a_agent") return { entityType, name, key: `a2a_agent/agents/${name}`, keyFrom: "pattern" };
  if (!CUSTOM_TYPE_NAME.test(entityType)) return null;
  return { entityType, name, key: `${entityType}/${entityType}/${name}`, keyFrom: "documented" };
}

/** The verbs the CSRF gate refuses under session-cookie auth (docs/design/gateway-generic-proxy.md @ 75f2ec15). */
export const STATE_CHANGING_VERBS: ReadonlySet<string> = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** The A2A agents' key, said wherever it decides: it is not verified. */
export const A2A_PROXY_KEY_NOTE =
  "the key a2a_agent/agents/<name> follows the pattern of upstream's documents (skill/skills/<name>, " +
  "<type>/<type>/<uuid>); they never state it for agents, and no code of release 1.30.0 was read to verify it";

/**
 * The backend-credential headers on the generic proxy (docs/gateway-proxy-operational-guide.md @ 093ef9d1, release
 * 1.30.0): a note, not a decision input.
 */
export const BACKEND_CREDENTIAL_NOTE =
  "when the backend credential is the caller's own (auth passthrough), the gateway token goes in X-Authorization " +
  "and the backend's key in Authorization; the same value in both headers is refused (401)";

/** The generic proxy's request: the verb, and whether the caller signs in with the session cookie (not Bearer). */
export interface ProxyCall {
  verb: string;
  cookie: boolean;
}

function refused(docs: readonly ScopeForAuth[], groups: readonly string[], fields: Partial<Decision>): Decision {
  const scopes = scopesForGroups(docs, groups).map((d) => d._id);
  return {
    allowed: false,
    scope: null,
    rule: null,
    scopes,
    branch: "default-deny",
    decidedBy: "",
    reason: "",
    ...fields,
  };
}

/**
 * One generic-proxy request, in the order of docs/design/gateway-generic-proxy.md @ 75f2ec15 ("/validate (the authz
 * brain)"): no route without the switch; then the CSRF gate (`gateway_generic_require_bearer_for_writes`: a
 * state-changing verb under cookie auth → 403 before any scope is read; Bearer callers exempt); then the verb on the
 * key — the one verb hop of evaluate.ts (`all`/`*` grant no verb, `http:*` every verb, else the verb listed).
 */
export function authorizeProxy(
  docs: readonly ScopeForAuth[],
  groups: readonly string[],
  route: ProxyRoute,
  call: ProxyCall,
  enabled: boolean,
): Decision {
  const verb = call.verb.toUpperCase();
  const decidedBy = DECIDED_BY.proxy;
  if (!enabled) {
    const reason =
      `with the generic proxy off no gateway location serves this client URL (key ${route.key}): the request ` +
      "never reaches the auth server, and nginx falls through to the registry's web UI (200 text/html, upstream's " +
      "operational guide)";
    return refused(docs, groups, { branch: "not-routed", decidedBy, reason });
  }
  if (!HTTP_VERBS.has(verb)) {
    const reason = `the generic proxy decides HTTP verbs (${[...HTTP_VERBS].join(", ")}); "${call.verb}" is none`;
    return refused(docs, groups, { decidedBy, reason });
  }
  if (call.cookie && STATE_CHANGING_VERBS.has(verb)) {
    const reason =
      `${verb} under session-cookie auth: the CSRF gate (gateway_generic_require_bearer_for_writes) refuses a ` +
      "state-changing verb before any scope is read; a Bearer token is exempt";
    return refused(docs, groups, { branch: "csrf-refused", decidedBy, reason, status: 403 });
  }
  const d = authorize(docs, groups, route.key, verb, undefined, { httpVerb: true });
  return { ...d, decidedBy, reason: `client URL → key ${route.key}; ${d.reason}` };
}
