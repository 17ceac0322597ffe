/**
 * The declared blocks (tool-blocks/) beside the registry's own (its servers' per-tool overrides, read by
 * `explain --stack`): both decide, and each side's block the other lacks is said, since the declared blocks are
 * the reviewed record of what must be blocked and the registry's are what it enforces.
 */
import type { KnownBlocks, ToolBlock } from "../registry/tool-blocks";

const key = (b: ToolBlock) => `${b.server}\u0000${b.tool}`;

/**
 * Every block of both sides; where both block a tool the registry's comes first (it is the one enforced, so the
 * decision names it). `warnings`: one line per block only one side holds.
 */
export function withRegistryBlocks(
  declared: readonly ToolBlock[],
  registry: readonly ToolBlock[],
): { known: KnownBlocks; warnings: string[] } {
  const onRegistry = new Set(registry.map(key));
  const isDeclared = new Set(declared.map(key));
  const warnings: string[] = [];
  for (const b of declared)
    if (!onRegistry.has(key(b)))
      warnings.push(
        `tool-blocks/ blocks ${b.tool} on ${b.server} (${b.at ?? "declared"}) but the registry does not: it ` +
          "serves the tool to whoever its scopes allow (block it with POST /api/servers/toggle-tool/{path})",
      );
  for (const b of registry)
    if (!isDeclared.has(key(b)))
      warnings.push(
        `the registry blocks ${b.tool} on ${b.server} (source: ${b.source}, ${b.reason || "no reason given"}) but ` +
          "tool-blocks/ does not declare it: declare it, so reviews and offline answers know",
      );
  const known = { blocks: [...registry, ...declared.filter((b) => !onRegistry.has(key(b)))], registryRead: true };
  return { known, warnings };
}
