/**
 * The access model: definitions normalised and cross-checked. Everything downstream (registry documents,
 * IdP components, explain, diff) reads this, never the raw files.
 */
import { BOOTSTRAP_SEEDS, REGISTRY_SEED_IDS } from "../registry/seeds";
import { REGISTRY_DEFAULTS, type RegistryFlags } from "../registry/switches";
import type { Diagnostic, FieldPath } from "../errors/diagnostics";
import { sortDiagnostics } from "../errors/diagnostics";
import { ModelDiagnostics, where } from "./diagnostics";
import type { Definitions, Located } from "../load/definitions";
import { MAX_FILE_DIAGNOSTICS } from "../load/repository";
import {
  ADMIN_GROUP_MARKERS,
  BOOTSTRAP_ADMIN_GROUP,
  PRIVILEGED_SCOPE_NAMES,
  accessLevelMethods,
  confersAdmin,
  isRegistryApiPath,
  CUSTOM_TYPE_NAME,
  customEntityGrantProblem,
  customEntityScope,
  isKnownUiAction,
  isWildcard,
  grantsEverything,
  MCP_METHODS,
  UI_ACTIONS,
  normalizeAgentPath,
  isHttpMethodToken,
  HTTP_VERB_WILDCARD,
  stripSlashes,
} from "../registry/rules";
import type { IdentityProvider } from "../registry/rules";
import type {
  AgentRule,
  GroupDefinition,
  M2MDefinition,
  ServerAccessEntry,
  ServerRule,
  UserDefinition,
} from "../schema";
import { suggest } from "../schema/issues";
import { createsIdpGroup } from "../schema/group";
import { DEFAULT_BOOTSTRAP_ADMIN_EMAIL, DEFAULT_BOOTSTRAP_ADMIN_USERNAME } from "../settings/stack";
import type { RateLimitModel } from "./rate-limit-types";
import type { BrokeredProvider } from "./identity-provider-types";
import type { ToolBlock } from "../registry/tool-blocks";
import { byCodeUnit } from "../errors/order";

export interface ScopeGroup {
  /** The scope name: document `_id` and, when `createInIdp`, the IdP group name. */
  name: string;
  description: string;
  serverAccess: ServerAccessEntry[];
  groupMappings: string[];
  uiPermissions: Record<string, string[]>;
  agentAccess: string[];
  createInIdp: boolean;
  /** True when the `servers` shorthand was converted into `serverAccess`. */
  fromShorthand: boolean;
  /** Who approves changes (not part of the registry document). */
  owners: string[];
  file: string;
}

export interface HumanUser {
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  groups: string[];
  enabled: boolean;
  /** Declared `email_verified`; undefined leaves Keycloak's value as it is. */
  emailVerified?: boolean;
  file: string;
}

export interface M2MAccount {
  /** The OAuth2 client id. */
  name: string;
  description: string | null;
  groups: string[];
  enabled: boolean;
  file: string;
}

export interface ModelOptions {
  /** The stack manages the registry bootstrap (realm, `registry-admins` group and scope). */
  bootstrap?: boolean;
  /** IdP groups that exist already and may be referenced without being defined here. */
  existingGroups?: readonly string[];
  /** The bootstrap admin user the stack creates with `bootstrap` (default `admin`, `admin@example.com`). */
  bootstrapAdminUsername?: string;
  bootstrapAdminEmail?: string;
  /** The groups the bootstrap admin is in (default `registry-admins`); each may be joined like an existing group. */
  bootstrapAdminGroups?: readonly string[];
  /** The identity provider the definitions are applied to (default Keycloak). */
  identityProvider?: IdentityProvider;
  /** The registry's feature switches as resolved (mcp-access.yaml, then the stack); upstream's defaults if absent. */
  registryFlags?: RegistryFlags;
}

/** The OAuth scopes Keycloak and Entra put in a token's `scope` claim by default. */
const TOKEN_SCOPE_NAMES: readonly string[] = [
  "openid",
  "profile",
  "email",
  "roles",
  "web-origins",
  "acr",
  "basic",
  "offline_access",
  "address",
  "phone",
  "microprofile-jwt",
  "organization",
];

