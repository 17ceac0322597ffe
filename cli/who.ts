/** `mcp-access who`: every identity a request is allowed for, each with explain's decision (lib/review/who.ts). */
import { Command, Option } from "commander";
import {
  authScopes,
  checkRepository,
  proxyPrefixOf,
  REGISTRY_DEFAULTS,
  switchText,
  UPSTREAM_REVISION,
  whoIsAllowed,
  type AccessModel,
  type WhoAnswer,
  type WhoResult,
} from "../lib";
import { csvLine } from "./csv";
import { decisionJson, requestOf, verdictOf, type RequestFlags } from "./explain";
import type { Io } from "./io";
import { repoOptions, resolveSettings, validModel, type RepoFlags } from "./repo";

interface WhoFlags extends RepoFlags, RequestFlags {
  format: "text" | "json" | "csv";
}

/** The group of the identity that maps it to the deciding scope (the "via" of an access review). */
function viaGroups(model: AccessModel, a: WhoAnswer): string[] {
  const doc = authScopes(model).find((d) => d._id === a.decision.scope);
  return doc ? a.identity.groups.filter((g) => doc.group_mappings.includes(g)) : [];
}

function answerJson(model: AccessModel, a: WhoAnswer): Record<string, unknown> {
  const d = a.decision;
  const { kind, name, label, groups, enabled, admin, inAdminGroup, quarantined, limits, explainArgs } = a.identity;
  return {
    identity: label,
    kind,
    name,
    explain: explainArgs,
    groups,
    via_groups: viaGroups(model, a),
    enabled,
    admin,
    in_admin_group: inAdminGroup,
    ...decisionJson(d),
    caller_quarantined: quarantined,
    rate_limits: limits,
  };
}

function textLines(model: AccessModel, label: string, r: WhoResult): string[] {
  const lines = [`${label}: ${r.answers.length} of ${r.decided} identities allowed`];
  for (const a of r.answers) {
    const d = a.decision;
    const marks = [
      ...(a.identity.admin ? ["registry admin"] : a.identity.inAdminGroup ? ["in an admin group"] : []),
      ...(d.quarantine?.refuses ? ["QUARANTINED: the auth server refuses it (403 quarantined)"] : []),
    ];
    lines.push(`${verdictOf(d)} ${a.identity.label}${marks.length ? ` [${marks.join("; ")}]` : ""}`);
    if (d.scope) lines.push(`  by scope ${d.scope}${d.rule ? `, rule ${JSON.stringify(d.rule)}` : ""}`);
    const via = viaGroups(model, a);
    if (via.length) lines.push(`  via group ${via.join(", ")}`);
    lines.push(`  ${d.reason}`, `  decided by ${d.decidedBy} (${d.branch})`);
    for (const s of d.dependsOn ?? []) lines.push(`  depends on the registry's switch: ${switchText(s)}`);
    for (const n of d.notes ?? []) lines.push(`  note: ${n}`);
    for (const l of a.identity.limits) lines.push(`  rate limit: ${l}`);
  }
  if (r.target?.quarantined) lines.push(`the target ${r.target.name} is QUARANTINED: every request to it is refused`);
  for (const g of r.target?.gates ?? [])
    lines.push(`target limit: ${g.maxRequests} requests per ${g.windowSeconds} s across all callers (${g.definition})`);
  return lines;
}

const CSV_HEADER = [
  "identity",
  "kind",
  "request",
  "allowed",
  "quarantined",
  "via_group",
  "scope",
  "rule",
  "branch",
  "reason",
];

function csvLines(model: AccessModel, label: string, r: WhoResult): string[] {
  return [
    csvLine(CSV_HEADER),
    ...r.answers.map((a) =>
      csvLine([
        a.identity.name,
        a.identity.kind,
        label,
        a.decision.allowed,
        a.decision.quarantine?.refuses ?? false,
        viaGroups(model, a).join(" "),
        a.decision.scope,
        a.decision.rule ? JSON.stringify(a.decision.rule) : "",
        a.decision.branch,
        a.decision.reason,
      ]),
    ),
  ];
}

export function runWho(flags: WhoFlags, io: Io): number {
  const { root, settings } = resolveSettings(flags);
  const model = validModel(
    checkRepository(root, settings),
    io,
    "the definitions have errors; fix them first (mcp-access validate)",
  );
  const { label, request } = requestOf(flags, proxyPrefixOf(model.registry ?? REGISTRY_DEFAULTS));
  const r = whoIsAllowed(model, request);
  if (flags.format === "json") {
    const target = r.target ? { target: r.target } : {};
    const answers = r.answers.map((a) => answerJson(model, a));
    io.out(
      JSON.stringify({ request: label, decided: r.decided, answers, ...target, upstream: UPSTREAM_REVISION }, null, 2),
    );
  } else if (flags.format === "csv") io.out(csvLines(model, label, r).join("\n"));
  else io.out(textLines(model, label, r).join("\n"));
  return 0;
}

export function addWhoCommand(program: Command, io: Io, setExit: (code: number) => void): void {
  repoOptions(
    program
      .command("who")
      .description(
        "list every identity a request is allowed for (users, M2M accounts, the bootstrap admin, brokered " +
          "people), each with explain's decision",
      ),
  )
    .option("--server <server>", "MCP server key or path (with --method, and --tool for tools/call)")
    .option("--method <method>", "JSON-RPC method, e.g. tools/list or tools/call (case-sensitive)")
    .option("--tool <tool>", "tool name (params.name), for tools/call")
    .option("--url <path>", "a request path as the gateway forwards it (e.g. /currenttime/mcp)")
    .option("--agent <path>", "an A2A agent path, e.g. /flight-booking")
    .option("--action <action>", "the agent action, with --agent (default invoke_agent)")
    .option("--http <verb>", "an HTTP verb with --server kind/path (the generic proxy)")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json", "csv"]).default("text"))
    .action((flags: WhoFlags) => setExit(runWho(flags, io)));
}
