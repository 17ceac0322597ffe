/** `mcp-access explain`: what an identity may do, or one allow/deny decision, as the registry's auth server decides. */
import { Command, Option } from "commander";
import { authScopes, checkRepository, decide, DISABLED_DECISION, grantsOf, grantText, scopesForGroups, type AccessModel } from "../lib";
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
  format: "text" | "json";
}

function identity(model: AccessModel, flags: ExplainFlags): { label: string; groups: string[]; enabled: boolean } {
  const chosen = [flags.user, flags.m2m, flags.groups].filter((x) => x !== undefined).length;
  if (chosen !== 1) throw new UsageError("give exactly one of --user NAME, --m2m NAME or --groups a,b");
  if (flags.user) {
    const u = model.users.find((x) => x.username === flags.user);
    if (!u) throw new UsageError(`no user "${flags.user}" in users/ (known: ${model.users.map((x) => x.username).join(", ") || "none"})`);
    return { label: `user ${u.username}`, groups: u.groups, enabled: u.enabled };
  }
  if (flags.m2m) {
    const a = model.m2m.find((x) => x.name === flags.m2m);
    if (!a) throw new UsageError(`no M2M account "${flags.m2m}" in m2m/ (known: ${model.m2m.map((x) => x.name).join(", ") || "none"})`);
    return { label: `M2M account ${a.name}`, groups: a.groups, enabled: a.enabled };
  }
  return { label: `groups ${flags.groups!.join(", ")}`, groups: flags.groups!, enabled: true };
}

export function runExplain(flags: ExplainFlags, io: Io): number {
  const { root, settings } = resolveSettings(flags);
  const model = validModel(checkRepository(root, settings), io, "the definitions have errors; fix them first (mcp-access validate)");
  const who = identity(model, flags);
  const docs = authScopes(model);
  if (flags.server !== undefined || flags.method !== undefined || flags.tool !== undefined) {
    if (!flags.server || !flags.method) throw new UsageError("a decision needs --server and --method (and --tool for tools/call)");
    // The same decision the access tests assert.
    const request = { server: flags.server, method: flags.method, ...(flags.tool !== undefined ? { tool: flags.tool } : {}) };
    const d = who.enabled ? decide(docs, who.groups, request) : DISABLED_DECISION;
    if (flags.format === "json") {
      io.out(JSON.stringify({ allowed: d.allowed, scope: d.scope, rule: d.rule, scopes: d.scopes }, null, 2));
    } else {
      const what = `${flags.method}${flags.tool ? ` ${flags.tool}` : ""} on ${flags.server}`;
      io.out(d.allowed ? `ALLOW ${who.label}: ${what}\n  by scope ${d.scope}, rule ${JSON.stringify(d.rule)}\n  ${d.reason}` : `DENY ${who.label}: ${what}\n  ${d.reason}`);
      io.out(`  scopes held: ${d.scopes.join(", ") || "(none)"}`);
    }
    return 0;
  }
  const held = who.enabled ? scopesForGroups(docs, who.groups) : [];
  const { grants: heldGrants, admin } = grantsOf(held);
  const grants = heldGrants.map(grantText);
  if (flags.format === "json") {
    io.out(JSON.stringify({ identity: who.label, enabled: who.enabled, groups: who.groups, scopes: held.map((s) => s._id), admin, grants, allowed: null, scope: null, rule: null }, null, 2));
  } else {
    io.out(`${who.label}${who.enabled ? "" : " (disabled: gets no token)"}\n  groups: ${who.groups.join(", ")}\n  scopes: ${held.map((s) => s._id).join(", ") || "(none)"}\n  registry admin: ${admin ? "yes" : "no"}`);
    for (const g of grants) io.out(`  ${g}`);
  }
  return 0;
}

export function addExplainCommand(program: Command, io: Io, setExit: (code: number) => void): void {
  repoOptions(program.command("explain").description("show what an identity may do, or decide one request as the registry's auth server would"))
    .option("--user <name>", "a user from users/")
    .option("--m2m <name>", "an M2M account from m2m/")
    .option("--groups <a,b>", "IdP groups, as a token carries them", collect)
    .option("--server <server>", "MCP server (or `api` for the registry API)")
    .option("--method <method>", "JSON-RPC method, e.g. tools/list or tools/call")
    .option("--tool <tool>", "tool name, for tools/call")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .action((flags: ExplainFlags) => setExit(runExplain(flags, io)));
}