/** Agent actions that change or remove agents: on `*`, every agent of the registry. */
const DESTRUCTIVE_AGENT_ACTIONS = ["delete_agent", "modify_agent", "toggle_agent"];

/**
 * The model as `buildModel` (lib/model/build.ts) returns it is frozen, deeply: what reads it (rendering, the
 * review, the rendered documents `authScopes` keeps per model) may rely on it never changing.
 */
export interface AccessModel {
  readonly groups: readonly ScopeGroup[];
  readonly users: readonly HumanUser[];
  readonly m2m: readonly M2MAccount[];
  readonly bootstrap: boolean;
  /** The admin user the stack creates with bootstrap (a member of registry-admins); null without bootstrap. */
  readonly bootstrapAdmin: {
    readonly username: string;
    readonly email: string;
    readonly groups: readonly string[];
  } | null;
  /** Groups that may be joined without being defined in groups/ (bootstrap and existing ones). */
  readonly externalGroups: readonly string[];
  /** The registry's feature switches the model is decided and rendered with (absent: upstream's defaults). */
  readonly registry?: Readonly<RegistryFlags>;
  /** Rate limits and quarantine (rate-limits/ and the identities' rate_limit_groups). */
  readonly rateLimits?: RateLimitModel;
  /** Corporate IdPs brokered through Keycloak (identity-providers/). */
  readonly identityProviders?: readonly BrokeredProvider[];
  /** Tools nobody may call, as declared in tool-blocks/ (absent: none declared). */
  readonly toolBlocks?: readonly ToolBlock[];
}

export interface ModelResult {
  model: AccessModel;
  diagnostics: Diagnostic[];
}

/**
 * The `servers` shorthand as rules. `read` is the standard methods without tools/call and no tools: the registry
 * filters tools/list by the tools/call decision (auth_server/server.py `filter_tools_list_response`), so a tool a
 * member may see is a tool the member may call.
 */
function convertShorthand(def: GroupDefinition): ServerAccessEntry[] {
  return (def.servers ?? []).map((s) => {
    const execute = s.access_level === "execute";
    const rule: ServerAccessEntry = {
      server: s.server_name,
      methods: accessLevelMethods(s.access_level),
    };
    // `tools: []` for read (and an execute without tools): the same grant as no key, but auth_server/server.py
    // `_audit_legacy_scopes_on_startup` flags a rule without `tools` as a legacy shape on every start.
    rule.tools = execute && s.tools !== undefined ? (Array.isArray(s.tools) ? [...s.tools] : s.tools) : [];
    return rule;
  });
}

/**
 * A server_access entry as the registry stores it: as written. The registry normalises agent paths only in
 * `agent_access` and the agent UI permissions (management_routes.py `_normalize_agent_paths_in_scope_config`);
 * `{agent, actions}` rules keep their `agent` — its own seed stores `agent: "*"`.
 */
function normalizeEntry(entry: ServerAccessEntry): ServerAccessEntry {
  return entry;
}

/** A group definition as the model holds it: defaults applied, lists copied; its problems are checkGroup's. */
function normaliseGroup(loc: Located<GroupDefinition>): ScopeGroup {
  const d = loc.value;
  return {
    name: d.scope_name,
    description: d.description ?? "",
    serverAccess: [...(d.server_access ?? []).map(normalizeEntry), ...convertShorthand(d)],
    groupMappings: d.group_mappings ? [...d.group_mappings] : [d.scope_name],
    uiPermissions: d.ui_permissions
      ? Object.fromEntries(Object.entries(d.ui_permissions).map(([action, grants]) => [action, [...grants]]))
      : { list_service: [] },
    agentAccess: d.agent_access ? [...d.agent_access] : [],
    createInIdp: createsIdpGroup(d),
    fromShorthand: (d.servers ?? []).length > 0,
    owners: [...(d.owners ?? [])],
    file: loc.source.file,
  };
}

