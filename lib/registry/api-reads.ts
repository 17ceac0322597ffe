/**
 * Reads of the registry API (`/api/...`) that the registry itself checks against the caller's scopes (the auth
 * server runs no scope check there): a single skill (release 1.31.0, #1759) and a virtual server's tool list
 * (release 1.31.0, #1762). The checks they call — `user_has_asset_permission`, `_user_is_admin`,
 * `resolve_scope_access`, `filter_tools_for_user` — were read in code at 8c5b834b; which routes call them, and the
 * `required_scopes` filter, are known from the PRs' text only (no source of 1.31.0 is reachable).
 */
import { DECIDED_BY, scopesForGroups, serverRules, type Decision, type ScopeForAuth } from "./evaluate";
import { confersAdmin, requestPath, stripSlashes, type StoredList } from "./rules";

/** A registry API read this module decides. */
export type ApiRead = { kind: "skill"; name: string; route: string } | { kind: "virtual-server-tools"; path: string };

/** The single-skill routes #1759 gates (`GET /api/skills/{path}` and its sub-resources, the rating write). */
const SKILL_SUBROUTES = new Set(["content", "integrity", "health", "tools", "rating", "security-scan"]);

/**
 * The API read a URL names, or null. `/api/skills/<path>[/<sub>]` is one skill (its name is the path's last segment:
 * skills are registered at `/skills/<name>`); `/api/skills` and `/api/skills/search` are listings, not one skill.
 * `/api/virtual-servers/<path>/tools` is a virtual server's tool list.
 */
export function apiRead(url: string): ApiRead | null {
  const parts = requestPath(url).split("/");
  if (parts[0] !== "api" || parts.length < 3) return null;
  if (parts[1] === "skills") {
    const rest = parts.slice(2).filter((p) => p !== "");
    if (rest.length > 1 && SKILL_SUBROUTES.has(rest[rest.length - 1]!)) rest.pop();
    if (rest.length === 0 || (rest.length === 1 && rest[0] === "search")) return null;
    return { kind: "skill", name: rest[rest.length - 1]!, route: `/api/skills/${parts.slice(2).join("/")}` };
  }
  if (parts[1] === "virtual-servers" && parts.length >= 4 && parts[parts.length - 1] === "tools") {
    return { kind: "virtual-server-tools", path: `/${parts.slice(2, -1).join("/")}` };
  }
  return null;
}

/**
 * registry/auth/dependencies.py `get_ui_permissions_for_user` (8c5b834b): the held scopes' `ui_permissions`,
 * merged — a list with `all` becomes `["all"]`, other lists are unioned.
 */
export function mergedUiPermissions(held: readonly ScopeForAuth[]): Record<string, string[]> {
  const out = new Map<string, Set<string>>();
  for (const doc of held) {
    for (const [action, items] of Object.entries(doc.ui_permissions ?? {})) {
      const set = out.get(action) ?? out.set(action, new Set()).get(action)!;
      if (!Array.isArray(items)) continue;
      if (items.includes("all")) set.add("all");
      else for (const i of items) set.add(i);
    }
  }
  return Object.fromEntries([...out].map(([k, v]) => [k, [...v]]));
}

/** registry/auth/dependencies.py `_user_is_admin` (8c5b834b): a mutating action granted `all` (rules.ts). */
export function isRegistryAdmin(ui: Readonly<Record<string, readonly string[]>>): boolean {
  return Object.entries(ui).some(([action, items]) => confersAdmin(action, items));
}

/**
 * Reading one skill (release 1.31.0, #1759): registry/auth/asset_permissions.py `user_has_asset_permission("skill",
 * "list", name)` (8c5b834b) — an admin passes; otherwise `list_skills` must hold `all` or the skill's name — and
 * only then the skill's visibility (public, private to its owner, or its groups), which is skill data the
 * definitions do not hold.
 */
export function authorizeSkillRead(docs: readonly ScopeForAuth[], groups: readonly string[], name: string): Decision {
  const held = scopesForGroups(docs, groups);
  const scopes = held.map((d) => d._id);
  const ui = mergedUiPermissions(held);
  const decidedBy = DECIDED_BY.skill;
  const base = { rule: null, scopes, decidedBy };
  if (isRegistryAdmin(ui)) {
    const reason = "a registry admin (_user_is_admin: a mutating UI action granted all) reads every skill";
    return { ...base, allowed: true, scope: null, branch: "registry-admin", reason };
  }
  const grants = ui.list_skills ?? [];
  const hit = grants.includes("all") ? "all" : grants.includes(name) ? name : null;
  if (hit === null) {
    const reason =
      `list_skills ${grants.length ? `holds ${grants.join(", ")}, not` : "is not granted, so it does not cover"} ` +
      `skill "${name}": since #1759 every single-skill read needs it, before visibility — a public skill too (403)`;
    return { ...base, allowed: false, scope: null, branch: "ui-permission", reason, status: 403 };
  }
  const scope = held.find((d) => (d.ui_permissions?.list_skills ?? []).includes(hit))?._id ?? null;
  const reason =
    `list_skills grants "${hit}", so the discovery gate passes; the skill's visibility (public, its owner, or its ` +
    "allowed groups) decides next, and the definitions do not hold it";
  return { ...base, allowed: true, scope, branch: "ui-permission", reason };
}

