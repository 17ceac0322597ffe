/**
 * Authorisation exactly as the registry's auth server decides it (`validate_server_tool_access`, contract §5.4):
 * groups → scopes through `group_mappings`, then the first rule of those scopes that grants wins; default deny.
 */
import type { ServerAccessEntry, ServerRule } from "./schema";
import { grantsEverything, stripSlashes } from "./registry-rules";

/** The fields of a scope document authorisation reads. */
export interface ScopeForAuth {
  _id: string;
  group_mappings: string[];
  server_access: ServerAccessEntry[];
  ui_permissions?: Record<string, string[]>;
}

/** A `{server, methods, tools}` rule, as the definitions' schema types it. */
export type ServerRuleForAuth = ServerRule;

export interface Decision {
  allowed: boolean;
  /** The scope whose rule granted, or null. */
  scope: string | null;
  /** The rule that granted, or null. */
  rule: ServerRuleForAuth | null;
  /** Every scope the groups map to. */
  scopes: string[];
  /** Why, in words. */
  reason: string;
}

/** `find({"group_mappings": {"$in": groups}})`. */
export function scopesForGroups<T extends ScopeForAuth>(docs: readonly T[], groups: readonly string[]): T[] {
  const set = new Set(groups);
  return docs.filter((d) => d.group_mappings.some((g) => set.has(g)));
}

/** `_flatten_server_access`: server rules, and the rules inside `{scope_name, access_rules}`; agent rules skipped. */
export function serverRules(doc: ScopeForAuth): ServerRuleForAuth[] {
  const out: ServerRuleForAuth[] = [];
  for (const e of doc.server_access) {
    if ("server" in e) out.push(e);
    else if ("access_rules" in e) out.push(...e.access_rules);
  }
  return out;
}

function listHas(list: readonly string[] | "*" | undefined, value: string): { hit: boolean; wildcard: boolean } {
  if (grantsEverything(list)) return { hit: true, wildcard: true };
  return { hit: Array.isArray(list) && list.includes(value), wildcard: false };
}

export function serverMatches(ruleServer: string, server: string): boolean {
  return ruleServer === "*" || stripSlashes(ruleServer) === stripSlashes(server);
}

/** One decision: may these groups call `method` (and `tool`, for tools/call) on `server`? */
export function authorize(docs: readonly ScopeForAuth[], groups: readonly string[], server: string, method: string, tool?: string): Decision {
  const held = scopesForGroups(docs, groups);
  const scopes = held.map((d) => d._id);
  if (held.length === 0) return { allowed: false, scope: null, rule: null, scopes, reason: "no scope: none of the groups is in any scope's group_mappings (403)" };
  for (const doc of held) {
    for (const rule of serverRules(doc)) {
      if (!serverMatches(rule.server, server)) continue;
      if (method === "tools/call") {
        const t = listHas(rule.tools, tool ?? "");
        if (tool !== undefined && t.hit) {
          return { allowed: true, scope: doc._id, rule, scopes, reason: t.wildcard ? `tools/call: every tool of "${rule.server}" (tools wildcard)` : `tools/call: tool "${tool}" is listed` };
        }
        continue;
      }
      const m = listHas(rule.methods, method);
      if (m.hit) {
        return { allowed: true, scope: doc._id, rule, scopes, reason: m.wildcard ? `method "${method}": methods wildcard` : `method "${method}" is listed` };
      }
      // Backward compatibility: a method named in `tools` is granted too.
      if (Array.isArray(rule.tools) && rule.tools.includes(method)) {
        return { allowed: true, scope: doc._id, rule, scopes, reason: `method "${method}" is listed in tools (backward-compatible rule)` };
      }
    }
  }
  return {
    allowed: false,
    scope: null,
    rule: null,
    scopes,
    reason: method === "tools/call" && tool === undefined ? "tools/call needs a tool name" : `no rule of ${scopes.join(", ")} grants it (default deny)`,
  };
}
