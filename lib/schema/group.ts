/**
 * A group (= one registry scope) as written in `groups/*.yaml|yml|json`: the registry's `import-group`
 * JSON, unchanged, plus the user guide's `servers` shorthand.
 */
import { z } from "zod";
import { AGENT_ACTIONS } from "../registry/rules";
import type * as Stored from "../registry/documents";

const nonEmpty = z.string().min(1);

/** `{server, methods, tools}`: which MCP methods and tools of one server. */
export const ServerRule = z.strictObject({
  // Empty and slash-only servers are refused by field-checks.ts, with the registry's reason (#1507).
  server: z
    .string()
    .describe(
      "MCP server path or name, e.g. `currenttime` or `/virtual/scoped-tools`; `api` is the registry's REST API",
    ),
  methods: z
    .array(nonEmpty)
    .describe("JSON-RPC methods (or HTTP verbs / path segments for `api`); `all` or `*` for every method"),
  tools: z
    .union([z.array(z.string()), z.literal("*")])
    .optional()
    .describe('tool names allowed for `tools/call`; `["*"]` for every tool'),
});

/** `{agent, actions}`: what a group may do with an A2A agent. */
export const AgentRule = z.strictObject({
  agent: nonEmpty.describe(
    "agent path, e.g. `/flight-booking`, or `all` (`*` and `/*` are stored as `all`, a missing leading `/` is added)",
  ),
  actions: z
    .array(z.enum([...AGENT_ACTIONS, "all", "*"]))
    .describe("agent actions; `all` or `*` for every action (auth_server/server.py validate_a2a_agent_access)"),
});

/**
 * `{scope_name, access_rules}`: what the registry itself appends when a server is added to a group. Its rules may
 * be server or agent rules (registry/repositories/documentdb/scope_repository.py `_flatten_server_access` splices
 * them in as they are).
 */
export const GroupedRule = z.strictObject({
  scope_name: nonEmpty,
  access_rules: z.array(z.union([ServerRule, AgentRule])),
});

/** The older nested agents form; the registry stores it but its flattener ignores it. */
export const LegacyAgentsRule = z.strictObject({
  agents: z.strictObject({
    actions: z.array(z.strictObject({ action: nonEmpty, resources: z.array(nonEmpty) })),
  }),
});

export const ServerAccessEntry = z.union([ServerRule, AgentRule, GroupedRule, LegacyAgentsRule]);

/** Chooses the rule shape by its key, so errors speak about the shape the user meant. */
export function serverAccessBranch(value: unknown): z.ZodType | null {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  if ("server" in v) return ServerRule;
  if ("agent" in v) return AgentRule;
  if ("access_rules" in v || "scope_name" in v) return GroupedRule;
  if ("agents" in v) return LegacyAgentsRule;
  return null;
}

export const ACCESS_LEVELS = ["read", "execute"] as const;

/** The user guide's shorthand; the registry ignores it, this tool converts it to `server_access`. */
export const ServerShorthand = z.strictObject({
  server_name: z.string(),
  tools: z.union([z.array(z.string()), z.literal("*")]).optional(),
  access_level: z
    .enum(ACCESS_LEVELS)
    .describe(
      "`read`: standard MCP methods without tools/call, and no tools; `execute`: with tools/call and the tools listed",
    ),
});

/**
 * Whether a group definition creates its IdP group: `create_in_idp`, else its legacy alias `create_in_keycloak`,
 * else true (the registry's import-group default); anything but `false` creates it.
 */
export function createsIdpGroup(d: { create_in_idp?: unknown; create_in_keycloak?: unknown }): boolean {
  return (d.create_in_idp ?? d.create_in_keycloak ?? true) !== false;
}

export const GroupDefinition = z
  .strictObject({
    $schema: z.string().optional().describe("editor hint; ignored"),
    scope_name: nonEmpty.describe("the scope (and IdP group) name; the document `_id`"),
    scope_type: z.string().nullish().describe("accepted for compatibility; the registry does not store it"),
    description: z.string().nullish(),
    server_access: z.array(ServerAccessEntry).nullish(),
    servers: z.array(ServerShorthand).nullish().describe("user-guide shorthand, converted to server_access"),
    group_mappings: z.array(nonEmpty).nullish().describe("IdP groups mapped to this scope; defaults to [scope_name]"),
    ui_permissions: z.record(z.string(), z.array(nonEmpty)).nullish().describe('UI action → resources or ["all"]'),
    agent_access: z.array(nonEmpty).nullish(),
    create_in_idp: z.boolean().nullish().describe("create the IdP group (default true, as in import-group)"),
    create_in_keycloak: z.boolean().nullish().describe("legacy alias of create_in_idp"),
    custom_scopes: z.array(z.string()).nullish().describe("accepted for compatibility; the registry ignores it"),
    owners: z
      .array(nonEmpty)
      .min(1)
      .nullish()
      .describe(
        "who approves changes to this group (usernames, emails or code-host handles); not stored in the registry",
      ),
  })
  .describe("An MCP Gateway Registry group: one scope document and, optionally, one IdP group");

export type GroupDefinition = z.infer<typeof GroupDefinition>;
export type ServerRule = z.infer<typeof ServerRule>;
export type AgentRule = z.infer<typeof AgentRule>;
export type ServerAccessEntry = z.infer<typeof ServerAccessEntry>;

/** Both ways assignable: the parsed rules are the registry's stored shapes (lib/registry/documents.ts). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const PARSED_AS_STORED: Same<ServerAccessEntry, Stored.ServerAccessEntry> &
  Same<ServerRule, Stored.ServerRule> &
  Same<AgentRule, Stored.AgentRule> = true;
void PARSED_AS_STORED;
