/** `mcp-access explain`: what an identity may do, or one allow/deny decision, as the registry's auth server decides. */
import { Command, Option } from "commander";
import { callerRateLimitLines, callerRateLimits, targetRateLimits } from "../lib";
import { authScopes, checkRepository, m2mNames, resolveIdentity, userNames, type ResolvedIdentity, decide, DISABLED_DECISION, grantsOf, grantText, scopesForGroups, UPSTREAM_REVISION, type AccessDecision, type AccessModel, type DecisionRequest } from "../lib";
import { UsageError } from "./errors";
import type { Io } from "./io";
import { collect, repoOptions, resolveSettings, validModel, type RepoFlags } from "./repo";

interface ExplainFlags extends RepoFlags {
  user?: string;
  m2m?: string;
  groups?: string[];
  server?: string;
  method?: string;
  tool?: string;
  url?: string;
  agent?: string;
  action?: string;
  http?: string;
  format: "text" | "json";
}

function identity(model: AccessModel, flags: ExplainFlags): Who {
  const chosen = [flags.user, flags.m2m, flags.groups].filter((x) => x !== undefined).length;
  if (chosen !== 1) throw new UsageError("give exactly one of --user NAME, --m2m NAME or --groups a,b");
  if (flags.user !== undefined) {
    const who = resolveIdentity(model, { user: flags.user });
    if (!who) throw new UsageError(`no user "${flags.user}" in users/ (known: ${userNames(model).join(", ") || "none"})`);
    return who;
  }
  if (flags.m2m !== undefined) {
    const who = resolveIdentity(model, { m2m: flags.m2m });
    if (!who) throw new UsageError(`no M2M account "${flags.m2m}" in m2m/ (known: ${m2mNames(model).join(", ") || "none"})`);
    return who;
  }
  return resolveIdentity(model, { groups: flags.groups! })!;
}

type Who = ResolvedIdentity;

/** The request the flags describe, in words and as the access tests write it. */
function requestOf(flags: ExplainFlags): { label: string; request: DecisionRequest } {
  const kinds = [flags.url !== undefined, flags.agent !== undefined, flags.server !== undefined].filter(Boolean).length;
  if (kinds !== 1) throw new UsageError("a decision needs exactly one of --server (with --method or --http), --url or --agent");
  if (flags.agent !== undefined && (flags.method !== undefined || flags.tool !== undefined || flags.http !== undefined)) throw new UsageError("--agent takes --action, not --method, --tool or --http");
  if (flags.action !== undefined && flags.agent === undefined) throw new UsageError("--action goes with --agent");
  if (flags.http !== undefined && (flags.method !== undefined || flags.tool !== undefined || flags.url !== undefined)) throw new UsageError("--http takes --server kind/path only (the generic-proxy hop has no MCP method or tool)");
  const tool = flags.tool !== undefined ? { tool: flags.tool } : {};
  if (flags.agent !== undefined) {
    const action = flags.action ?? "invoke_agent";
    return { label: `${action} on agent ${flags.agent}`, request: { agent: flags.agent, action } };
  }
  if (flags.url !== undefined) {
    return { label: `${flags.method ?? "(no body)"}${flags.tool ? ` ${flags.tool}` : ""} ${flags.url}`, request: { url: flags.url, ...(flags.method !== undefined ? { method: flags.method } : {}), ...tool } };
  }
  if (flags.http !== undefined) return { label: `${flags.http.toUpperCase()} ${flags.server} (generic proxy)`, request: { server: flags.server!, http: flags.http } };
  if (!flags.method) throw new UsageError("a decision on --server needs --method (and --tool for tools/call), or --http VERB for the generic proxy");
  return { label: `${flags.method}${flags.tool ? ` ${flags.tool}` : ""} on ${flags.server}`, request: { server: flags.server!, method: flags.method, ...tool } };
}

/** The one decision the flags ask for: the same `decide` the access tests assert. */
function decideFlags(docs: ReturnType<typeof authScopes>, who: Who, flags: ExplainFlags): { request: string; decision: AccessDecision } {
  const { label, request } = requestOf(flags);
  return { request: label, decision: who.enabled ? decide(docs, who.groups, request) : DISABLED_DECISION };
}

