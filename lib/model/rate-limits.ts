/**
 * Rate limits and quarantine as a checked model: the `rate-limits/` files and the `rate_limit_groups` of users/
 * and m2m/ in, the registry's definitions and memberships out, every problem with file:line:column.
 */
import type { Diagnostic, FieldPath } from "../errors/diagnostics";
import type { Located } from "../load/definitions";
import type { AccessModel } from "./access-model";
import type { M2MDefinition, UserDefinition } from "../schema";
import { suggest } from "../schema/issues";
import { isWildcard, serverKey, stripSlashes, type IdentityProvider } from "../registry/rules";
import { ModelDiagnostics, where } from "./diagnostics";
import {
  AGENT_FLOOR_PER_MIN,
  RATE_LIMIT_SUBJECTS,
  definitionId,
  FLOOR_WINDOW_SECONDS,
  membershipId,
  rateLimitAgentPath,
  rateLimitServerName,
  QUARANTINE_CALLER_GROUP,
  QUARANTINE_TARGET_GROUP,
  RESERVED_GROUP_NAMES,
  USER_FLOOR_PER_MIN,
  type Axis,
  type EntityType,
  type SubjectType,
} from "../registry/rate-limits";
import { SUBJECT_KEYS, type RateLimitPolicy, type SubjectKey } from "../schema/rate-limits";

export type { RateLimitDefinition, RateLimitMembership, RateLimitModel } from "./rate-limit-types";
import type { RateLimitDefinition, RateLimitModel } from "./rate-limit-types";
import { byCodeUnit } from "../errors/order";
import {
  agentCardEntry,
  blankPath,
  callerKindMissing,
  checkQuarantineNotEmpty,
  checkShadowedWindows,
  checkSubjectName,
  groupReach,
  wildcardCaller,
  wildcardEntry,
} from "./rate-limit-reach";

export const EMPTY_RATE_LIMITS: RateLimitModel = Object.freeze({ definitions: [], memberships: [] }) as RateLimitModel;

/** What a `rate-limits/` key says about the definition it names (the registry's table). */
const SUBJECT: Record<Exclude<SubjectKey, "quarantine">, { axis: Axis; entityType: EntityType }> = RATE_LIMIT_SUBJECTS;

/** The loaded `rate-limits/` files (lib/load/repository.ts): the builder's input. */
export interface LoadedRateLimits {
  policies: Located<RateLimitPolicy>[];
}

type Policy = Located<RateLimitPolicy>;

/** The subject keys a policy names: exactly one makes it a limit or a quarantine, else it is refused. */
export function subjectKeys(p: RateLimitPolicy): SubjectKey[] {
  return SUBJECT_KEYS.filter((k) => p[k] !== undefined);
}

/** Servers the groups' rules name (not wildcards): the servers the definitions know of. */
function knownServers(model: AccessModel): Set<string> {
  const out = new Set<string>();
  const visit = (e: unknown) => {
    if (!e || typeof e !== "object") return;
    const r = e as { server?: unknown; access_rules?: unknown[] };
    if (typeof r.server === "string") out.add(stripSlashes(r.server));
    if (Array.isArray(r.access_rules)) r.access_rules.forEach(visit);
  };
  for (const g of model.groups) g.serverAccess.forEach(visit);
  return out;
}

interface PendingMembership {
  subjectType: SubjectType;
  subject: string;
  groups: string[];
  file: string;
}

/** A quarantined subject, where it is first listed. */
interface Quarantined {
  loc: Policy;
  path: FieldPath;
  subjectType: SubjectType;
  subject: string;
}

export interface RateLimitInputs {
  policies: readonly Policy[];
  users: readonly Located<UserDefinition>[];
  m2m: readonly Located<M2MDefinition>[];
}

/**
 * Checks the policies and the identities' rate-limit groups against each other and the access model; returns the
 * registry's definitions and memberships. Whether an identity is a registry admin needs the rendered scope
 * documents, so those checks are the review's (lib/review/model-review.ts): a quarantined admin stays in the
 * memberships here, and the review refuses the model.
 */
