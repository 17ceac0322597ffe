/**
 * Per-tool blocks (registry 1.31.0: #1719 enforcement on `tools/call`, #1779 the scanner's writes, #1782 every read
 * projection). A blocked tool is refused on `tools/call` (403) and hidden from `tools/list` and every model-facing
 * read, whatever the caller's scopes: "a block precedes admin and wildcard grants". Blocks are keyed on the tool's
 * name (a renamed tool is not blocked: upstream documents the gap).
 *
 * Where upstream keeps them (registry/repositories/documentdb/server_repository.py @ 0530678f): the server document
 * of collection `mcp_servers_<namespace>` (`_id` = the server path, with or without its trailing slash) holds
 * `tool_overrides: {<tool name>: {blocked, reason, source}}`; only entries with `blocked` exactly `true` block
 * (registry/services/tool_blocks.py @ 50add746 `_blocked_map`).
 */
import type { Decision } from "./evaluate";
import { serverKey, stripSlashes } from "./rules";

/** Who put a block in place. `declared`: the repository's tool-blocks/; the others are the registry's own. */
export type BlockSource = "declared" | "scanner" | "admin" | string;

export interface ToolBlock {
  /** The server's key (its path without slashes, e.g. `currenttime`). */
  server: string;
  tool: string;
  reason: string;
  source: BlockSource;
  /** Where it is declared (`tool-blocks/x.yaml:3:3`), for a declared block. */
  at?: string;
}

/** The upstream rule each decision on a block cites. */
export const BLOCK_DECIDED_BY =
  "registry/services/tool_blocks.py @ 50add746 (per-tool block, #1719/#1782: a block precedes every grant)";

/** server_repository.py `get_collection_name("mcp_servers")`: the servers' collection of a namespace. */
export function serversCollectionName(namespace: string): string {
  return `mcp_servers_${namespace}`;
}

/** The server key a block or a server document's `_id` names: `_path_variants` treats `/x` and `/x/` alike. */
export function blockServerKey(server: string): string {
  return stripSlashes(server);
}

/** The block on `tool` of the server `server` (a key or path, as a request names it), or undefined. */
export function findBlock(blocks: readonly ToolBlock[], server: string, tool: string): ToolBlock | undefined {
  const key = serverKey(server);
  return blocks.find((b) => b.tool === tool && b.server === key);
}

/** A block as people read it: where it comes from, and why. */
export function blockText(b: ToolBlock): string {
  if (b.source === "declared") return `blocked in tool-blocks/ (${b.at ?? "declared"}: ${b.reason})`;
  return `blocked on the registry (source: ${b.source}, ${b.reason || "no reason given"})`;
}

/**
 * The blocks a server document holds (tool_blocks.py `_blocked_map`: entries whose `blocked` is `true`, nothing
 * else). A document without `tool_overrides`, or with one that is not a mapping, blocks nothing.
 */
export function blocksOfServerDocument(doc: { _id?: unknown; tool_overrides?: unknown }): ToolBlock[] {
  const overrides = doc.tool_overrides;
  if (typeof doc._id !== "string" || overrides === null || typeof overrides !== "object" || Array.isArray(overrides))
    return [];
  const server = blockServerKey(doc._id);
  // Version documents (`{path}:{version}`) are not the active server (server_repository.py `list_by_ids`).
  if (doc._id.includes(":")) return [];
  const out: ToolBlock[] = [];
  for (const [tool, entry] of Object.entries(overrides as Record<string, unknown>)) {
    if (entry === null || typeof entry !== "object" || (entry as { blocked?: unknown }).blocked !== true) continue;
    const { reason, source } = entry as { reason?: unknown; source?: unknown };
    out.push({
      server,
      tool,
      reason: typeof reason === "string" ? reason : "",
      source: typeof source === "string" && source !== "" ? source : "unknown",
    });
  }
  return out;
}

/** The blocks a decision knows of, and whether the registry's own were read (else only the declared ones). */
export interface KnownBlocks {
  blocks: readonly ToolBlock[];
  /** The registry's per-tool overrides were read from its database (explain --stack). */
  registryRead: boolean;
}

/**
 * tools/call of a blocked tool (#1719): refused whatever the scopes say, admin and wildcard grants included; the
 * scopes' own answer is kept in the reason, so a reviewer sees what the block takes away.
 */
export function blockedDecision(scopes: Decision, block: ToolBlock, tool: string): Decision {
  const without = scopes.allowed
    ? `; without the block: allowed${scopes.scope ? ` by scope ${scopes.scope}` : ""}`
    : "";
  return {
    allowed: false,
    scope: null,
    rule: null,
    scopes: scopes.scopes,
    branch: "tool-blocked",
    decidedBy: BLOCK_DECIDED_BY,
    reason:
      `tools/call "${tool}" on "${block.server}": ${blockText(block)}; a block precedes every grant, admin and ` +
      `wildcard ones included (403)${without}`,
  };
}

/** What a tool-level answer assumes when the registry's own blocks were not read. */
export function unreadBlocksNote(server: string, tool: string): string {
  return (
    `assumes ${tool} is not blocked on ${serverKey(server)} beyond tool-blocks/ (the registry's own blocks are ` +
    "server data; --stack reads them)"
  );
}
