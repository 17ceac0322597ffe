/** `mcp-access explain`: what an identity may do, or one allow/deny decision, as the registry's auth server decides. */
import { Command, Option } from "commander";
import {
  brokeredGroups,
  callerRateLimitLines,
  callerRateLimits,
  claimsDepthProblem,
  identityProviderAliases,
  mapperText,
  requestTargetLimits,
  apiRead,
  HTTP_VERBS,
  proxyPrefixOf,
  proxyRoute,
} from "../lib";
import type { Claims } from "../lib";
import {
  applyToolBlocks,
  authScopes,
  blockText,
  checkRepository,
  decideFor,
  grantsOf,
  grantText,
  m2mNames,
  REGISTRY_DEFAULTS,
  resolveIdentity,
  scopesForGroups,
  switchText,
  UPSTREAM_REVISION,
  userNames,
  type AccessDecision,
  type AccessModel,
  type DecisionRequest,
  type KnownBlocks,
  type RequestBody,
  type ResolvedIdentity,
} from "../lib";
import { UsageError } from "../lib";
import type { Io } from "./io";
import { collect, repoOptions, resolveSettings, validModel, type RepoFlags } from "./repo";
import { answerBlocks, readBlocksFromDatabase, type RegistryBlockReader } from "./registry-blocks";

interface ExplainFlags extends RepoFlags {
  user?: string;
  m2m?: string;
  groups?: string[];
  idp?: string;
  claims?: string;
  server?: string;
  method?: string;
  tool?: string;
  url?: string;
  agent?: string;
  action?: string;
  http?: string;
  body?: string;
  spilledBody?: boolean;
  cookie?: boolean;
  backend?: string;
  requiredScopes?: string[];
  format: "text" | "json";
}

/** The flags that describe a request, shared with `who`. */
export type RequestFlags = Pick<
  ExplainFlags,
  | "server"
  | "method"
  | "tool"
  | "url"
  | "agent"
  | "action"
  | "http"
  | "body"
  | "spilledBody"
  | "cookie"
  | "backend"
  | "requiredScopes"
>;

function identity(model: AccessModel, flags: ExplainFlags): Who {
  const chosen = [flags.user, flags.m2m, flags.groups, flags.idp].filter((x) => x !== undefined).length;
  if (chosen !== 1)
    throw new UsageError("give exactly one of --user NAME, --m2m NAME, --groups a,b or --idp ALIAS (with --claims)");
  if ((flags.claims !== undefined) !== (flags.idp !== undefined))
    throw new UsageError("--claims goes with --idp, and --idp needs --claims");
  if (flags.idp !== undefined) {
    const who = resolveIdentity(model, { idp: flags.idp, claims: parseClaims(flags.claims!) });
    if (!who) {
      const known = identityProviderAliases(model).join(", ") || "none";
      throw new UsageError(`no identity provider "${flags.idp}" in identity-providers/ (known: ${known})`);
    }
    return who;
  }
  if (flags.user !== undefined) {
    const who = resolveIdentity(model, { user: flags.user });
    if (!who)
      throw new UsageError(`no user "${flags.user}" in users/ (known: ${userNames(model).join(", ") || "none"})`);
    return who;
  }
  if (flags.m2m !== undefined) {
    const who = resolveIdentity(model, { m2m: flags.m2m });
    if (!who)
      throw new UsageError(`no M2M account "${flags.m2m}" in m2m/ (known: ${m2mNames(model).join(", ") || "none"})`);
    return who;
  }
  return resolveIdentity(model, { groups: flags.groups! })!;
}

type Who = ResolvedIdentity;

/** `--claims` is the JSON object the provider sends (ID token claims, or SAML attributes as name -> values). */
function parseClaims(text: string): Claims {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new UsageError(
      `--claims must be a JSON object, e.g. '{"groups": ["5510a1b0-..."]}'; not JSON: ${text.slice(0, 80)}`,
    );
  }
  if (v === null || typeof v !== "object" || Array.isArray(v))
    throw new UsageError("--claims must be a JSON object of claims");
  // Deep nesting is an answerable input, not a crash: Keycloak's parser refuses it, so say so.
  const deep = claimsDepthProblem(v);
  if (deep) throw new UsageError(`--claims: ${deep}`);
  return v as Claims;
}