export function buildRateLimitModel(
  inputs: RateLimitInputs,
  model: AccessModel,
  idp: IdentityProvider = "keycloak",
): { rateLimits: RateLimitModel; diagnostics: Diagnostic[] } {
  const o = new ModelDiagnostics();
  const servers = knownServers(model);
  const { definitions, callerGroups } = buildDefinitions(o, inputs.policies, servers);
  const quarantined = new Map<string, Quarantined>();
  for (const loc of inputs.policies) {
    const keys = subjectKeys(loc.value);
    if (keys.length === 1 && keys[0] === "quarantine") checkQuarantine(o, loc, model, servers, quarantined, idp);
  }
  // Memberships: the identities' rate_limit_groups, then the quarantine lists (appended last, as
  // rate_limit_routes.py `add_quarantine` appends the reserved group to a caller's existing groups).
  const { pending, used } = identityMemberships(o, inputs, callerGroups, groupReach(definitions), idp);
  for (const [id, q] of quarantined) {
    const group =
      q.subjectType === "user" || q.subjectType === "client" ? QUARANTINE_CALLER_GROUP : QUARANTINE_TARGET_GROUP;
    const m = pending.get(id);
    if (m) m.groups.push(group);
    else pending.set(id, { subjectType: q.subjectType, subject: q.subject, groups: [group], file: q.loc.source.file });
  }
  warnUnusedCallerGroups(o, callerGroups, used);
  const memberships = [...pending.entries()].map(([id, m]) => ({ id, ...m }));
  const cmp = (a: { id: string }, b: { id: string }) => byCodeUnit(a.id, b.id);
  return {
    rateLimits: { definitions: definitions.sort(cmp), memberships: memberships.sort(cmp) },
    diagnostics: o.diagnostics,
  };
}

/** The limits (every policy but quarantines): one definition per id; the caller groups, first definition each. */
function buildDefinitions(
  o: ModelDiagnostics,
  policies: readonly Policy[],
  servers: ReadonlySet<string>,
): { definitions: RateLimitDefinition[]; callerGroups: Map<string, Policy> } {
  const definitions: RateLimitDefinition[] = [];
  const byId = new Map<string, Policy>();
  const callerGroups = new Map<string, Policy>();
  for (const loc of policies) {
    const keys = subjectKeys(loc.value);
    if (keys.length !== 1) {
      const said = keys.length ? `names ${keys.join(" and ")}` : "names nothing to limit";
      o.error(loc, [], `a policy ${said}: give exactly one of ${SUBJECT_KEYS.join(", ")}`);
      continue;
    }
    const key = keys[0]!;
    if (key === "quarantine") continue;
    const checked = checkLimit(o, loc, key, servers);
    const first = byId.get(checked.definition.id);
    if (first) {
      const { id, name, windowSeconds } = checked.definition;
      o.error(
        loc,
        [key],
        `a second ${key} "${name}" with window_seconds ${windowSeconds}: the registry keeps one ` +
          `definition per ${id} (first at ${where(first, [key])}); merge them or use another window`,
      );
      continue;
    }
    if (!checked.ok) continue;
    byId.set(checked.definition.id, loc);
    if (checked.definition.entityType === "group" && !callerGroups.has(checked.definition.name))
      callerGroups.set(checked.definition.name, loc);
    definitions.push(checked.definition);
  }
  checkShadowedWindows(o, definitions, (id) => byId.get(id));
  return { definitions, callerGroups };
}

type LimitKey = Exclude<SubjectKey, "quarantine">;

/** One limit: its fields for its kind (caller group or target), its target's name; `ok` false once refused. */
function checkLimit(
  o: ModelDiagnostics,
  loc: Policy,
  key: LimitKey,
  servers: ReadonlySet<string>,
): { definition: RateLimitDefinition; ok: boolean } {
  const p = loc.value;
  const { axis, entityType } = SUBJECT[key];
  const written = p[key] as string;
  const windowSeconds = p.window_seconds ?? 60; // models.py RateLimitDefinition.window_seconds default
  let ok = true;
  // models.py `_check_axis_and_entity_type`: reserved quarantine names only on the quarantine axis.
  if (RESERVED_GROUP_NAMES.includes(written)) {
    o.error(
      loc,
      [key],
      `"${written}" is the registry's reserved quarantine group (models.py RESERVED_GROUP_NAMES): ` +
        `list the identities or targets under "quarantine:" instead`,
    );
    ok = false;
  }
  ok = checkSubjectName(o, loc, key) && ok;
  if (entityType === "group") ok = checkCallerLimit(o, loc, key, windowSeconds) && ok;
  else ok = checkTargetLimit(o, loc, key, entityType) && ok;
  const target = limitTarget(o, loc, key, entityType, servers);
  return {
    definition: {
      id: definitionId(axis, entityType, target.name, windowSeconds),
      axis,
      entityType,
      name: target.name,
      members: target.members,
      maxRequests: entityType === "group" ? null : (p.max_requests ?? null),
      userMaxRequests: entityType === "group" ? (p.user_max_requests ?? null) : null,
      agentMaxRequests: entityType === "group" ? (p.agent_max_requests ?? null) : null,
      windowSeconds,
      failClosed: p.fail_closed ?? false,
      enabled: p.enabled ?? true,
      description: p.description ?? "",
      file: loc.source.file,
    },
    ok: target.ok && ok,
  };
}