/** A virtual server's tool, as the caller asks about it: the backend server it maps to, and its required scopes. */
export interface VirtualServerTool {
  path: string;
  backend: string;
  tool: string;
  /** The tool's `required_scopes` (server data the definitions do not hold); empty when not given. */
  requiredScopes: readonly string[];
}

/** What resolve_scope_access reads of a rule's `tools` (8c5b834b): `*`, a set of names, or none (fail closed). */
function toolAllowlist(tools: StoredList): "*" | Set<string> {
  // A bare string is the wildcard only when it IS "*"/"all"; any other string is one tool name (exact, unlike the
  // auth server's substring test); missing, null or anything else allows no tool.
  if (typeof tools === "string") return tools === "*" || tools === "all" ? "*" : new Set([tools]);
  if (!Array.isArray(tools)) return new Set();
  return tools.some((t) => t === "*" || t === "all") ? "*" : new Set(tools);
}

/** registry/auth/access_resolver.py `resolve_scope_access` (8c5b834b): the caller's servers and tool allowlists. */
function scopeAccess(held: readonly ScopeForAuth[]): { everyServer: boolean; tools: Map<string, "*" | Set<string>> } {
  let everyServer = false;
  const tools = new Map<string, "*" | Set<string>>();
  for (const doc of held) {
    for (const rule of serverRules(doc)) {
      // `str(server_name) in ("all", "*")`: compared raw, unlike the auth server's strip("/").
      if (rule.server === "*" || rule.server === "all") everyServer = true;
      if (everyServer || !rule.server) continue;
      const key = stripSlashes(rule.server);
      const before = tools.get(key);
      const next = toolAllowlist(rule.tools);
      if (before === "*" || next === "*") tools.set(key, "*");
      else tools.set(key, new Set([...(before ?? []), ...next]));
    }
  }
  return { everyServer, tools };
}

/**
 * One tool of `GET /api/virtual-servers/{path}/tools` (release 1.31.0, #1762, from its text): a registry admin or a
 * cross-server wildcard sees every tool; otherwise the backend must be one of the caller's servers, the tool must be
 * in that server's allowlist (registry/auth/tool_filter.py `filter_tools_for_user`, 8c5b834b: a missing or empty
 * allowlist hides every tool), and the caller must hold every scope of the tool's `required_scopes` (fail closed).
 */
export function authorizeVirtualServerTool(
  docs: readonly ScopeForAuth[],
  groups: readonly string[],
  ask: VirtualServerTool,
): Decision {
  const held = scopesForGroups(docs, groups);
  const scopes = held.map((d) => d._id);
  const base = { rule: null, scope: null, scopes, decidedBy: DECIDED_BY.virtualServerTool };
  const what = `tool "${ask.tool}" of backend "${ask.backend}" in virtual server ${ask.path}`;
  const access = scopeAccess(held);
  if (isRegistryAdmin(mergedUiPermissions(held)) || access.everyServer) {
    const why = access.everyServer ? "a server: * rule (cross-server wildcard)" : "a registry admin";
    const reason = `${what}: listed — ${why} sees every tool, required_scopes included`;
    return { ...base, allowed: true, branch: "virtual-server-tool", reason };
  }
  const allow = access.tools.get(stripSlashes(ask.backend));
  const missing = ask.requiredScopes.filter((s) => !scopes.includes(s));
  const problem =
    allow === undefined
      ? `no rule of the caller's scopes names the backend "${ask.backend}", so the backend is dropped`
      : allow !== "*" && !allow.has(ask.tool)
        ? `the tool is not in the backend's allowlist (${[...allow].join(", ") || "empty: every tool hidden"})`
        : missing.length
          ? `the tool's required_scopes ${missing.join(", ")} are not among the caller's scopes (fail closed)`
          : null;
  if (problem)
    return { ...base, allowed: false, branch: "virtual-server-tool", reason: `${what}: hidden — ${problem}` };
  const reason = `${what}: listed — the backend is the caller's, the tool in its allowlist, required_scopes held`;
  return { ...base, allowed: true, branch: "virtual-server-tool", reason };
}