/** For a brokered person, in JSON: each mapper and whether it applies. */
function mapperJson(model: AccessModel, flags: ExplainFlags): { mappers?: Array<Record<string, unknown>> } {
  const p = flags.idp !== undefined ? (model.identityProviders ?? []).find((x) => x.alias === flags.idp) : undefined;
  if (!p) return {};
  const outcomes = brokeredGroups(p, parseClaims(flags.claims!)).outcomes;
  return {
    mappers: outcomes.map((o) => {
      const { name, group, syncMode } = o.mapper;
      return { name, group, applies: o.applies, sync_mode: syncMode, ...(o.note ? { note: o.note } : {}) };
    }),
  };
}

/** For a brokered person: each mapper and whether it applies to these claims. */
function mapperLines(model: AccessModel, flags: ExplainFlags): string[] {
  const p = flags.idp !== undefined ? (model.identityProviders ?? []).find((x) => x.alias === flags.idp) : undefined;
  if (!p) return [];
  const lines = brokeredGroups(p, parseClaims(flags.claims!)).outcomes.map(
    (o) =>
      `  mapper ${JSON.stringify(o.mapper.name)}: ${mapperText(o.mapper)}: ` +
      `${o.applies ? "applies" : "does not apply"}` +
      (o.mapper.syncMode === "FORCE" ? "" : ` (sync ${o.mapper.syncMode}: set at the first login only)`) +
      (o.note ? `\n    ${o.note}` : ""),
  );
  if (!p.mappers.length) lines.push("  (the provider has no mappers: a person from it gets no group)");
  if (!p.enabled) lines.push("  (the provider is disabled: no login through it)");
  return lines;
}

/**
 * The URL flags only some URLs take: `--cookie` a generic-proxy client URL (whose `--method` is an HTTP verb),
 * `--backend`/`--required-scopes` a virtual server's tool list.
 */
function urlExtras(
  flags: RequestFlags,
  prefix: string,
): { cookie?: true; backend?: string; requiredScopes?: string[] } {
  const proxied = flags.url !== undefined && proxyRoute(flags.url, prefix) !== null;
  if (flags.cookie && !proxied)
    throw new UsageError(`--cookie goes with --url of a generic-proxy client URL (/${prefix}/{type}/{name}/)`);
  const read = flags.url !== undefined ? apiRead(flags.url) : null;
  const vs = read?.kind === "virtual-server-tools";
  if ((flags.backend !== undefined || flags.requiredScopes !== undefined) && !vs)
    throw new UsageError("--backend and --required-scopes go with --url /api/virtual-servers/<path>/tools");
  if (vs && flags.backend !== undefined && flags.tool === undefined) throw new UsageError("--backend needs --tool");
  if (proxied && flags.method !== undefined && !HTTP_VERBS.has(flags.method.toUpperCase()))
    throw new UsageError(`on a generic-proxy client URL --method is an HTTP verb (${[...HTTP_VERBS].join(", ")})`);
  return {
    ...(flags.cookie ? { cookie: true as const } : {}),
    ...(flags.backend !== undefined ? { backend: flags.backend } : {}),
    ...(flags.requiredScopes !== undefined ? { requiredScopes: flags.requiredScopes } : {}),
  };
}