/** Refuses a field the policy's kind does not take; false when it is there. */
function refuseField(o: ModelDiagnostics, loc: Policy, field: keyof RateLimitPolicy, why: string): boolean {
  if (loc.value[field] === undefined) return true;
  o.error(loc, [field], why, true);
  return false;
}

/** models.py: a caller / caller_target group sets user_max_requests and/or agent_max_requests, nothing else. */
function checkCallerLimit(o: ModelDiagnostics, loc: Policy, key: LimitKey, windowSeconds: number): boolean {
  const p = loc.value;
  let ok = true;
  if (p.user_max_requests === undefined && p.agent_max_requests === undefined) {
    o.error(
      loc,
      [key],
      `a ${key} needs user_max_requests and/or agent_max_requests (requests per window for each ` +
        `user / each M2M account in the group)`,
    );
    ok = false;
  }
  const targetsOnly =
    `max_requests goes with targets (mcp_server, a2a_agent, server_group); a ${key} takes ` +
    `user_max_requests / agent_max_requests`;
  ok = refuseField(o, loc, "max_requests", targetsOnly) && ok;
  ok = refuseField(o, loc, "members", `members goes with server_group only`) && ok;
  return checkCallerFloor(o, loc, windowSeconds) && ok;
}

/** rate_limit_routes.py `_validate_caller_floor`: the registry's API refuses short-window limits below the floor. */
function checkCallerFloor(o: ModelDiagnostics, loc: Policy, windowSeconds: number): boolean {
  const p = loc.value;
  if (windowSeconds > FLOOR_WINDOW_SECONDS) return true;
  let ok = true;
  // The same lock-out guard for each caller kind; only the agent's message leaves the guard's name out.
  const floors = [
    { field: "user_max_requests", kind: "user", floor: USER_FLOOR_PER_MIN, why: ", a lock-out guard" },
    { field: "agent_max_requests", kind: "agent", floor: AGENT_FLOOR_PER_MIN, why: "" },
  ] as const;
  for (const { field, kind, floor, why } of floors) {
    const n = p[field];
    if (n === undefined || n >= floor) continue;
    o.error(
      loc,
      [field],
      `${field} ${n} is below the registry's ${kind} floor of ${floor} per window of up to ` +
        `${FLOOR_WINDOW_SECONDS} s (rate_limit_routes.py _validate_caller_floor${why}): raise it, or use a ` +
        `window longer than ${FLOOR_WINDOW_SECONDS} s`,
    );
    ok = false;
  }
  return ok;
}

/** models.py: a target definition sets max_requests only; members only on a server_group. */
function checkTargetLimit(o: ModelDiagnostics, loc: Policy, key: LimitKey, entityType: EntityType): boolean {
  let ok = true;
  if (loc.value.max_requests === undefined) {
    o.error(loc, [key], `a ${key} limit needs max_requests (requests per window across all callers)`);
    ok = false;
  }
  const callersOnly = (field: string) =>
    `${field} goes with caller_group / caller_target_group; a ${key} limit takes max_requests`;
  ok = refuseField(o, loc, "user_max_requests", callersOnly("user_max_requests")) && ok;
  ok = refuseField(o, loc, "agent_max_requests", callersOnly("agent_max_requests")) && ok;
  if (entityType !== "server_group") ok = refuseField(o, loc, "members", `members goes with server_group only`) && ok;
  return ok;
}