/** Checks a group definition, in the order of its fields (the per-file cap keeps the first ones), and normalises it. */
function checkGroup(c: ModelDiagnostics, loc: Located<GroupDefinition>, bootstrap: boolean): ScopeGroup {
  checkGroupHeader(c, loc, bootstrap);
  checkServerAccess(c, loc);
  checkShorthand(c, loc);
  checkUiPermissions(c, loc);
  return normaliseGroup(loc);
}

/** The group's name and flags: aliases that contradict, names the registry or tokens already use, ignored keys. */
function checkGroupHeader(c: ModelDiagnostics, loc: Located<GroupDefinition>, bootstrap: boolean): void {
  const d = loc.value;
  if (d.create_in_idp != null && d.create_in_keycloak != null && d.create_in_idp !== d.create_in_keycloak) {
    c.error(
      loc,
      ["create_in_keycloak"],
      "create_in_keycloak (legacy alias) contradicts create_in_idp; keep only create_in_idp",
      true,
    );
  }
  if ((BOOTSTRAP_SEEDS as readonly string[]).includes(d.scope_name) && bootstrap) {
    const what = d.scope_name === BOOTSTRAP_ADMIN_GROUP ? "the bootstrap admin group" : "a registry seed scope";
    const fix = "remove this file or turn bootstrap off";
    c.error(loc, ["scope_name"], `"${d.scope_name}" is ${what} the stack manages (bootstrap: true); ${fix}`);
  } else if ((REGISTRY_SEED_IDS as readonly string[]).includes(d.scope_name)) {
    // The registry rewrites it (seeds.ts REGISTRY_SEED_IDS): the stack's document would conflict on every rewrite.
    c.error(
      loc,
      ["scope_name"],
      `"${d.scope_name}" is a seed scope the registry writes itself (init-mongodb-ce.py, on every init run and, ` +
        `from release 1.31.0, every helm upgrade): the stack never writes it; give this group a name of its own` +
        ((BOOTSTRAP_SEEDS as readonly string[]).includes(d.scope_name) ? ", or let bootstrap: true own it" : ""),
    );
  } else if ((PRIVILEGED_SCOPE_NAMES as readonly string[]).includes(d.scope_name)) {
    c.warn(
      loc,
      ["scope_name"],
      `"${d.scope_name}" is a privileged scope name in the registry: the registry's own import ` +
        `refuses it unless an admin allows privileged writes; check this group is meant to grant admin-level access`,
    );
  }
  if (TOKEN_SCOPE_NAMES.includes(d.scope_name)) {
    // validate_request: a Keycloak/Entra token without groups is judged by its `scope` claim (providers/keycloak.py
    // `validate_token` → "scopes"), whose values are then looked up as scope documents by name.
    c.warn(
      loc,
      ["scope_name"],
      `scope_name "${d.scope_name}" is also an OAuth scope tokens carry ("scope": "openid profile ` +
        `email"): the auth server judges a token that carries no groups by those values, so every ` +
        `token without groups would hold this scope; rename the group`,
    );
  }
  if (d.scope_type != null) {
    c.warn(
      loc,
      ["scope_type"],
      `scope_type is accepted for compatibility but the registry does not store it (scope documents ` +
        `always have scope_type "group")`,
      true,
    );
  }
  if (d.custom_scopes != null) {
    c.warn(
      loc,
      ["custom_scopes"],
      "custom_scopes is accepted for compatibility but the registry ignores it; it is not stored",
      true,
    );
  }
}

function checkAgentRule(c: ModelDiagnostics, loc: Located<unknown>, rule: AgentRule, path: FieldPath): void {
  // auth_server/server.py validate_a2a_agent_access compares the rule's agent as stored: `*`/`all`, or equal to
  // the request's agent path, which always starts with "/" (`_get_a2a_agent_path`).
  const wildcard = isWildcard(rule.agent);
  if (!wildcard) {
    const meant = normalizeAgentPath(rule.agent);
    const why =
      meant === "all"
        ? `"${rule.agent}" is not an agent wildcard in server_access (only "*" and "all" are)`
        : `agent "${rule.agent}" never matches: agent paths of A2A requests start with "/"`;
    if (meant !== rule.agent) {
      const asWritten =
        "the registry stores server_access rules as written (validate_a2a_agent_access compares them raw)";
      c.warn(loc, [...path, "agent"], `${why}, and ${asWritten}; write "${meant === "all" ? "*" : meant}"`);
    }
  }
  const stored = wildcard ? "all" : rule.agent;
  const destructive = rule.actions.some(isWildcard)
    ? ["every action"]
    : rule.actions.filter((a) => DESTRUCTIVE_AGENT_ACTIONS.includes(a));
  if (stored === "all" && destructive.length) {
    c.warn(
      loc,
      [...path, "actions"],
      `agent "${rule.agent}" with ${destructive.join(", ")} lets every member change or remove ` +
        `every agent of the registry; name the agents instead`,
    );
  }
}

