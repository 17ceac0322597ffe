/**
 * The declared tool blocks (tool-blocks/) as the model carries them: one block per server and tool, each with where
 * it is declared. The same tool blocked twice is an error at the second place (which reason would the review
 * show?); a server no group names is a warning: the block still holds (the registry may serve it to a wildcard
 * grant), but a misspelt server would block nothing.
 */
import type { Diagnostic } from "../errors/diagnostics";
import type { Located } from "../load/definitions";
import { flattenServerAccess } from "../registry/evaluate";
import { matchesEveryServer } from "../registry/rules";
import { blockServerKey, type ToolBlock } from "../registry/tool-blocks";
import type { ToolBlock as ToolBlockDefinition } from "../schema/tool-blocks";
import type { ScopeGroup } from "./access-model";
import { ModelDiagnostics, where } from "./diagnostics";

export interface BuiltToolBlocks {
  blocks: ToolBlock[];
  diagnostics: Diagnostic[];
}

/** The servers the groups name in their rules (wildcard rules name none). */
function namedServers(groups: readonly ScopeGroup[]): Set<string> {
  const out = new Set<string>();
  for (const g of groups)
    for (const r of flattenServerAccess({ server_access: g.serverAccess }))
      if ("server" in r && !matchesEveryServer(r.server)) out.add(blockServerKey(r.server));
  return out;
}

export function buildToolBlocks(
  declared: readonly Located<ToolBlockDefinition>[],
  groups: readonly ScopeGroup[],
): BuiltToolBlocks {
  const out = new ModelDiagnostics();
  const seen = new Map<string, Located<ToolBlockDefinition>>();
  const named = namedServers(groups);
  const blocks: ToolBlock[] = [];
  for (const loc of declared) {
    const server = blockServerKey(loc.value.server);
    const key = `${server}\u0000${loc.value.tool}`;
    const first = seen.get(key);
    if (first) {
      const message =
        `tool "${loc.value.tool}" of server "${server}" is already blocked at ${where(first, ["tool"])}; ` +
        "a tool is blocked once (remove one of the two)";
      out.error(loc, ["tool"], message);
      continue;
    }
    seen.set(key, loc);
    if (!named.has(server))
      out.warn(
        loc,
        ["server"],
        `no group names server "${server}" in its server_access: the block holds, but check the server's name ` +
          "(blocks are matched on the server's path)",
      );
    blocks.push({ server, tool: loc.value.tool, reason: loc.value.reason, source: "declared", at: where(loc, []) });
  }
  return { blocks, diagnostics: out.diagnostics };
}