/** The name the registry keys the limit on, and a server group's members. */
function limitTarget(
  o: ModelDiagnostics,
  loc: Policy,
  key: LimitKey,
  entityType: EntityType,
  servers: ReadonlySet<string>,
): { name: string; members: string[] | null; ok: boolean } {
  const name = loc.value[key] as string;
  if (entityType === "mcp_server") return { name, members: null, ok: checkServerTarget(o, loc, key, name, servers) };
  // The classifier yields the agent path with a leading slash (server.py `_get_a2a_agent_path`).
  if (entityType === "a2a_agent")
    return { name: rateLimitAgentPath(name), members: null, ok: !agentCardEntry(o, loc, [key], name) };
  if (entityType === "server_group") return { name, ...serverGroupMembers(o, loc, key, servers) };
  return { name, members: null, ok: true };
}

function checkServerTarget(
  o: ModelDiagnostics,
  loc: Policy,
  key: LimitKey,
  name: string,
  servers: ReadonlySet<string>,
): boolean {
  if (blankPath(name) || isWildcard(stripSlashes(name.trim()))) return false; // said by checkSubjectName
  // server.py `_classify_rate_limit_target` keys a server on its path without surrounding slashes; the
  // registry stores the name as given, so "/x" would never match.
  if (name !== name.trim() || /^\/|\/$/.test(name)) {
    o.error(
      loc,
      [key],
      `write the server as the auth server keys it, without surrounding slashes or spaces: ` +
        `"${stripSlashes(name.trim())}"`,
    );
    return false;
  }
  // `_registered_server_from_proxy_path` drops a trailing transport segment: no request is keyed "x/mcp".
  if (serverKey(name) !== name) {
    o.error(
      loc,
      [key],
      `"${name}" ends in a transport segment (mcp, sse, messages), which the auth server drops from a request's ` +
        `key (server.py _registered_server_from_proxy_path): requests are keyed "${serverKey(name)}", so this limit ` +
        `would never apply; write "${serverKey(name)}"`,
    );
    return false;
  }
  if (!servers.has(name)) {
    o.warn(
      loc,
      [key],
      `no group in groups/ names server "${name}"; check the name (it must equal the server's ` +
        `path, e.g. currenttime for /currenttime/mcp)${hint(name, servers)}`,
    );
  }
  return true;
}

function serverGroupMembers(
  o: ModelDiagnostics,
  loc: Policy,
  key: LimitKey,
  servers: ReadonlySet<string>,
): { members: string[] | null; ok: boolean } {
  if (!loc.value.members) {
    o.error(loc, [key], `a server_group needs members: the MCP servers it covers, each counted on its own`);
    return { members: null, ok: false };
  }
  const members: string[] = [];
  let ok = true;
  loc.value.members.forEach((m, i) => {
    const n = memberServer(o, loc, ["members", i], m, servers);
    if (n === null) ok = false;
    else if (members.includes(n)) {
      o.error(loc, ["members", i], `server "${n}" is listed twice (models.py _check_members refuses duplicates)`);
      ok = false;
    } else members.push(n);
  });
  return { members, ok };
}

type WithRateLimitGroups = Located<{ rate_limit_groups?: string[] }>;

/** The identities' rate_limit_groups as memberships, and the caller groups some identity uses. */
function identityMemberships(
  o: ModelDiagnostics,
  inputs: RateLimitInputs,
  callerGroups: ReadonlyMap<string, Policy>,
  reach: ReadonlyMap<string, { user: boolean; agent: boolean }>,
  idp: IdentityProvider,
): { pending: Map<string, PendingMembership>; used: Set<string> } {
  const pending = new Map<string, PendingMembership>();
  const used = new Set<string>();
  const add = (subjectType: "user" | "client", subject: string, loc: WithRateLimitGroups) => {
    const kind = { type: subjectType, reach };
    const groups = identityGroups(o, subject, loc, callerGroups, kind);
    for (const g of groups) used.add(g);
    if (groups.length)
      pending.set(membershipId(subjectType, subject), { subjectType, subject, groups, file: loc.source.file });
  };
  for (const u of inputs.users) add("user", u.value.username, u as WithRateLimitGroups);
  for (const a of inputs.m2m) {
    // On Entra the client id the auth server keys `client:<id>` on is the application's appId, assigned at apply
    // time; the definitions know only the name, so such a membership would never match.
    if (idp === "entra" && (a.value as { rate_limit_groups?: string[] }).rate_limit_groups) {
      o.error(
        a,
        ["rate_limit_groups"],
        `rate limits of M2M accounts are not supported on Entra ID yet: the registry keys them on ` +
          `the application's client id (appId), which Entra assigns when the stack applies; remove ` +
          `rate_limit_groups here`,
      );
      continue;
    }
    add("client", a.value.name, a as WithRateLimitGroups);
  }
  return { pending, used };
}

