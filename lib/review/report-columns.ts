/**
 * The columns of the access report: every MCP server and A2A agent the scope documents name, each with the
 * requests a cell decides (methods, tools, HTTP verbs, agent actions), and one column for "any other server" /
 * "any other agent" where a wildcard rule reaches beyond the names. The requests are what `explain` takes, so a
 * cell is explain's answers to them.
 */
import { agentRequestPath, agentRules, serverRules, type ScopeForAuth } from "../registry/evaluate";
import {
  HTTP_VERB_WILDCARD,
  HTTP_VERBS,
  isHttpMethodToken,
  isRegistryApiPath,
  isWildcard,
  matchesEveryServer,
  serverNamesMatch,
  STANDARD_METHODS,
  stripSlashes,
} from "../registry/rules";
import { byCodeUnit } from "../errors/order";
import type { DecisionRequest } from "./decide";
import { ANY_OTHER_SERVER, ANY_OTHER_TOOL } from "./access-test-plan";

/** Stands for "a method no rule names": only a methods wildcard grants it. */
export const ANY_OTHER_METHOD = "<any other method>";
export const ANY_OTHER_AGENT = "<any other agent>";

export interface ReportEntry {
  /** As the page shows it: `tools/list`, `tool ack_incident`, `HTTP GET`, `invoke_agent`. */
  label: string;
  /** `method`, `tool`, `http` or `action`: what the cell's summary counts it as. */
  kind: "method" | "tool" | "http" | "action";
  request: DecisionRequest;
}

export interface ReportColumn {
  kind: "server" | "agent";
  /** The server key or agent path; ANY_OTHER_SERVER / ANY_OTHER_AGENT for the wildcard column. */
  name: string;
  entries: ReportEntry[];
}

const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort(byCodeUnit);

/** The requests of one server column: the standard methods, the methods and tools the rules name, and probes. */
function serverEntries(server: string, rules: ReturnType<typeof serverRules>, genericProxy: boolean): ReportEntry[] {
  const mine = rules.filter((r) => serverNamesMatch(r.server, server));
  const named = mine.flatMap((r) => r.methods).filter((m) => !isWildcard(m));
  const methods = sorted([...STANDARD_METHODS, ...named.filter((m) => !isHttpMethodToken(m))]);
  const tools = sorted(mine.flatMap((r) => (Array.isArray(r.tools) ? r.tools.filter((t) => !isWildcard(t)) : [])));
  // HTTP verbs are their own requests only on the generic proxy's hop (PR #1628); off, a verb is a body-less request
  // decided as `initialize`, which the methods already show.
  const httpAll = named.includes(HTTP_VERB_WILDCARD);
  const verbs = !genericProxy
    ? []
    : httpAll
      ? [...HTTP_VERBS]
      : sorted(named.filter((m) => isHttpMethodToken(m) && m !== HTTP_VERB_WILDCARD).map((m) => m.toUpperCase()));
  return [
    ...[...methods, ANY_OTHER_METHOD].map((method) => ({
      label: method,
      kind: "method" as const,
      request: { server, method },
    })),
    ...[...tools, ANY_OTHER_TOOL].map((tool) => ({
      label: tool === ANY_OTHER_TOOL ? tool : `tool ${tool}`,
      kind: "tool" as const,
      request: { server, method: "tools/call", tool },
    })),
    ...verbs.map((http) => ({ label: `HTTP ${http}`, kind: "http" as const, request: { server, http } })),
  ];
}

function agentEntries(agent: string, rules: ReturnType<typeof agentRules>): ReportEntry[] {
  const mine = rules.filter((r) => isWildcard(r.agent) || agentRequestPath(r.agent) === agent);
  const actions = sorted(["invoke_agent", ...mine.flatMap((r) => r.actions).filter((a) => !isWildcard(a))]);
  return actions.map((action) => ({ label: action, kind: "action" as const, request: { agent, action } }));
}

/** Every server and agent the documents name (the registry API, never scope-checked, left out), in name order. */
export function reportColumns(docs: readonly ScopeForAuth[], genericProxy = false): ReportColumn[] {
  const sRules = docs.flatMap((d) => serverRules(d));
  const aRules = docs.flatMap((d) => agentRules(d));
  const servers = sorted(
    sRules
      .filter((r) => !matchesEveryServer(r.server) && !isRegistryApiPath(r.server))
      .map((r) => stripSlashes(r.server)),
  );
  const agents = sorted(aRules.filter((r) => !isWildcard(r.agent)).map((r) => agentRequestPath(r.agent)));
  const columns: ReportColumn[] = servers.map((name) => ({
    kind: "server",
    name,
    entries: serverEntries(name, sRules, genericProxy),
  }));
  if (sRules.some((r) => matchesEveryServer(r.server)))
    columns.push({
      kind: "server",
      name: ANY_OTHER_SERVER,
      entries: serverEntries(ANY_OTHER_SERVER, sRules, genericProxy),
    });
  for (const name of agents) columns.push({ kind: "agent", name, entries: agentEntries(name, aRules) });
  // The admin bypass and `*` agent rules reach agents no rule names.
  columns.push({ kind: "agent", name: ANY_OTHER_AGENT, entries: agentEntries(ANY_OTHER_AGENT, aRules) });
  return columns;
}