/** Each server_access entry: its server rules, its agent rules, and the nested form the registry ignores. */
function checkServerAccess(c: ModelDiagnostics, loc: Located<GroupDefinition>): void {
  (loc.value.server_access ?? []).forEach((entry, i) => {
    const rules: Array<{ rule: ServerRule; path: Array<string | number> }> = [];
    if ("server" in entry) rules.push({ rule: entry, path: ["server_access", i] });
    else if ("access_rules" in entry) {
      entry.access_rules.forEach((r, j) => {
        const path = ["server_access", i, "access_rules", j];
        if ("agent" in r) checkAgentRule(c, loc, r, path);
        else rules.push({ rule: r, path });
      });
    } else if ("agent" in entry) checkAgentRule(c, loc, entry, ["server_access", i]);
    else if ("agents" in entry) {
      c.warn(
        loc,
        ["server_access", i, "agents"],
        `the nested "agents" form is stored but ignored by the registry's rule flattener; write ` +
          `{agent: "/path", actions: [...]} entries instead`,
        true,
      );
    }
    for (const { rule, path } of rules) checkServerRule(c, loc, rule, path);
  });
}

/** The `servers` shorthand, checked as the rules it becomes. */
function checkShorthand(c: ModelDiagnostics, loc: Located<GroupDefinition>): void {
  (loc.value.servers ?? []).forEach((s, i) => {
    const path = ["servers", i];
    if (s.access_level === "read" && s.tools !== undefined && (s.tools === "*" || s.tools.length > 0)) {
      c.error(
        loc,
        [...path, "tools"],
        `access_level read on "${s.server_name}" lists tools, but the registry cannot show a tool ` +
          `without letting its caller call it (tools/list is filtered by the tools/call decision), ` +
          `so read grants no tools; write access_level: execute for the tools this group may see ` +
          `and call, or remove tools`,
      );
      return;
    }
    const methods = accessLevelMethods(s.access_level);
    checkServerRule(
      c,
      loc,
      { server: s.server_name, methods, tools: s.access_level === "execute" ? s.tools : undefined },
      path,
    );
    if (s.access_level === "execute" && (s.tools === undefined || (Array.isArray(s.tools) && s.tools.length === 0))) {
      c.warn(
        loc,
        path,
        `access_level execute on "${s.server_name}" lists no tools, so tools/call grants no tool; ` +
          `list the tools (tools: [...]) or use access_level: read`,
      );
    }
  });
}

/** UI actions the registry does not know, custom-entity grants it refuses, and "all" that makes admins. */
function checkUiPermissions(c: ModelDiagnostics, loc: Located<GroupDefinition>): void {
  for (const [action, grants] of Object.entries(loc.value.ui_permissions ?? {})) {
    if (!isKnownUiAction(action)) {
      const hint = suggest(action, UI_ACTIONS);
      const entity = /^(list|create|modify|delete)_(.*)_entity$/.exec(action);
      const why = entity
        ? `: a custom entity type name matches ${CUSTOM_TYPE_NAME.source} (custom_entity_models.TYPE_NAME_PATTERN), ` +
          `"${entity[2]}" does not`
        : hint
          ? `: did you mean "${hint}"?`
          : "";
      const message = `unknown UI action "${action}"${why} (see the README for the list of UI actions)`;
      c.error(loc, ["ui_permissions", action], message, true);
    } else if (customEntityScope(action)) {
      // custom_entity_scopes.py: what a list_/create_/modify_/delete_<type>_entity grant may name.
      grants.forEach((item, k) => {
        const problem = customEntityGrantProblem(action, item);
        if (problem) c.error(loc, ["ui_permissions", action, k], problem);
      });
    } else if (confersAdmin(action, grants)) {
      c.warn(
        loc,
        ["ui_permissions", action],
        `"all" on ${action} makes every member of this group a registry admin; list the resources ` +
          `instead unless that is intended ("*" does not confer admin)`,
      );
    }
  }
}