export function runExplain(flags: ExplainFlags, io: Io): number {
  const { root, settings } = resolveSettings(flags);
  const model = validModel(checkRepository(root, settings), io, "the definitions have errors; fix them first (mcp-access validate)");
  const who = identity(model, flags);
  const docs = authScopes(model);
  if ([flags.server, flags.method, flags.tool, flags.url, flags.agent, flags.action, flags.http].some((x) => x !== undefined)) {
    const { request, decision: d } = decideFlags(docs, who, flags);
    if (flags.format === "json") {
      io.out(JSON.stringify({ identity: who.label, request, allowed: d.allowed, scope: d.scope, rule: d.rule, branch: d.branch, decided_by: d.decidedBy, reason: d.reason, ...(d.target !== undefined ? { key: d.target } : {}), scopes: d.scopes, upstream: UPSTREAM_REVISION }, null, 2));
    } else {
      const verdict = d.branch === "not-scope-checked" ? "NOT SCOPE-CHECKED" : d.allowed ? "ALLOW" : "DENY";
      const lines = [`${verdict} ${who.label}: ${request}`];
      if (d.target) lines.push(`  key: ${d.target}`);
      if (d.scope) lines.push(`  by scope ${d.scope}, rule ${JSON.stringify(d.rule)}`);
      lines.push(`  ${d.reason}`, `  decided by ${d.decidedBy} (${d.branch})`, `  scopes held: ${d.scopes.join(", ") || "(none)"}`);
      // Rate limits: quarantine of the caller and of the target refuse even an allowed request.
      const target = flags.agent !== undefined ? targetRateLimits(model, { agent: flags.agent }) : flags.server !== undefined ? targetRateLimits(model, { server: flags.server }) : null;
      const caller = flags.user !== undefined ? callerRateLimits(model, { user: flags.user }) : flags.m2m !== undefined ? callerRateLimits(model, { m2m: flags.m2m }) : null;
      if (caller?.quarantined) lines.push("  but the caller is QUARANTINED: the auth server refuses it (403 quarantined) when RATE_LIMITING_ENABLED");
      if (target?.quarantined) lines.push(`  but ${target.name} is QUARANTINED: the auth server refuses every request to it (403 quarantined) when RATE_LIMITING_ENABLED`);
      for (const g of target?.gates ?? []) lines.push(`  target limit: ${g.maxRequests} requests per ${g.windowSeconds} s across all callers (${g.definition})`);
      io.out(lines.join("\n"));
    }
    return 0;
  }
  const held = who.enabled ? scopesForGroups(docs, who.groups) : [];
  const { grants: heldGrants, admin } = grantsOf(held);
  const grants = heldGrants.map(grantText);
  // Rate limits and quarantine (lib/rate-limits/identity.ts), for a named user or M2M account.
  const rated = flags.user !== undefined ? callerRateLimits(model, { user: flags.user }) : flags.m2m !== undefined ? callerRateLimits(model, { m2m: flags.m2m }) : null;
  if (flags.format === "json") {
    io.out(JSON.stringify({ identity: who.label, enabled: who.enabled, groups: who.groups, scopes: held.map((s) => s._id), admin, grants, allowed: null, scope: null, rule: null, ...(rated ? { rate_limits: rated } : {}) }, null, 2));
  } else {
    io.out(`${who.label}${who.enabled ? "" : " (disabled: gets no token)"}\n  groups: ${who.groups.join(", ")}\n  scopes: ${held.map((s) => s._id).join(", ") || "(none)"}\n  registry admin: ${admin ? "yes" : "no"}`);
    for (const g of grants) io.out(`  ${g}`);
    if (rated) for (const line of callerRateLimitLines(rated, admin)) io.out(line);
  }
  return 0;
}

export function addExplainCommand(program: Command, io: Io, setExit: (code: number) => void): void {
  repoOptions(program.command("explain").description("show what an identity may do, or decide one request as the registry's auth server would"))
    .option("--user <name>", "a user from users/")
    .option("--m2m <name>", "an M2M account from m2m/")
    .option("--groups <a,b>", "IdP groups, as a token carries them", collect)
    .option("--server <server>", "MCP server key or path (e.g. currenttime, /currenttime/mcp, peer-x/docs), or kind/path with --http")
    .option("--method <method>", "JSON-RPC method, e.g. tools/list or tools/call (case-sensitive)")
    .option("--tool <tool>", "tool name (params.name), for tools/call")
    .option("--url <path>", "a request path as the gateway forwards it (e.g. /currenttime/mcp, /peer-x/docs/sse, /api/servers): the key is derived as the auth server does")
    .option("--agent <path>", "an A2A agent path, e.g. /flight-booking (decided like validate_a2a_agent_access)")
    .option("--action <action>", "the agent action, with --agent (default invoke_agent)")
    .option("--http <verb>", "an HTTP verb on the generic proxy, with --server kind/path (e.g. skill/skills/pdf)")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .action((flags: ExplainFlags) => setExit(runExplain(flags, io)));
}