/** The request the flags describe, in words and as the access tests write it. */
export function requestOf(flags: RequestFlags, prefix: string): { label: string; request: DecisionRequest } {
  const kinds = [flags.url !== undefined, flags.agent !== undefined, flags.server !== undefined].filter(Boolean).length;
  if (kinds !== 1)
    throw new UsageError("a decision needs exactly one of --server (with --method or --http), --url or --agent");
  if (flags.agent !== undefined && (flags.method !== undefined || flags.tool !== undefined || flags.http !== undefined))
    throw new UsageError("--agent takes --action, not --method, --tool or --http");
  if (flags.action !== undefined && flags.agent === undefined) throw new UsageError("--action goes with --agent");
  if (flags.http !== undefined && (flags.method !== undefined || flags.tool !== undefined || flags.url !== undefined))
    throw new UsageError("--http takes --server kind/path only (the generic-proxy hop has no MCP method or tool)");
  const tool = flags.tool !== undefined ? { tool: flags.tool } : {};
  if (flags.agent !== undefined) {
    const action = flags.action ?? "invoke_agent";
    return { label: `${action} on agent ${flags.agent}`, request: { agent: flags.agent, action } };
  }
  if ((flags.body !== undefined || flags.spilledBody) && flags.url === undefined) {
    throw new UsageError("--body and --spilled-body go with --url");
  }
  if (flags.url !== undefined) {
    const rpc = flags.method !== undefined || flags.tool !== undefined;
    const bodies = [rpc, flags.body !== undefined, flags.spilledBody === true];
    if (bodies.filter(Boolean).length > 1) {
      throw new UsageError("give one of --method (with --tool), --body or --spilled-body with --url");
    }
    if (flags.body !== undefined || flags.spilledBody) {
      const body: RequestBody = flags.spilledBody ? { kind: "spilled" } : { kind: "text", text: flags.body! };
      const text = flags.body ?? "";
      const what = flags.spilledBody ? "(spilled body)" : `body ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
      return { label: `${what} ${flags.url}`, request: { url: flags.url, body } };
    }
    const extras = urlExtras(flags, prefix);
    const cookie = extras.cookie ? " (session cookie)" : "";
    return {
      label: `${flags.method ?? "(no body)"}${flags.tool ? ` ${flags.tool}` : ""} ${flags.url}${cookie}`,
      request: { url: flags.url, ...(flags.method !== undefined ? { method: flags.method } : {}), ...tool, ...extras },
    };
  }
  if (flags.http !== undefined) {
    const request = { server: flags.server!, http: flags.http };
    return { label: `HTTP ${flags.http.toUpperCase()} ${flags.server}`, request };
  }
  if (!flags.method)
    throw new UsageError(
      "a decision on --server needs --method (and --tool for tools/call), or --http VERB for the generic proxy",
    );
  return {
    label: `${flags.method}${flags.tool ? ` ${flags.tool}` : ""} on ${flags.server}`,
    request: { server: flags.server!, method: flags.method, ...tool },
  };
}

/** The one decision the flags ask for: the same `decide` the access tests assert, under the same switches. */
function decideFlags(
  model: AccessModel,
  docs: AuthScopes,
  who: Who,
  flags: ExplainFlags,
  blocks: KnownBlocks,
): { request: string; asked: DecisionRequest; decision: AccessDecision } {
  const registry = model.registry ?? REGISTRY_DEFAULTS;
  const { label, request } = requestOf(flags, proxyPrefixOf(registry));
  const decision = decideFor(docs, who, request, registry, model.rateLimits, blocks);
  return { request: label, asked: request, decision };
}

function verdictOf(d: AccessDecision): string {
  if (d.branch === "not-scope-checked") return "NOT SCOPE-CHECKED";
  if (d.branch === "quarantined") return "DENY (403 quarantined)";
  if (d.branch === "not-routed") return "NOT ROUTED";
  if (d.allowed) return "ALLOW";
  return d.status !== undefined ? `DENY (${d.status})` : "DENY";
}

export { verdictOf };

/**
 * `read`: how the registry's own tool blocks are read with `--stack` (the stack's database; tests hand in a fake).
 */
export async function runExplain(
  flags: ExplainFlags,
  io: Io,
  read: RegistryBlockReader = readBlocksFromDatabase,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const { root, settings } = resolveSettings(flags);
  const model = validModel(
    checkRepository(root, settings),
    io,
    "the definitions have errors; fix them first (mcp-access validate)",
  );
  const who = identity(model, flags);
  requestOfFlagsChecked(model, flags);
  const blocks = await answerBlocks(model, { root, stack: flags.stack }, read, env);
  for (const w of blocks.warnings) io.err(`warning: ${w}`);
  const docs = authScopes(model);
  if (asksDecision(flags)) explainDecision(model, who, docs, flags, io, blocks.known);
  else explainIdentity(model, who, docs, flags, io, blocks.known);
  return 0;
}

const asksDecision = (flags: ExplainFlags) =>
  [flags.server, flags.method, flags.tool, flags.url, flags.agent, flags.action, flags.http, flags.body].some(
    (x) => x !== undefined,
  ) ||
  [flags.backend, flags.requiredScopes].some((x) => x !== undefined) ||
  !!flags.spilledBody ||
  !!flags.cookie;

/** A request the flags get wrong is a usage error before the database is asked anything. */
function requestOfFlagsChecked(model: AccessModel, flags: ExplainFlags): void {
  if (asksDecision(flags)) requestOf(flags, proxyPrefixOf(model.registry ?? REGISTRY_DEFAULTS));
}

type AuthScopes = ReturnType<typeof authScopes>;

/** One decision as `--format json` says it, shared with `who`: what decided, why, and what it depends on. */
export function decisionJson(d: AccessDecision): Record<string, unknown> {
  const dependsOn = (d.dependsOn ?? []).map((s) => ({ switch: s.name, on: s.value, text: switchText(s) }));
  return {
    allowed: d.allowed,
    scope: d.scope,
    rule: d.rule,
    branch: d.branch,
    decided_by: d.decidedBy,
    reason: d.reason,
    ...(d.target !== undefined ? { key: d.target } : {}),
    ...(d.status !== undefined ? { status: d.status } : {}),
    ...(dependsOn.length ? { depends_on: dependsOn } : {}),
    ...(d.notes?.length ? { notes: d.notes } : {}),
    quarantine: d.quarantine ?? null,
  };
}

/** One allow/deny decision for the request the flags describe. */
function explainDecision(
  model: AccessModel,
  who: Who,
  docs: AuthScopes,
  flags: ExplainFlags,
  io: Io,
  blocks: KnownBlocks,
): void {
  const { request, asked, decision: d } = decideFlags(model, docs, who, flags, blocks);
  const dependsOn = (d.dependsOn ?? []).map((s) => ({ switch: s.name, on: s.value, text: switchText(s) }));
  if (flags.format === "json") {
    const answer = {
      identity: who.label,
      request,
      ...decisionJson(d),
      scopes: d.scopes,
      upstream: UPSTREAM_REVISION,
      ...mapperJson(model, flags),
    };
    io.out(JSON.stringify(answer, null, 2));
    return;
  }
  const lines = [`${verdictOf(d)} ${who.label}: ${request}`];
  if (d.target) lines.push(`  key: ${d.target}`);
  if (d.scope) lines.push(`  by scope ${d.scope}${d.rule ? `, rule ${JSON.stringify(d.rule)}` : ""}`);
  lines.push(
    `  ${d.reason}`,
    `  decided by ${d.decidedBy} (${d.branch})`,
    `  scopes held: ${d.scopes.join(", ") || "(none)"}`,
  );
  for (const s of dependsOn) lines.push(`  depends on the registry's switch: ${s.text}`);
  for (const n of d.notes ?? []) lines.push(`  note: ${n}`);
  lines.push(...mapperLines(model, flags), ...quarantineLines(model, d, asked));
  io.out(lines.join("\n"));
}

/** The caller's rate limits, for a named user or M2M account (lib/review/rate-limit-identity.ts). */
function callerLimits(model: AccessModel, flags: ExplainFlags): ReturnType<typeof callerRateLimits> | null {
  if (flags.user !== undefined) return callerRateLimits(model, { user: flags.user });
  if (flags.m2m !== undefined) return callerRateLimits(model, { m2m: flags.m2m });
  return null;
}

/**
 * The quarantine the decision carries (whatever form the request took), and the target's own limits: a quarantine
 * that did not decide (the scopes denied first, or the limiter does not run on the path) is still said.
 */
function quarantineLines(model: AccessModel, d: AccessDecision, asked: DecisionRequest): string[] {
  const q = d.quarantine;
  const how = !q?.limited
    ? "but the rate limiter does not run on the registry API (/api/*, agent actions but invoke_agent), so it " +
      "does not decide here"
    : q.refuses
      ? "the auth server refuses this request"
      : "authorisation refuses this request first; one it allowed would be refused";
  const lines: string[] = [];
  const axis = (a: string) => (q?.limited ? ` (403 quarantined, axis ${a})` : "");
  if (q?.target) lines.push(`  ${q.target} is QUARANTINED: ${how}${axis("tgt")}`);
  if (q?.caller) lines.push(`  the caller ${q.caller} is QUARANTINED: ${how}${axis("clr")}`);
  for (const g of requestTargetLimits(model, asked)?.gates ?? [])
    lines.push(
      `  target limit: ${g.maxRequests} requests per ${g.windowSeconds} s across all callers (${g.definition})`,
    );
  return lines;
}

/** What an identity may do: its groups, scopes, grants and rate limits. */
function explainIdentity(
  model: AccessModel,
  who: Who,
  docs: AuthScopes,
  flags: ExplainFlags,
  io: Io,
  blocks: KnownBlocks,
): void {
  const held = who.enabled ? scopesForGroups(docs, who.groups) : [];
  const { grants: heldGrants, admin } = grantsOf(held);
  // A block precedes every grant: a blocked tool is not the identity's, whatever grants it.
  const applied = applyToolBlocks(heldGrants, blocks.blocks);
  const grants = applied.visible.map(grantText);
  const blocked = applied.blocked.map((b) => `${grantText(b.grant)}: ${blockText(b.block)}`);
  const toolLevel = heldGrants.some((g) => g.kind === "tool");
  const assumes =
    toolLevel && !blocks.registryRead
      ? "assumes no tool is blocked beyond tool-blocks/ (the registry's own blocks are server data; --stack reads them)"
      : null;
  const rated = callerLimits(model, flags);
  if (flags.format === "json") {
    const brokered = mapperJson(model, flags);
    io.out(
      JSON.stringify(
        {
          identity: who.label,
          enabled: who.enabled,
          groups: who.groups,
          scopes: held.map((s) => s._id),
          admin,
          grants,
          blocked,
          ...(assumes ? { notes: [assumes] } : {}),
          allowed: null,
          scope: null,
          rule: null,
          ...(rated ? { rate_limits: rated } : {}),
          ...brokered,
        },
        null,
        2,
      ),
    );
    return;
  }
  io.out(
    `${who.label}${who.enabled ? "" : " (disabled: gets no token)"}\n  groups: ` +
      `${who.groups.join(", ") || "(none)"}\n  scopes: ` +
      `${held.map((s) => s._id).join(", ") || "(none)"}\n  registry admin: ${admin ? "yes" : "no"}`,
  );
  for (const line of mapperLines(model, flags)) io.out(line);
  for (const g of grants) io.out(`  ${g}`);
  for (const b of blocked) io.out(`  BLOCKED ${b}`);
  if (assumes) io.out(`  note: ${assumes}`);
  if (rated) for (const line of callerRateLimitLines(rated, admin)) io.out(line);
}

export function addExplainCommand(program: Command, io: Io, setExit: (code: number) => void): void {
  repoOptions(
    program
      .command("explain")
      .description(
        "show what an identity may do, or decide one request as the registry's auth server would (tool-blocks/ " +
          "honoured; with --stack also the registry's own tool blocks, read from the stack's database)",
      ),
  )
    .option("--user <name>", "a user from users/")
    .option("--m2m <name>", "an M2M account from m2m/")
    .option("--groups <a,b>", "IdP groups, as a token carries them", collect)
    .option("--idp <alias>", "a person brokered through this provider of identity-providers/ (with --claims)")
    .option(
      "--claims <json>",
      'with --idp: the claims (SAML: attributes) the provider sends, e.g. \'{"groups": ["g1"]}\'',
    )
    .option(
      "--server <server>",
      "MCP server key or path (e.g. currenttime, /currenttime/mcp, peer-x/docs), or kind/path with --http",
    )
    .option("--method <method>", "JSON-RPC method, e.g. tools/list or tools/call (case-sensitive)")
    .option("--tool <tool>", "tool name (params.name), for tools/call")
    .option(
      "--url <path>",
      "a request path as the gateway forwards it (e.g. /currenttime/mcp, /peer-x/docs/sse, /api/servers): the " +
        "key is derived as the auth server does; a generic-proxy client URL (/gateway/skill/pdf/, with --method " +
        "VERB) is decided on its {type}/{path} key; /api/skills/<name> and /api/virtual-servers/<path>/tools as " +
        "the registry checks them",
    )
    .option("--agent <path>", "an A2A agent path, e.g. /flight-booking (decided like validate_a2a_agent_access)")
    .option("--action <action>", "the agent action, with --agent (default invoke_agent)")
    .option(
      "--http <verb>",
      "an HTTP verb with --server: on the generic proxy (gatewayGenericProxy on) the kind/path key " +
        "(e.g. skill/skills/pdf); off (upstream's default) a body-less request to /<server>",
    )
    .option(
      "--body <text>",
      "with --url: the request body as sent (X-Body), e.g. a JSON-RPC batch; a body that is not JSON is refused (400)",
    )
    .option("--spilled-body", "with --url: the body was too large to capture (X-Body-Uninspectable): refused (413)")
    .option(
      "--cookie",
      "with --url of a generic-proxy client URL: the caller signs in with the session cookie, not a Bearer token " +
        "(the CSRF gate refuses POST, PUT, PATCH and DELETE)",
    )
    .option("--backend <server>", "with --url /api/virtual-servers/<path>/tools and --tool: the tool's backend server")
    .option(
      "--required-scopes <a,b>",
      "with --backend: the tool's required_scopes (virtual-server data; assumed none when not given)",
      collect,
    )
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .action(async (flags: ExplainFlags) => setExit(await runExplain(flags, io)));
}
