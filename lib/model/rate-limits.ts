/**
 * Rate limits and quarantine as a checked model: the `rate-limits/` files and the `rate_limit_groups` of users/
 * and m2m/ in, the registry's definitions and memberships out, every problem with file:line:column.
 */
import type { Diagnostic, FieldPath } from "../errors/diagnostics";
import { filesUnder, readDefinitionSource, type Located } from "../load/definitions";
import type { AccessModel } from "./access-model";
import type { M2MDefinition, UserDefinition } from "../schema";
import { fieldNames, suggest, translateIssues } from "../schema/issues";
import { diagnosticAt, type RawFile, type ReadOptions, type SourceFile, type SourceRef } from "../source/file";
import { identityAccess } from "../review/effective-access";
import { BOOTSTRAP_ADMIN_GROUP, stripSlashes, type IdentityProvider } from "../registry/rules";
import { z } from "zod";
import {
  AGENT_FLOOR_PER_MIN,
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
import { RATE_LIMITS_DIR, RateLimitFile, RateLimitPolicy, SUBJECT_KEYS, type SubjectKey } from "../schema/rate-limits";

export type { RateLimitDefinition, RateLimitMembership, RateLimitModel } from "./rate-limit-types";
import type { RateLimitDefinition, RateLimitModel } from "./rate-limit-types";
import { byCodeUnit } from "../errors/order";

export const EMPTY_RATE_LIMITS: RateLimitModel = Object.freeze({ definitions: [], memberships: [] }) as RateLimitModel;

/** What a `rate-limits/` key says about the definition it names. */
const SUBJECT: Record<Exclude<SubjectKey, "quarantine">, { axis: Axis; entityType: EntityType }> = {
  caller_group: { axis: "caller", entityType: "group" },
  caller_target_group: { axis: "caller_target", entityType: "group" },
  mcp_server: { axis: "target", entityType: "mcp_server" },
  a2a_agent: { axis: "target", entityType: "a2a_agent" },
  server_group: { axis: "target", entityType: "server_group" },
};

let known: Set<string> | undefined;
const knownFields = () => (known ??= fieldNames(z.toJSONSchema(RateLimitFile, { io: "input", target: "draft-7" })));

export interface LoadedRateLimits {
  policies: Located<RateLimitPolicy>[];
  diagnostics: Diagnostic[];
}

/** `rate-limits/` files from anywhere (disk, a git revision); other files are left out. */
export function loadRateLimitFiles(files: readonly RawFile[], options: ReadOptions = {}): LoadedRateLimits {
  const mine = files.filter((f) => f.file.startsWith(`${RATE_LIMITS_DIR}/`)).sort((a, b) => byCodeUnit(a.file, b.file));
  const diagnostics: Diagnostic[] = [];
  const policies: Located<RateLimitPolicy>[] = [];
  for (const raw of mine) {
    const source = readDefinitionSource(raw, options, diagnostics);
    if (source) policies.push(...checkFile(source, diagnostics));
  }
  return { policies, diagnostics };
}

export function loadRateLimits(root: string, options: ReadOptions = {}): LoadedRateLimits {
  return loadRateLimitFiles(filesUnder(root, RATE_LIMITS_DIR), options);
}

function checkFile(source: SourceFile, out: Diagnostic[]): Located<RateLimitPolicy>[] {
  const value = source.value;
  if (value === null || typeof value !== "object") {
    out.push(
      diagnosticAt(
        source,
        [],
        "expected a rate limit or quarantine (a mapping), or a list of them, at the top of the file",
      ),
    );
    return [];
  }
  const entries = Array.isArray(value)
    ? value.map((v, i) => ({ v, at: [i] as FieldPath }))
    : [{ v: value, at: [] as FieldPath }];
  const items: Located<RateLimitPolicy>[] = [];
  for (const { v, at } of entries) {
    const res = RateLimitPolicy.safeParse(v);
    if (!res.success) {
      out.push(
        ...translateIssues(res.error.issues, { source, prefix: at, knownFields: knownFields(), skipKeys: new Set() }),
      );
      continue;
    }
    items.push({ value: res.data, source: source.ref, at });
  }
  return items;
}

/** Collects diagnostics at definitions' positions. */
class Out {
  readonly diagnostics: Diagnostic[] = [];
  error(src: SourceRef, path: FieldPath, message: string, key = false): void {
    this.diagnostics.push(diagnosticAt(src, path, message, "error", key));
  }
  warn(src: SourceRef, path: FieldPath, message: string): void {
    this.diagnostics.push(diagnosticAt(src, path, message, "warning"));
  }
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

export interface RateLimitInputs {
  policies: readonly Located<RateLimitPolicy>[];
  users: readonly Located<UserDefinition>[];
  m2m: readonly Located<M2MDefinition>[];
}

/**
 * Checks the policies and the identities' rate-limit groups against each other and the access model; returns the
 * registry's definitions and memberships.
 */
export function buildRateLimitModel(
  inputs: RateLimitInputs,
  model: AccessModel,
  idp: IdentityProvider = "keycloak",
): { rateLimits: RateLimitModel; diagnostics: Diagnostic[] } {
  const o = new Out();
  const definitions: RateLimitDefinition[] = [];
  const byId = new Map<string, Located<RateLimitPolicy>>();
  const callerGroups = new Map<string, Located<RateLimitPolicy>>();
  const servers = knownServers(model);
  const quarantined = new Map<
    string,
    { loc: Located<RateLimitPolicy>; path: FieldPath; subjectType: SubjectType; subject: string }
  >();

  for (const loc of inputs.policies) {
    const p = loc.value;
    const at = loc.at;
    const src = loc.source;
    const keys = SUBJECT_KEYS.filter((k) => p[k] !== undefined);
    if (keys.length !== 1) {
      const said = keys.length ? `names ${keys.join(" and ")}` : "names nothing to limit";
      o.error(src, at, `a policy ${said}: give exactly one of ${SUBJECT_KEYS.join(", ")}`);
      continue;
    }
    const key = keys[0]!;
    if (key === "quarantine") {
      checkQuarantine(o, loc, model, servers, quarantined, idp);
      continue;
    }
    const { axis, entityType } = SUBJECT[key];
    let name = p[key] as string;
    const windowSeconds = p.window_seconds ?? 60; // models.py RateLimitDefinition.window_seconds default
    let ok = true;
    const wrong = (field: keyof RateLimitPolicy, why: string) => {
      if (p[field] !== undefined) {
        o.error(src, [...at, field], why, true);
        ok = false;
      }
    };
    // models.py `_check_axis_and_entity_type`: reserved quarantine names only on the quarantine axis.
    if (RESERVED_GROUP_NAMES.includes(name)) {
      o.error(
        src,
        [...at, key],
        `"${name}" is the registry's reserved quarantine group (models.py RESERVED_GROUP_NAMES): ` +
          `list the identities or targets under "quarantine:" instead`,
      );
      ok = false;
    }
    if (entityType === "group") {
      // models.py: a caller / caller_target group sets user_max_requests and/or agent_max_requests, nothing else.
      if (p.user_max_requests === undefined && p.agent_max_requests === undefined) {
        o.error(
          src,
          [...at, key],
          `a ${key} needs user_max_requests and/or agent_max_requests (requests per window for each ` +
            `user / each M2M account in the group)`,
        );
        ok = false;
      }
      wrong(
        "max_requests",
        `max_requests goes with targets (mcp_server, a2a_agent, server_group); a ${key} takes ` +
          `user_max_requests / agent_max_requests`,
      );
      wrong("members", `members goes with server_group only`);
      // rate_limit_routes.py `_validate_caller_floor`: the registry's API refuses short-window limits below the floor.
      if (windowSeconds <= FLOOR_WINDOW_SECONDS) {
        if (p.user_max_requests !== undefined && p.user_max_requests < USER_FLOOR_PER_MIN) {
          o.error(
            src,
            [...at, "user_max_requests"],
            `user_max_requests ${p.user_max_requests} is below the registry's user floor of ` +
              `${USER_FLOOR_PER_MIN} per window of up to ${FLOOR_WINDOW_SECONDS} s ` +
              `(rate_limit_routes.py _validate_caller_floor, a lock-out guard): raise it, or use a ` +
              `window longer than ${FLOOR_WINDOW_SECONDS} s`,
          );
          ok = false;
        }
        if (p.agent_max_requests !== undefined && p.agent_max_requests < AGENT_FLOOR_PER_MIN) {
          o.error(
            src,
            [...at, "agent_max_requests"],
            `agent_max_requests ${p.agent_max_requests} is below the registry's agent floor of ` +
              `${AGENT_FLOOR_PER_MIN} per window of up to ${FLOOR_WINDOW_SECONDS} s ` +
              `(rate_limit_routes.py _validate_caller_floor): raise it, or use a window longer than ` +
              `${FLOOR_WINDOW_SECONDS} s`,
          );
          ok = false;
        }
      }
    } else {
      // models.py: a target definition sets max_requests only; members only on a server_group.
      if (p.max_requests === undefined) {
        o.error(src, [...at, key], `a ${key} limit needs max_requests (requests per window across all callers)`);
        ok = false;
      }
      wrong(
        "user_max_requests",
        `user_max_requests goes with caller_group / caller_target_group; a ${key} limit takes max_requests`,
      );
      wrong(
        "agent_max_requests",
        `agent_max_requests goes with caller_group / caller_target_group; a ${key} limit takes max_requests`,
      );
      if (entityType !== "server_group") wrong("members", `members goes with server_group only`);
    }
    let members: string[] | null = null;
    if (entityType === "mcp_server") {
      // server.py `_classify_rate_limit_target` keys a server on its path without surrounding slashes; the
      // registry stores the name as given, so "/x" would never match.
      if (name !== name.trim() || /^\/|\/$/.test(name)) {
        o.error(
          src,
          [...at, key],
          `write the server as the auth server keys it, without surrounding slashes or spaces: ` +
            `"${stripSlashes(name.trim())}"`,
        );
        ok = false;
      } else if (!servers.has(name)) {
        o.warn(
          src,
          [...at, key],
          `no group in groups/ names server "${name}"; check the name (it must equal the server's ` +
            `path, e.g. currenttime for /currenttime/mcp)${hint(name, servers)}`,
        );
      }
    } else if (entityType === "a2a_agent") {
      // The classifier yields the agent path with a leading slash (server.py `_get_a2a_agent_path`).
      name = rateLimitAgentPath(name);
    } else if (entityType === "server_group") {
      if (!p.members) {
        o.error(src, [...at, key], `a server_group needs members: the MCP servers it covers, each counted on its own`);
        ok = false;
      } else {
        members = [];
        p.members.forEach((m, i) => {
          const n = memberServer(o, loc, [...at, "members", i], m, servers);
          if (n === null) ok = false;
          else if (members!.includes(n)) {
            o.error(
              src,
              [...at, "members", i],
              `server "${n}" is listed twice (models.py _check_members refuses duplicates)`,
            );
            ok = false;
          } else members!.push(n);
        });
      }
    }
    const id = definitionId(axis, entityType, name, windowSeconds);
    const first = byId.get(id);
    if (first) {
      const pos = first.source.locate([...first.at, key]);
      o.error(
        src,
        [...at, key],
        `a second ${key} "${name}" with window_seconds ${windowSeconds}: the registry keeps one ` +
          `definition per ${id} (first at ${first.source.file}:${pos.line}:${pos.column}); merge ` +
          `them or use another window`,
      );
      continue;
    }
    if (!ok) continue;
    byId.set(id, loc);
    if (entityType === "group" && !callerGroups.has(name)) callerGroups.set(name, loc);
    definitions.push({
      id,
      axis,
      entityType,
      name,
      members,
      maxRequests: entityType === "group" ? null : (p.max_requests ?? null),
      userMaxRequests: entityType === "group" ? (p.user_max_requests ?? null) : null,
      agentMaxRequests: entityType === "group" ? (p.agent_max_requests ?? null) : null,
      windowSeconds,
      failClosed: p.fail_closed ?? false,
      enabled: p.enabled ?? true,
      description: p.description ?? "",
      file: src.file,
    });
  }

  // Memberships: the identities' rate_limit_groups, then the quarantine lists (appended last, as
  // rate_limit_routes.py `add_quarantine` appends the reserved group to a caller's existing groups).
  const pending = new Map<string, PendingMembership>();
  const used = new Set<string>();
  const identityGroups = (
    subjectType: SubjectType,
    subject: string,
    loc: Located<{ rate_limit_groups?: string[] }>,
  ) => {
    const list = loc.value.rate_limit_groups;
    if (!list) return;
    const groups: string[] = [];
    list.forEach((g, i) => {
      const path = [...loc.at, "rate_limit_groups", i];
      if (RESERVED_GROUP_NAMES.includes(g)) {
        o.error(
          loc.source,
          path,
          `"${g}" is the registry's reserved quarantine group: list ${subject} under "quarantine:" ` +
            `in a rate-limits/ file instead, where quarantines are reviewed together`,
        );
      } else if (!callerGroups.has(g)) {
        o.error(
          loc.source,
          path,
          `rate-limit group "${g}" has no caller_group or caller_target_group in ` +
            `rate-limits/${hint(g, callerGroups.keys())}; the registry would store the membership and limit nothing`,
        );
      } else if (groups.includes(g)) {
        o.error(loc.source, path, `rate-limit group "${g}" is listed twice`);
      } else {
        groups.push(g);
        used.add(g);
      }
    });
    if (groups.length)
      pending.set(membershipId(subjectType, subject), { subjectType, subject, groups, file: loc.source.file });
  };
  // limiter.py `check` skips caller gates for `is_admin`, but server.py `_enforce_rate_limit` reads
  // validation_result["is_admin"], which no validator sets at 8c5b834b: admins are limited like everyone
  // (test/e2e/rate-limits.e2e.test.ts shows it). Say so where an admin joins a rate-limit group.
  const admins = new Set(
    identityAccess(model)
      .filter((a) => a.admin)
      .map((a) => `${a.kind === "user" ? "user" : "client"}:${a.name}`),
  );
  const warnAdmin = (subjectType: SubjectType, subject: string, loc: Located<{ rate_limit_groups?: string[] }>) => {
    if (admins.has(membershipId(subjectType, subject)) && loc.value.rate_limit_groups?.length) {
      o.warn(
        loc.source,
        [...loc.at, "rate_limit_groups"],
        `${subject} is a registry admin, and admins are rate-limited too: the limiter's admin ` +
          `bypass depends on an is_admin flag the auth server's /validate never sets ` +
          `(auth_server/server.py _enforce_rate_limit at 8c5b834b)`,
      );
    }
  };
  for (const u of inputs.users) warnAdmin("user", u.value.username, u as Located<{ rate_limit_groups?: string[] }>);
  for (const a of inputs.m2m) warnAdmin("client", a.value.name, a as Located<{ rate_limit_groups?: string[] }>);
  for (const u of inputs.users)
    identityGroups("user", u.value.username, u as Located<{ rate_limit_groups?: string[] }>);
  for (const a of inputs.m2m) {
    // On Entra the client id the auth server keys `client:<id>` on is the application's appId, assigned at apply
    // time; the definitions know only the name, so such a membership would never match.
    if (idp === "entra" && (a.value as { rate_limit_groups?: string[] }).rate_limit_groups) {
      o.error(
        a.source,
        [...a.at, "rate_limit_groups"],
        `rate limits of M2M accounts are not supported on Entra ID yet: the registry keys them on ` +
          `the application's client id (appId), which Entra assigns when the stack applies; remove ` +
          `rate_limit_groups here`,
      );
      continue;
    }
    identityGroups("client", a.value.name, a as Located<{ rate_limit_groups?: string[] }>);
  }
  for (const [id, q] of quarantined) {
    const group =
      q.subjectType === "user" || q.subjectType === "client" ? QUARANTINE_CALLER_GROUP : QUARANTINE_TARGET_GROUP;
    const m = pending.get(id);
    if (m) m.groups.push(group);
    else pending.set(id, { subjectType: q.subjectType, subject: q.subject, groups: [group], file: q.loc.source.file });
  }
  for (const [name, loc] of callerGroups) {
    if (!used.has(name)) {
      const key = loc.value.caller_group !== undefined ? "caller_group" : "caller_target_group";
      o.warn(
        loc.source,
        [...loc.at, key],
        `no user or M2M account lists "${name}" in rate_limit_groups, so this limit applies to nobody`,
      );
    }
  }

  const memberships = [...pending.entries()].map(([id, m]) => ({ id, ...m }));
  const cmp = (a: { id: string }, b: { id: string }) => byCodeUnit(a.id, b.id);
  return {
    rateLimits: { definitions: definitions.sort(cmp), memberships: memberships.sort(cmp) },
    diagnostics: o.diagnostics,
  };
}

function hint(word: string, known: Iterable<string>): string {
  const h = suggest(word, known);
  return h ? `: did you mean "${h}"?` : "";
}

/** A server_group member or a quarantined server, normalized as models.py `normalize_server_name` does. */
function memberServer(
  o: Out,
  loc: Located<RateLimitPolicy>,
  path: FieldPath,
  raw: string,
  servers: ReadonlySet<string>,
): string | null {
  const n = rateLimitServerName(raw);
  if (!n) {
    o.error(loc.source, path, `empty server name`);
    return null;
  }
  const full = stripSlashes(raw.trim());
  if (full !== n) {
    // normalize_server_name keeps the first segment only, while the auth server keys the request on the whole
    // path (federated servers: peer/x): the registry would store "peer" and never match "peer/x".
    o.error(
      loc.source,
      path,
      `"${raw}" has more than one path segment: the registry keeps only "${n}" (models.py ` +
        `normalize_server_name) while requests to it are keyed "${full}", so the entry would never apply`,
    );
    return null;
  }
  if (!servers.has(n))
    o.warn(loc.source, path, `no group in groups/ names server "${n}"; check the name${hint(n, servers)}`);
  return n;
}

function checkQuarantine(
  o: Out,
  loc: Located<RateLimitPolicy>,
  model: AccessModel,
  servers: ReadonlySet<string>,
  out: Map<string, { loc: Located<RateLimitPolicy>; path: FieldPath; subjectType: SubjectType; subject: string }>,
  idp: IdentityProvider,
): void {
  const q = loc.value.quarantine!;
  const at = [...loc.at, "quarantine"];
  const src = loc.source;
  for (const field of [
    "window_seconds",
    "user_max_requests",
    "agent_max_requests",
    "max_requests",
    "members",
    "fail_closed",
    "enabled",
  ] as const) {
    // models.py `_check_quarantine`: a quarantine carries no rate; the sentinel definitions are the registry's own.
    if (loc.value[field] !== undefined)
      o.error(
        src,
        [...loc.at, field],
        `"${field}" does not go with quarantine: a quarantine refuses every request, it has no rate ` +
          `(the registry seeds its reserved groups itself)`,
        true,
      );
  }
  const access = identityAccess(model);
  const adminOf = new Map(access.map((a) => [`${a.kind}:${a.name}`, a]));
  const add = (path: FieldPath, subjectType: SubjectType, subject: string) => {
    const id = membershipId(subjectType, subject);
    const first = out.get(id);
    if (first) {
      const pos = first.loc.source.locate(first.path);
      o.error(src, path, `${subject} is already quarantined at ${first.loc.source.file}:${pos.line}:${pos.column}`);
      return;
    }
    out.set(id, { loc, path, subjectType, subject });
  };
  const admins: string[] = [];
  const adminsQuarantined: string[] = [];
  for (const a of access) if (a.admin && a.enabled) admins.push(`${a.kind}:${a.name}`);
  if (model.bootstrapAdmin) admins.push(`user:${model.bootstrapAdmin.username}`);

  q.users?.forEach((u, i) => {
    const path = [...at, "users", i];
    const isBootstrap = model.bootstrapAdmin?.username === u;
    const def = model.users.find((x) => x.username === u);
    if (!def && !isBootstrap) {
      o.error(
        src,
        path,
        `user "${u}" is not defined in users/${hint(
          u,
          model.users.map((x) => x.username),
        )}`,
      );
      return;
    }
    // rate_limit_routes.py `_refuse_if_admin_caller`: the registry refuses to quarantine an administrator
    // (self-lockout guard), whatever way the membership is written.
    if (isBootstrap || adminOf.get(`user:${u}`)?.admin) {
      o.error(
        src,
        path,
        `user "${u}" is a registry ` +
          `admin${isBootstrap ? ` (the bootstrap admin, in ${BOOTSTRAP_ADMIN_GROUP})` : ""}: the ` +
          `registry refuses to quarantine administrators (rate_limit_routes.py ` +
          `_refuse_if_admin_caller); take them out of the admin groups first, or disable the user`,
      );
      adminsQuarantined.push(`user:${u}`);
      return;
    }
    add(path, "user", u);
  });
  q.m2m?.forEach((a, i) => {
    const path = [...at, "m2m", i];
    if (idp === "entra") {
      o.error(
        src,
        path,
        `quarantining M2M accounts is not supported on Entra ID yet: the registry keys it on the ` +
          `application's client id (appId), which Entra assigns when the stack applies; disable the ` +
          `account (enabled: false) instead`,
      );
      return;
    }
    if (!model.m2m.some((x) => x.name === a)) {
      o.error(
        src,
        path,
        `M2M account "${a}" is not defined in m2m/${hint(
          a,
          model.m2m.map((x) => x.name),
        )}`,
      );
      return;
    }
    if (adminOf.get(`m2m:${a}`)?.admin) {
      o.error(
        src,
        path,
        `M2M account "${a}" is a registry admin: the registry refuses to quarantine administrators ` +
          `(rate_limit_routes.py _refuse_if_admin_caller)`,
      );
      adminsQuarantined.push(`m2m:${a}`);
      return;
    }
    add(path, "client", a);
  });
  q.servers?.forEach((s, i) => {
    const n = memberServer(o, loc, [...at, "servers", i], s, servers);
    if (n !== null) add([...at, "servers", i], "server", n);
  });
  q.agents?.forEach((a, i) => {
    const n = rateLimitAgentPath(a);
    if (!n || n === "/") o.error(src, [...at, "agents", i], `empty agent path`);
    else add([...at, "agents", i], "agent", n);
  });
  // The guard of the brief: quarantining every admin would leave nobody to lift it.
  if (admins.length > 0 && admins.every((a) => adminsQuarantined.includes(a))) {
    o.error(
      src,
      at,
      `this quarantines every registry admin (${admins.join(", ")}): nobody could lift it through the registry`,
    );
  }
}