/** One identity's rate_limit_groups, each a caller group of rate-limits/ named once. */
function identityGroups(
  o: ModelDiagnostics,
  subject: string,
  loc: WithRateLimitGroups,
  callerGroups: ReadonlyMap<string, Policy>,
  kind: { type: "user" | "client"; reach: ReadonlyMap<string, { user: boolean; agent: boolean }> },
): string[] {
  const groups: string[] = [];
  (loc.value.rate_limit_groups ?? []).forEach((g, i) => {
    const path = ["rate_limit_groups", i];
    if (RESERVED_GROUP_NAMES.includes(g)) {
      o.error(
        loc,
        path,
        `"${g}" is the registry's reserved quarantine group: list ${subject} under "quarantine:" ` +
          `in a rate-limits/ file instead, where quarantines are reviewed together`,
      );
    } else if (!callerGroups.has(g)) {
      o.error(
        loc,
        path,
        `rate-limit group "${g}" has no caller_group or caller_target_group in ` +
          `rate-limits/${hint(g, callerGroups.keys())}; the registry would store the membership and limit nothing`,
      );
    } else if (groups.includes(g)) {
      o.error(loc, path, `rate-limit group "${g}" is listed twice`);
    } else if (!callerKindMissing(o, loc, path, g, kind.type, kind.reach)) groups.push(g);
  });
  return groups;
}

function warnUnusedCallerGroups(
  o: ModelDiagnostics,
  callerGroups: ReadonlyMap<string, Policy>,
  used: ReadonlySet<string>,
): void {
  for (const [name, loc] of callerGroups) {
    if (!used.has(name)) {
      const key = loc.value.caller_group !== undefined ? "caller_group" : "caller_target_group";
      o.warn(
        loc,
        [key],
        `no user or M2M account lists "${name}" in rate_limit_groups, so this limit applies to nobody`,
      );
    }
  }
}

function hint(word: string, known: Iterable<string>): string {
  const h = suggest(word, known);
  return h ? `: did you mean "${h}"?` : "";
}

/** A server_group member or a quarantined server, normalized as models.py `normalize_server_name` does. */
function memberServer(
  o: ModelDiagnostics,
  loc: Policy,
  path: FieldPath,
  raw: string,
  servers: ReadonlySet<string>,
): string | null {
  const n = rateLimitServerName(raw);
  if (!n || blankPath(raw)) {
    o.error(
      loc,
      path,
      `server ${JSON.stringify(raw)} strips to nothing (surrounding spaces and slashes dropped, models.py ` +
        `normalize_server_name): no request has that key, so the entry would never apply`,
    );
    return null;
  }
  if (wildcardEntry(o, loc, path, raw, "server names")) return null;
  const full = stripSlashes(raw.trim());
  if (full !== n) {
    // normalize_server_name keeps the first segment only, while the auth server keys the request on the whole
    // path (federated servers: peer/x): the registry would store "peer" and never match "peer/x".
    o.error(
      loc,
      path,
      `"${raw}" has more than one path segment: the registry keeps only "${n}" (models.py ` +
        `normalize_server_name) while requests to it are keyed "${full}", so the entry would never apply`,
    );
    return null;
  }
  if (!servers.has(n)) o.warn(loc, path, `no group in groups/ names server "${n}"; check the name${hint(n, servers)}`);
  return n;
}

/** Fields of a rate that a quarantine does not take. */
const RATE_FIELDS = [
  "window_seconds",
  "user_max_requests",
  "agent_max_requests",
  "max_requests",
  "members",
  "fail_closed",
  "enabled",
] as const;

/**
 * One quarantine list, per subject type. Whether a listed identity is an admin (whom the registry refuses to
 * quarantine) is the review's: here every defined identity is quarantined, the first listing of it.
 */
