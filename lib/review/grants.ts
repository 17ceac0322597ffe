/**
 * Access as data: one grant of a scope document — a method or tool of a server, an agent action, a UI
 * permission — with its wildcards as flags. Produced once (effective-access.ts), compared and judged as data
 * (diff, privileged changes), and turned into text only where it is shown.
 */
import { customEntityGrant, grantsEverything, isWildcard, matchesEveryServer, stripSlashes } from "../registry/rules";

export type Grant =
  | { kind: "method"; server: string; method: string; every: { server: boolean; method: boolean } }
  | { kind: "tool"; server: string; tool: string; every: { server: boolean; tool: boolean } }
  | { kind: "agent"; agent: string; action: string; every: { agent: boolean; action: boolean } }
  | { kind: "agent_access"; action: string; every: { action: boolean } }
  | { kind: "ui"; action: string; resource: string; every: { resource: boolean } };

/** The grants of one `{server, methods, tools}` rule. */
export function serverRuleGrants(rule: {
  server: string;
  methods: readonly string[];
  tools?: readonly string[] | "*";
}): Grant[] {
  const everyServer = matchesEveryServer(rule.server);
  const server = everyServer ? "*" : stripSlashes(rule.server);
  const out: Grant[] = [];
  // auth_server/server.py validate_server_tool_access: a tools wildcard opens every method too (backward-compatible
  // branch).
  if (grantsEverything(rule.methods) || grantsEverything(rule.tools))
    out.push({ kind: "method", server, method: "*", every: { server: everyServer, method: true } });
  else
    for (const method of rule.methods)
      out.push({ kind: "method", server, method, every: { server: everyServer, method: false } });
  if (grantsEverything(rule.tools))
    out.push({ kind: "tool", server, tool: "*", every: { server: everyServer, tool: true } });
  else if (Array.isArray(rule.tools))
    for (const tool of rule.tools)
      out.push({ kind: "tool", server, tool, every: { server: everyServer, tool: false } });
  return out;
}

export function agentGrants(agent: string, actions: readonly string[]): Grant[] {
  return actions.map((action) => ({
    kind: "agent",
    agent,
    action,
    every: { agent: isWildcard(agent), action: isWildcard(action) },
  }));
}

/** A grant that opens everything of its kind: every server, method, tool, agent, action or resource. */
export function isWildcardGrant(g: Grant): boolean {
  if (g.kind === "ui" && customEntityGrant(g.action, g.resource)?.every) return true;
  return Object.values(g.every).some(Boolean);
}

/** The grant as people read it, e.g. `server currenttime: tool now`. */
export function grantText(g: Grant): string {
  switch (g.kind) {
    case "method":
    case "tool": {
      const server = g.every.server ? "every server (*)" : g.server;
      const what =
        g.kind === "method"
          ? g.every.method
            ? "every method"
            : `method ${g.method}`
          : g.every.tool
            ? "every tool"
            : `tool ${g.tool}`;
      return `server ${server}: ${what}`;
    }
    case "agent":
      return `agent ${g.every.agent ? "every agent (*)" : g.agent}: ${g.action}`;
    case "agent_access":
      return `agent access: ${g.action}`;
    case "ui": {
      // Custom-entity scopes read as what they open (custom_entity_scopes.py `resolve_list_grant`).
      const entity = customEntityGrant(g.action, g.resource);
      return entity ? `ui ${g.action}: ${entity.text}` : `ui ${g.action}: ${g.resource}`;
    }
  }
}

/** Distinct grants in a stable order (the order of their text). */
export function distinctGrants(grants: readonly Grant[]): Grant[] {
  const byText = new Map(grants.map((g) => [grantText(g), g]));
  return [...byText.keys()].sort().map((t) => byText.get(t)!);
}