function checkServerRule(c: ModelDiagnostics, loc: Located<unknown>, rule: ServerRule, path: FieldPath): void {
  if (!isRegistryApiPath(rule.server)) {
    rule.methods.forEach((m, k) => {
      if (m !== HTTP_VERB_WILDCARD && m.toLowerCase() === HTTP_VERB_WILDCARD) {
        // PR #1628: `_HTTP_VERB_WILDCARD in allowed_methods` — the wildcard is case-sensitive.
        const why = "the registry compares it case-sensitively, #1628";
        const message = `"${m}" is not the HTTP verb wildcard (${why}): write "${HTTP_VERB_WILDCARD}"`;
        c.warn(loc, [...path, "methods", k], message);
      } else if (!isWildcard(m) && !MCP_METHODS.has(m) && !isHttpMethodToken(m)) {
        const hint = suggest(m, MCP_METHODS);
        c.warn(
          loc,
          [...path, "methods", k],
          `"${m}" is not an MCP method${hint ? ` (did you mean "${hint}"?)` : ""}; a misspelt method grants nothing`,
        );
      }
    });
  }
  // auth_server/server.py validate_server_tool_access: a tools wildcard grants every tool to tools/call and, through
  // the backward-compatible branch, every other method too, whatever `methods` says.
  if (grantsEverything(rule.tools)) {
    c.warn(
      loc,
      [...path, "tools"],
      `a tools wildcard on "${rule.server}" lets members call every tool and opens every method ` +
        `(the registry's backward-compatible branch grants any method when tools holds "*" or ` +
        `"all"), whatever methods says; list the tools this group needs`,
    );
  }
  if (isRegistryApiPath(rule.server)) {
    c.warn(
      loc,
      [...path, "server"],
      `server "${rule.server}" is never evaluated: the auth server runs no scope check on /api/* ` +
        `(the registry API is gated by ui_permissions and admin status); use ui_permissions instead`,
    );
  }
  const tools = rule.tools;
  if (path[0] === "server_access" && tools === undefined && !rule.methods.includes("tools/call")) {
    // registry/auth/access_resolver.py `audit_legacy_scopes_on_startup`: a rule without `tools` is a legacy shape,
    // warned about on every auth-server start; `tools: []` grants the same.
    const why = "the auth server warns about a rule without tools as a legacy shape on every start";
    c.warn(loc, path, `server "${rule.server}" has no tools key: ${why}; write tools: [] (the same grant)`);
  }
  if (
    path[0] === "server_access" &&
    rule.methods.includes("tools/call") &&
    (tools === undefined || tools.length === 0)
  ) {
    c.warn(
      loc,
      [...path, "methods", rule.methods.indexOf("tools/call")],
      `tools/call on "${rule.server}" with no tools grants no tool; list the tools (tools: [...]) or remove tools/call`,
    );
  }
}

function checkMemberships(
  c: ModelDiagnostics,
  loc: Located<UserDefinition | M2MDefinition>,
  groups: readonly string[],
  { defined, external, invalid }: GroupScope,
): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  groups.forEach((g, i) => {
    if (seen.has(g)) {
      c.warn(loc, ["groups", i], `group "${g}" is listed twice`);
      return;
    }
    seen.add(g);
    out.push(g);
    const def = defined.get(g);
    if (def && !def.createInIdp && !external.has(g)) {
      c.error(
        loc,
        ["groups", i],
        `group "${g}" is defined with create_in_idp: false, so no identity-provider group exists to ` +
          `join; set create_in_idp: true in ${def.file} or declare it in the stack's existingGroups`,
      );
    } else if (!def && !external.has(g) && !invalid.has(g)) {
      const hint = suggest(g, [...defined.keys(), ...external]);
      c.error(
        loc,
        ["groups", i],
        `group "${g}" is not defined in groups/ nor declared by the ` +
          `stack${hint ? `: did you mean "${hint}"?` : ""}; add groups/${g}.yaml or list it in the ` +
          `stack's existingGroups`,
      );
    }
  });
  return out;
}

