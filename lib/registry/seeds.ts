/**
 * The scope documents the registry seeds itself: scripts/init-mongodb-ce.py `_load_default_scopes` upserts
 * (`$set`) the JSON files beside it on every run — registry-admins.json, mcp-registry-admin.json,
 * mcp-servers-unrestricted-read.json, mcp-servers-unrestricted-execute.json, federation-service.json — as they are
 * at main@8c5b834b. Written here as data in the files' key order, so a rendered document is the file's document.
 *
 * Which of them the bootstrap owns (writes and keeps), and why, is `BOOTSTRAP_SEEDS` below; the others are only
 * modelled, because the registry holds them whatever the stack does, and decisions must see them. They follow main @
 * 8c5b834b, read in code, plus #1732 (release 1.30.0, from its PR). The Helm chart's seeds before 1.31.0 differ
 * (#1757; lib/import/helm-seeds.ts reports them); decisions assume these.
 */
import type { RegistryFlags } from "./switches";
import { AGENT_ACTIONS, HTTP_VERB_WILDCARD, STANDARD_METHODS } from "./rules";
import type { ServerAccessEntry } from "./documents";

/** A seed as its file holds it: `_id`, `group_mappings`, `server_access`, then `ui_permissions` when it has one. */
export interface SeedDocument {
  _id: string;
  group_mappings: string[];
  server_access: ServerAccessEntry[];
  ui_permissions?: Record<string, string[]>;
}

const all = () => ["all"];

/** The 22 UI actions registry-admins.json and mcp-registry-admin.json grant `["all"]`, in the files' order. */
export const ADMIN_SEED_UI_ACTIONS = [
  "list_agents",
  "get_agent",
  "publish_agent",
  "modify_agent",
  "delete_agent",
  "toggle_agent",
  "list_skills",
  "publish_skill",
  "modify_skill",
  "delete_skill",
  "toggle_skill",
  "list_service",
  "register_service",
  "health_check_service",
  "toggle_service",
  "modify_service",
  "change_lifecycle_status",
  "delete_service",
  "list_virtual_server",
  "create_virtual_server",
  "modify_virtual_server",
  "delete_virtual_server",
] as const;

const adminUi = () => Object.fromEntries(ADMIN_SEED_UI_ACTIONS.map((a) => [a, all()]));
const everyAgent = (): ServerAccessEntry => ({ agent: "*", actions: [...AGENT_ACTIONS] });

/**
 * The rule PR #1732 (merged 2026-09-07, after the archive) adds to registry-admins.json so admins pass the
 * generic-proxy hop (#1628), where `all` never grants a verb. Rendered only with `gatewayGenericProxy` on: the
 * archive's auth server has no verb hop, and its seed file has no such rule. Its position (after the first rule)
 * is ours; the order of rules changes no decision.
 */
export const ADMIN_SEED_HTTP_RULE = (): ServerAccessEntry => ({
  server: "*",
  methods: [HTTP_VERB_WILDCARD],
  tools: [],
});

/** scripts/registry-admins.json (main@8c5b834b), plus #1732's rule with the generic proxy on. */
export function registryAdminsSeed(flags: Pick<RegistryFlags, "gatewayGenericProxy">): SeedDocument {
  const first: ServerAccessEntry = { server: "*", methods: ["all"], tools: ["all"] };
  return {
    _id: "registry-admins",
    group_mappings: ["registry-admins"],
    server_access: flags.gatewayGenericProxy ? [first, ADMIN_SEED_HTTP_RULE(), everyAgent()] : [first, everyAgent()],
    ui_permissions: adminUi(),
  };
}

/** scripts/mcp-registry-admin.json: its `api` rule has no `tools` key (upstream's own legacy shape). */
export function mcpRegistryAdminSeed(): SeedDocument {
  return {
    _id: "mcp-registry-admin",
    group_mappings: ["mcp-registry-admin"],
    server_access: [
      { server: "*", methods: ["all"], tools: ["all"] },
      { server: "api", methods: ["tokens", "GET", "POST"] },
      everyAgent(),
    ],
    ui_permissions: adminUi(),
  };
}

/** scripts/mcp-servers-unrestricted-read.json: mapped to both admin groups since #1584; `tools` is the string "*". */
export function unrestrictedReadSeed(): SeedDocument {
  return {
    _id: "mcp-servers-unrestricted/read",
    group_mappings: ["registry-admins", "mcp-registry-admin"],
    server_access: [
      { server: "*", methods: [...STANDARD_METHODS, "GET"], tools: "*" },
      { server: "api", methods: ["tokens", "GET"] },
    ],
  };
}

/** scripts/mcp-servers-unrestricted-execute.json. */
export function unrestrictedExecuteSeed(): SeedDocument {
  return {
    _id: "mcp-servers-unrestricted/execute",
    group_mappings: ["registry-admins", "mcp-registry-admin"],
    server_access: [
      { server: "*", methods: [...STANDARD_METHODS, "GET", "POST", "PUT", "DELETE"], tools: "*" },
      { server: "api", methods: ["tokens", "GET", "POST"] },
    ],
  };
}

/** scripts/federation-service.json: still the nested `agents` block, which `_flatten_server_access` skips. */
export function federationServiceSeed(): SeedDocument {
  return {
    _id: "federation-service",
    group_mappings: ["federation-service"],
    server_access: [
      { server: "api", methods: ["initialize", "GET"] },
      {
        agents: {
          actions: [
            { action: "list_agents", resources: all() },
            { action: "get_agent", resources: all() },
          ],
        },
      },
    ],
    ui_permissions: { list_agents: all(), get_agent: all(), list_service: all(), health_check_service: all() },
  };
}

/**
 * The seeds the bootstrap owns (`bootstrap: true`): registry-admins, and the two unrestricted scopes that map the
 * registry-admins group (#1584), so the stack's admins hold exactly what the registry's seed gives them. Not
 * mcp-registry-admin (the registry itself writes into it: creating a custom entity type merges its four scopes
 * there, so a stack keeping it would fight the registry; its group is not one the bootstrap creates), nor
 * federation-service (the federation setup's client and group, not the bootstrap's).
 */
export const BOOTSTRAP_SEEDS = [
  "registry-admins",
  "mcp-servers-unrestricted/read",
  "mcp-servers-unrestricted/execute",
] as const;

/**
 * The `_id`s of the five seeds. Whatever the stack does, the registry writes them: init-mongodb-ce.py `$set`s each on
 * every run, and from release 1.31.0 Helm runs it on every install and upgrade (#1757, the mongodb-configure Job as
 * a post-install,post-upgrade hook: charts/mongodb-configure/tests/job_hook_test.yaml @ 50add746). A document of
 * the stack's under one of these names would be rewritten under it; only the bootstrap's own are the stack's.
 */
export const REGISTRY_SEED_IDS = [
  "registry-admins",
  "mcp-registry-admin",
  "mcp-servers-unrestricted/read",
  "mcp-servers-unrestricted/execute",
  "federation-service",
] as const;

/** Every seed, in init-mongodb-ce.py's order. */
export function registrySeeds(flags: Pick<RegistryFlags, "gatewayGenericProxy">): SeedDocument[] {
  return [
    registryAdminsSeed(flags),
    mcpRegistryAdminSeed(),
    unrestrictedReadSeed(),
    unrestrictedExecuteSeed(),
    federationServiceSeed(),
  ];
}
