/**
 * The rules of a scope document as the registry stores them (registry/repositories/documentdb/scope_repository.py;
 * auth_server/server.py reads them). The definition schemas (lib/schema/group.ts) parse to exactly these shapes, which
 * a compile-time check there holds; the registry's rules are written against these, not against the schemas.
 */
import type { AGENT_ACTIONS } from "./rules";

/** `{server, methods, tools}`: which MCP methods and tools of one server. */
export interface ServerRule {
  server: string;
  methods: string[];
  tools?: string[] | "*" | undefined;
}

/** `{agent, actions}`: what a group may do with an A2A agent. */
export interface AgentRule {
  agent: string;
  actions: Array<(typeof AGENT_ACTIONS)[number] | "all" | "*">;
}

/** `{scope_name, access_rules}`: appended by the registry when a server is added to a group. */
export interface GroupedRule {
  scope_name: string;
  access_rules: Array<ServerRule | AgentRule>;
}

/** The older nested agents form; the registry stores it but its flattener ignores it. */
export interface LegacyAgentsRule {
  agents: { actions: Array<{ action: string; resources: string[] }> };
}

export type ServerAccessEntry = ServerRule | AgentRule | GroupedRule | LegacyAgentsRule;