/**
 * A group created in the IdP whose `group_mappings` leave out its own name: its members hold the IdP group, but
 * nothing maps that group to the scope (on Entra the group's Object ID is added when applied, so it does map).
 */
/**
 * A group_mappings entry with surrounding whitespace or "/" maps nothing: the registry matches the claim's group
 * names exactly (#1713 would normalise them; unreleased), and no claim holds such a name (Keycloak's groups claim
 * is plain names, `fullPath: false`; Entra sends Object IDs). An error: the scope would silently grant nobody.
 */
function checkMappingSpelling(c: ModelDiagnostics, locs: ReadonlyMap<string, Located<GroupDefinition>>): void {
  for (const loc of locs.values()) {
    (loc.value.group_mappings ?? []).forEach((m, i) => {
      const bare = stripSlashes(m.trim()).trim();
      if (bare === m) return;
      const fix = bare === "" ? "remove it" : `write "${bare}"`;
      c.error(
        loc,
        ["group_mappings", i],
        `group_mappings entry ${JSON.stringify(m)} has surrounding whitespace or "/", so no group name equals it ` +
          `(the registry matches group names exactly; Keycloak's groups claim holds plain names): ${fix}`,
      );
    });
  }
}

function checkGroupMappings(
  c: ModelDiagnostics,
  locs: ReadonlyMap<string, Located<GroupDefinition>>,
  groups: ReadonlyMap<string, ScopeGroup>,
  members: ReadonlyArray<{ groups: readonly string[]; file: string }>,
  idp: IdentityProvider,
): void {
  checkMappingSpelling(c, locs);
  if (idp === "entra") return;
  for (const [name, g] of groups) {
    // scope_repository.py get_group_mappings_bulk: `$in` on the claim's strings, exact; "/name" does not map "name"
    // (normalising names, #1689, is an open proposal).
    if (!g.createInIdp || g.groupMappings.includes(name)) continue;
    const joining = members.filter((m) => m.groups.includes(name));
    if (!joining.length) continue;
    const files = [...new Set(joining.map((m) => m.file))].sort();
    const near = g.groupMappings.find((m) => stripSlashes(m.trim()).trim() === name);
    const why = near === undefined ? "" : ` ("${near}" is a different group: the registry matches group names exactly)`;
    const message =
      `group_mappings leaves out "${name}"${why}, so the ${joining.length} identities joining it ` +
      `(${files.join(", ")}) receive nothing from this scope; add "${name}" to group_mappings`;
    c.warn(locs.get(name)!, ["group_mappings"], message);
  }
}

/** Groups by scope_name: the first definition of a name wins; names only case or a "/" apart are warned about. */
function buildGroups(
  c: ModelDiagnostics,
  defs: Definitions,
  bootstrap: boolean,
): { groups: Map<string, ScopeGroup>; groupLoc: Map<string, Located<GroupDefinition>> } {
  const groups = new Map<string, ScopeGroup>();
  const groupLoc = new Map<string, Located<GroupDefinition>>();
  const looseGroupLoc = new Map<string, Located<GroupDefinition>>();
  for (const loc of defs.groups) {
    const g = checkGroup(c, loc, bootstrap);
    if (!c.firstDefinition(groupLoc, g.name, loc, "scope_name", `group "${g.name}"`, "each scope_name must be unique"))
      continue;
    groups.set(g.name, g);
    // Keycloak finds groups ignoring case, and a surrounding "/" is easily taken for the same group (the registry
    // matches names exactly, so to it they are two).
    const loose = stripSlashes(g.name.trim()).toLowerCase();
    const other = looseGroupLoc.get(loose);
    if (other) {
      c.warn(
        loc,
        ["scope_name"],
        `scope_name "${g.name}" differs from "${other.value.scope_name}" ` +
          `(${where(other, ["scope_name"])}) only in case or a surrounding "/": the identity ` +
          `provider (Keycloak compares names ignoring case) or a reader may take them for one group; rename one`,
      );
    } else looseGroupLoc.set(loose, loc);
  }
  return { groups, groupLoc };
}