function checkQuarantine(
  o: ModelDiagnostics,
  loc: Policy,
  model: AccessModel,
  servers: ReadonlySet<string>,
  out: Map<string, Quarantined>,
  idp: IdentityProvider,
): void {
  checkQuarantineNotEmpty(o, loc);
  for (const field of RATE_FIELDS) {
    // models.py `_check_quarantine`: a quarantine carries no rate; the sentinel definitions are the registry's own.
    if (loc.value[field] !== undefined)
      o.error(
        loc,
        [field],
        `"${field}" does not go with quarantine: a quarantine refuses every request, it has no rate ` +
          `(the registry seeds its reserved groups itself)`,
        true,
      );
  }
  const first = (path: FieldPath, subjectType: SubjectType, subject: string) => {
    const id = membershipId(subjectType, subject);
    if (!out.has(id)) out.set(id, { loc, path, subjectType, subject });
  };
  for (const { path, user, bootstrap } of quarantinedUsers(o, loc, model)) if (!bootstrap) first(path, "user", user);
  for (const { path, m2m } of quarantinedM2M(o, loc, model, idp)) first(path, "client", m2m);
  quarantineTargets(o, loc, servers, out);
}

/**
 * The quarantine's users that are defined, and the bootstrap admin (the review refuses it with the other admins);
 * a message for the others when `o` is given (the review reads the same list without repeating them).
 */
export function quarantinedUsers(
  o: ModelDiagnostics | null,
  loc: Policy,
  model: AccessModel,
): Array<{ path: FieldPath; user: string; bootstrap: boolean }> {
  const out: Array<{ path: FieldPath; user: string; bootstrap: boolean }> = [];
  loc.value.quarantine?.users?.forEach((u, i) => {
    const path = ["quarantine", "users", i];
    const bootstrap = model.bootstrapAdmin?.username === u;
    if (wildcardCaller(o, loc, path, u)) return;
    if (!bootstrap && !model.users.some((x) => x.username === u)) {
      const names = model.users.map((x) => x.username);
      o?.error(loc, path, `user "${u}" is not defined in users/${hint(u, names)}`);
    } else out.push({ path, user: u, bootstrap });
  });
  return out;
}

/** The quarantine's M2M accounts that are defined, on Keycloak (a message for the others when `o` is given). */
export function quarantinedM2M(
  o: ModelDiagnostics | null,
  loc: Policy,
  model: AccessModel,
  idp: IdentityProvider,
): Array<{ path: FieldPath; m2m: string }> {
  const out: Array<{ path: FieldPath; m2m: string }> = [];
  loc.value.quarantine?.m2m?.forEach((a, i) => {
    const path = ["quarantine", "m2m", i];
    if (wildcardCaller(o, loc, path, a)) return;
    if (idp === "entra") {
      o?.error(
        loc,
        path,
        `quarantining M2M accounts is not supported on Entra ID yet: the registry keys it on the ` +
          `application's client id (appId), which Entra assigns when the stack applies; disable the ` +
          `account (enabled: false) instead`,
      );
    } else if (!model.m2m.some((x) => x.name === a)) {
      const names = model.m2m.map((x) => x.name);
      o?.error(loc, path, `M2M account "${a}" is not defined in m2m/${hint(a, names)}`);
    } else out.push({ path, m2m: a });
  });
  return out;
}

/** Quarantined servers and agents: each once, keyed as the auth server keys requests. */
function quarantineTargets(
  o: ModelDiagnostics,
  loc: Policy,
  servers: ReadonlySet<string>,
  out: Map<string, Quarantined>,
): void {
  const add = (path: FieldPath, subjectType: SubjectType, subject: string) => {
    const id = membershipId(subjectType, subject);
    const first = out.get(id);
    if (first) {
      o.error(loc, path, `${subject} is already quarantined at ${where(first.loc, first.path)}`);
      return;
    }
    out.set(id, { loc, path, subjectType, subject });
  };
  loc.value.quarantine?.servers?.forEach((s, i) => {
    const n = memberServer(o, loc, ["quarantine", "servers", i], s, servers);
    if (n !== null) add(["quarantine", "servers", i], "server", n);
  });
  loc.value.quarantine?.agents?.forEach((a, i) => {
    const n = rateLimitAgentPath(a);
    const path = ["quarantine", "agents", i];
    if (blankPath(a)) {
      o.error(
        loc,
        path,
        `agent path ${JSON.stringify(a)} strips to nothing (models.py normalize_agent_path): no A2A request ` +
          `has it, so the entry would never apply`,
      );
    } else if (!wildcardEntry(o, loc, path, a, "agent paths") && !agentCardEntry(o, loc, path, a)) {
      add(path, "agent", n);
    }
  });
}