/** What an identity's `groups` are checked against. */
interface GroupScope {
  defined: ReadonlyMap<string, ScopeGroup>;
  external: ReadonlySet<string>;
  invalid: ReadonlySet<string>;
}

type BootstrapAdmin = AccessModel["bootstrapAdmin"];

/** A user that is the bootstrap admin by name or e-mail: Keycloak would refuse the second. */
function checkBootstrapClash(c: ModelDiagnostics, loc: Located<UserDefinition>, admin: BootstrapAdmin): void {
  const u = loc.value;
  if (admin && u.username.toLowerCase() === admin.username.toLowerCase()) {
    c.error(
      loc,
      ["username"],
      `username "${u.username}" is the bootstrap admin's, whom the stack creates (bootstrap: ` +
        `true, bootstrapAdminUsername); Keycloak would refuse a second user with that name: ` +
        `rename this user, or set bootstrapAdminUsername to another name`,
    );
  }
  if (admin && u.email.toLowerCase() === admin.email.toLowerCase()) {
    c.error(
      loc,
      ["email"],
      `email "${u.email}" is the bootstrap admin's (bootstrapAdminEmail), and Keycloak refuses ` +
        `two users with the same e-mail: give this user their own address, or set bootstrapAdminEmail`,
    );
  }
}

/** Users by username (ignoring case, as Keycloak): the first definition wins. */
function buildUsers(
  c: ModelDiagnostics,
  defs: Definitions,
  admin: BootstrapAdmin,
  scope: GroupScope,
): { users: HumanUser[]; userLoc: Map<string, Located<UserDefinition>> } {
  const users: HumanUser[] = [];
  const userLoc = new Map<string, Located<UserDefinition>>();
  const emailLoc = new Map<string, Located<UserDefinition>>();
  for (const loc of defs.users) {
    const u = loc.value;
    checkBootstrapClash(c, loc, admin);
    c.firstDefinition(
      emailLoc,
      u.email.toLowerCase(),
      loc,
      "email",
      `email "${u.email}"`,
      "Keycloak refuses two users with the same e-mail address (compared ignoring case): give each user their own",
    );
    const unique = "usernames must be unique (ignoring case)";
    if (!c.firstDefinition(userLoc, u.username.toLowerCase(), loc, "username", `username "${u.username}"`, unique))
      continue;
    users.push({
      username: u.username,
      email: u.email,
      firstName: u.first_name,
      lastName: u.last_name,
      groups: checkMemberships(c, loc, u.groups, scope),
      enabled: u.enabled ?? true,
      ...(u.email_verified === undefined ? {} : { emailVerified: u.email_verified }),
      file: loc.source.file,
    });
  }
  return { users, userLoc };
}

/** M2M accounts by name (ignoring case): the first definition wins; a user's name is refused. */
function buildM2M(
  c: ModelDiagnostics,
  defs: Definitions,
  userLoc: ReadonlyMap<string, Located<UserDefinition>>,
  scope: GroupScope,
): { m2m: M2MAccount[]; m2mLoc: Map<string, Located<M2MDefinition>> } {
  const m2m: M2MAccount[] = [];
  const m2mLoc = new Map<string, Located<M2MDefinition>>();
  for (const loc of defs.m2m) {
    const a = loc.value;
    const key = a.name.toLowerCase();
    if (!c.firstDefinition(m2mLoc, key, loc, "name", `M2M account "${a.name}"`, "names must be unique")) continue;
    const clash = userLoc.get(key);
    if (clash) {
      c.error(
        loc,
        ["name"],
        `M2M account "${a.name}" has the same name as the user at ${where(clash, ["username"])}; ` +
          `the registry lists both as users, so rename one`,
      );
    }
    m2m.push({
      name: a.name,
      description: a.description ?? null,
      groups: checkMemberships(c, loc, a.groups, scope),
      enabled: a.enabled ?? true,
      file: loc.source.file,
    });
  }
  return { m2m, m2mLoc };
}

/** Keycloak looks a user up by username or e-mail alike, and refuses an e-mail that is another user's username. */
function checkEmailsAsUsernames(
  c: ModelDiagnostics,
  defs: Definitions,
  userLoc: ReadonlyMap<string, Located<UserDefinition>>,
): void {
  for (const loc of defs.users) {
    const email = loc.value.email.toLowerCase();
    const owner = userLoc.get(email);
    if (owner && owner !== loc && userLoc.get(loc.value.username.toLowerCase()) === loc) {
      c.error(
        loc,
        ["email"],
        `email "${loc.value.email}" is the username of the user at ${where(owner, ["username"])}; ` +
          `Keycloak refuses it (it finds users by username or e-mail alike): give this user their ` +
          `own address, or rename the other`,
      );
    }
  }
}

function checkAdminM2M(c: ModelDiagnostics, m2mLoc: ReadonlyMap<string, Located<M2MDefinition>>): void {
  for (const loc of m2mLoc.values()) {
    const admin = loc.value.groups.find((g) => ADMIN_GROUP_MARKERS.includes(g));
    if (admin) {
      c.warn(
        loc,
        ["groups", loc.value.groups.indexOf(admin)],
        `M2M account "${loc.value.name}" joins ${admin}: whoever holds its client secret (a CI job, ` +
          `an agent) is a full registry admin; give it a group with only the access it needs`,
      );
    }
  }
}

const byName =
  <T>(key: (t: T) => string) =>
  (a: T, b: T) =>
    byCodeUnit(key(a), key(b));

/**
 * The groups, users and M2M accounts cross-checked: the part of the model every other part is checked against.
 * Not frozen: `buildModel` (lib/model/build.ts) adds rate limits and identity providers, then freezes the whole.
 */
export function buildAccessModel(defs: Definitions, options: ModelOptions = {}): ModelResult {
  const c = new ModelDiagnostics(MAX_FILE_DIAGNOSTICS);
  const bootstrap = options.bootstrap ?? false;
  const external = new Set<string>(options.existingGroups ?? []);
  // The admin's groups are the bootstrap's (registry-admins) or ones that exist (what upstream's script gave it).
  const adminGroups = [...new Set(options.bootstrapAdminGroups ?? [BOOTSTRAP_ADMIN_GROUP])];
  if (bootstrap) for (const g of [BOOTSTRAP_ADMIN_GROUP, ...adminGroups]) external.add(g);
  const { groups, groupLoc } = buildGroups(c, defs, bootstrap);
  const admin = bootstrap
    ? {
        username: options.bootstrapAdminUsername ?? DEFAULT_BOOTSTRAP_ADMIN_USERNAME,
        email: options.bootstrapAdminEmail ?? DEFAULT_BOOTSTRAP_ADMIN_EMAIL,
        groups: adminGroups,
      }
    : null;
  const scope: GroupScope = { defined: groups, external, invalid: new Set(defs.invalidGroupNames) };
  const { users, userLoc } = buildUsers(c, defs, admin, scope);
  const { m2m, m2mLoc } = buildM2M(c, defs, userLoc, scope);
  checkEmailsAsUsernames(c, defs, userLoc);
  checkAdminM2M(c, m2mLoc);
  checkGroupMappings(c, groupLoc, groups, [...users, ...m2m], options.identityProvider ?? "keycloak");
  return {
    model: {
      groups: [...groups.values()].sort(byName((g) => g.name)),
      users: users.sort(byName((u) => u.username)),
      m2m: m2m.sort(byName((a) => a.name)),
      bootstrap,
      bootstrapAdmin: admin,
      externalGroups: [...external].sort(),
      // A copy: the model is frozen, and the caller's flags are the caller's.
      registry: { ...(options.registryFlags ?? REGISTRY_DEFAULTS) },
    },
    diagnostics: sortDiagnostics(c.diagnostics),
  };
}
